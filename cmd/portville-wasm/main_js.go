//go:build js && wasm && portville_noyaml

package main

import (
	"fmt"
	"syscall/js"

	"portville/web/wire"
)

// main offers the api to JavaScript as globalThis.portvilleWasm and then
// waits for calls: the page's event loop drives the module from here on.
// Each function takes strings and returns a string (api.go says which);
// a panic becomes {"error": ...} rather than the end of the module.
func main() {
	a := &api{}
	obj := js.Global().Get("Object").New()
	obj.Set("init", export(func(s string) []byte { return a.init([]byte(s)) }))
	obj.Set("language", export(func(s string) []byte { return a.language([]byte(s)) }))
	obj.Set("checkOS", export(func(s string) []byte { return []byte(a.checkOS(s)) }))
	obj.Set("timeline", export(func(s string) []byte { return a.timeline([]byte(s)) }))
	obj.Set("snapshot", export(func(s string) []byte { return a.snapshot([]byte(s)) }))
	registerLab(obj, a)
	js.Global().Set("portvilleWasm", obj)
	select {}
}

// export wraps f as a JavaScript function of one string argument.
func export(f func(string) []byte) js.Func {
	return js.FuncOf(func(this js.Value, args []js.Value) (out any) {
		defer func() {
			if r := recover(); r != nil {
				out = string(errorJSON(&apiError{Code: wire.CodeInternal, Message: "The simulator failed.", Detail: fmt.Sprint(r)}))
			}
		}()
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return string(errorJSON(&apiError{Code: wire.CodeInternal, Message: "The simulator was called without a string."}))
		}
		return string(f(args[0].String()))
	})
}
