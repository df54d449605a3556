//go:build js && wasm && portville_noyaml && portville_nolab

package main

import "syscall/js"

// registerLab offers nothing: the lessons' module has no lab.
func registerLab(js.Value, *api) {}
