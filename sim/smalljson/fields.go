package smalljson

import (
	"reflect"
	"strings"
	"sync"
)

// field is a struct field as JSON sees it: its key, where it is (through
// embedded structs) and whether an empty or zero value is left out.
type field struct {
	name      string
	index     []int
	omitEmpty bool
}

var (
	cacheMu    sync.Mutex
	fieldCache = map[reflect.Type][]field{}
)

// fieldsOf returns t's JSON fields in encoding/json's order: by position,
// with an untagged embedded struct's fields where the struct is.
func fieldsOf(t reflect.Type) []field {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	fs, ok := fieldCache[t]
	if !ok {
		fs = appendFields(nil, t, nil)
		fieldCache[t] = fs
	}
	return fs
}

func appendFields(fs []field, t reflect.Type, index []int) []field {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := jsonTag(sf.Tag)
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		idx := append(append([]int(nil), index...), i)
		if sf.Anonymous {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if name == "" && ft.Kind() == reflect.Struct {
				fs = appendFields(fs, ft, idx)
				continue
			}
			if !sf.IsExported() && ft.Kind() != reflect.Struct {
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := field{name: name, index: idx}
		for opts != "" {
			var o string
			o, opts, _ = strings.Cut(opts, ",")
			f.omitEmpty = f.omitEmpty || o == "omitempty"
		}
		fs = append(fs, f)
	}
	return fs
}

// lookup finds the field for a JSON key: the exact name, else one that
// differs only in case (as encoding/json matches).
func lookup(fs []field, key string) *field {
	for i := range fs {
		if fs[i].name == key {
			return &fs[i]
		}
	}
	for i := range fs {
		if strings.EqualFold(fs[i].name, key) {
			return &fs[i]
		}
	}
	return nil
}

// jsonTag returns the json key's value in a struct tag. The simulator's
// tags hold no escapes, so it needs no strconv.Unquote (StructTag.Get's
// 9 KB in the module).
func jsonTag(tag reflect.StructTag) string {
	s := string(tag)
	for s != "" {
		key, rest, ok := strings.Cut(s, ":\"")
		if !ok {
			return ""
		}
		val, after, ok := strings.Cut(rest, "\"")
		if !ok {
			return ""
		}
		if strings.TrimLeft(key, " ") == "json" {
			return val
		}
		s = after
	}
	return ""
}
