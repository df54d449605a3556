//go:build js && wasm && portville_noyaml && !portville_nolab

package main

import "syscall/js"

// registerLab offers the lab's calls (lab.go) to lab.html's wasm.js.
func registerLab(obj js.Value, a *api) {
	obj.Set("labOpen", export(func(s string) []byte { return a.labOpen([]byte(s)) }))
	obj.Set("labInput", export(func(s string) []byte { return a.labInput([]byte(s)) }))
	obj.Set("labUndo", export(func(s string) []byte { return a.labUndo([]byte(s)) }))
	obj.Set("labExport", export(func(s string) []byte { return a.labExport([]byte(s)) }))
	obj.Set("labSnapshot", export(func(s string) []byte { return a.labSnapshot([]byte(s)) }))
	obj.Set("labClose", export(func(s string) []byte { return a.labClose([]byte(s)) }))
}
