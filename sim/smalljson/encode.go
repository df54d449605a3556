// Package smalljson is the part of encoding/json that the simulator's
// types use, for the WebAssembly module: Marshal writes the same bytes as
// encoding/json's Marshal for them, and Unmarshal reads what either
// writes.
//
// The module (cmd/portville-wasm) is what a student's phone downloads
// before the static build's first lesson; with this package in place of
// encoding/json it is 87 KB smaller gzipped (TestWasmSize before and
// after, docs/benchmarks.md). The simulator stays standard-library Go so
// that the same code runs in the module, which rules out a third-party
// codec; this package is small because it leaves out what these types
// never need:
// no streaming, no options, no []byte as base64, no floating-point
// numbers, no decoding into Go arrays or interfaces, no Unmarshaler (a
// type that reads itself: keeping the interface would keep every
// UnmarshalJSON method in the module, sim.Event's 7 KB), no ",string" or
// "omitzero" tags, no field-name conflicts between embedded structs, and
// Marshaler output is used as it is, where encoding/json compacts it and
// escapes HTML in it (the module marshals no sim.Event, the simulator's
// one MarshalJSON; its events are written by sim.Event.AppendJSONIn).
//
// Tests compare Marshal with encoding/json byte for byte on every
// lesson's values and fuzz both directions.
package smalljson

import (
	"encoding"
	"errors"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Marshaler is encoding/json's Marshaler: a type that writes itself.
type Marshaler interface {
	MarshalJSON() ([]byte, error)
}

// Marshal returns v's JSON encoding, as encoding/json.Marshal does.
func Marshal(v any) ([]byte, error) {
	return appendValue(nil, reflect.ValueOf(v))
}

var (
	marshalerType     = reflect.TypeFor[Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func appendValue(b []byte, v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return append(b, "null"...), nil
	}
	t := v.Type()
	if t.Kind() != reflect.Pointer && v.CanAddr() && reflect.PointerTo(t).Implements(marshalerType) {
		v, t = v.Addr(), v.Addr().Type()
	} else if t.Kind() != reflect.Pointer && v.CanAddr() && !t.Implements(marshalerType) && reflect.PointerTo(t).Implements(textMarshalerType) {
		v, t = v.Addr(), v.Addr().Type()
	}
	if t.Implements(marshalerType) {
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return append(b, "null"...), nil
		}
		out, err := v.Interface().(Marshaler).MarshalJSON()
		if err != nil {
			return b, err
		}
		return append(b, out...), nil
	}
	if t.Implements(textMarshalerType) {
		if t.Kind() == reflect.Pointer && v.IsNil() {
			return append(b, "null"...), nil
		}
		out, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return b, err
		}
		return AppendString(b, string(out)), nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10), nil
	case reflect.String:
		return AppendString(b, v.String()), nil
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendValue(b, v.Elem())
	case reflect.Struct:
		return appendStruct(b, v)
	case reflect.Map:
		return appendMap(b, v)
	case reflect.Slice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		fallthrough
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return b, errors.New("smalljson: " + t.String() + " is not supported (encoding/json writes it as base64)")
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, v.Index(i)); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	return b, errors.New("smalljson: unsupported type " + t.String())
}

func appendStruct(b []byte, v reflect.Value) ([]byte, error) {
	b = append(b, '{')
	first := true
	for _, f := range fieldsOf(v.Type()) {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || f.omitEmpty && isEmpty(fv) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = AppendString(b, f.name)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, fv); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// fieldByIndex is v.FieldByIndex, reporting false where a nil embedded
// pointer leaves the field out.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

func appendMap(b []byte, v reflect.Value) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		k := it.Key()
		var key string
		switch k.Kind() {
		case reflect.String:
			key = k.String()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			key = strconv.FormatInt(k.Int(), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			key = strconv.FormatUint(k.Uint(), 10)
		default:
			return b, errors.New("smalljson: unsupported map key type " + k.Type().String())
		}
		entries = append(entries, entry{key, it.Value()})
	}
	// Insertion sort: the simulator's maps are small, and a generic sort
	// of this type would cost the module more than the loop.
	for i := 1; i < len(entries); i++ {
		for j := i; j > 0 && entries[j].key < entries[j-1].key; j-- {
			entries[j], entries[j-1] = entries[j-1], entries[j]
		}
	}
	b = append(b, '{')
	for i, e := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, e.key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, e.val); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as encoding/json
// escapes it: HTML's <, > and & as \u003c, \u003e and \u0026, U+2028 and
// U+2029, and invalid UTF-8 as U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
