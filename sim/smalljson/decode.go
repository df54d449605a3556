package smalljson

import (
	"encoding"
	"reflect"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// SyntaxError is malformed JSON, or JSON that does not fit the Go value,
// at a byte offset of the input.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "json: offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// maxDepth bounds the nesting of arrays and objects, as encoding/json's
// does (the simulator's own files nest a few levels).
const maxDepth = 1000

// Unmarshal reads data into the value v points to, as encoding/json's
// Unmarshal does for the types this package supports: keys match a
// field's name exactly or else without regard to case, keys that match
// none are skipped, null leaves a non-pointer unchanged. On an error, v
// may be partly filled.
func Unmarshal(data []byte, v any) error {
	return unmarshal(data, v, false)
}

// UnmarshalStrict is Unmarshal where a key that matches no field is an
// error (encoding/json's DisallowUnknownFields).
func UnmarshalStrict(data []byte, v any) error {
	return unmarshal(data, v, true)
}

func unmarshal(data []byte, v any, strict bool) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &SyntaxError{0, "Unmarshal needs a non-nil pointer"}
	}
	d := &decoder{data: data, strict: strict}
	if err := d.value(rv.Elem()); err != nil {
		return err
	}
	d.space()
	if d.pos < len(d.data) {
		return d.errorf("invalid character " + strconv.QuoteRune(rune(d.data[d.pos])) + " after the value")
	}
	return nil
}

type decoder struct {
	data   []byte
	pos    int
	depth  int
	strict bool
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()

func (d *decoder) errorf(msg string) error { return &SyntaxError{d.pos, msg} }

func (d *decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// value reads one JSON value into v; an invalid v skips it.
func (d *decoder) value(v reflect.Value) error {
	d.space()
	if d.pos >= len(d.data) {
		return d.errorf("unexpected end of JSON input")
	}
	c := d.data[d.pos]
	if c == 'n' {
		if err := d.literal("null"); err != nil {
			return err
		}
		if v.IsValid() {
			switch v.Kind() {
			case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
				v.Set(reflect.Zero(v.Type()))
			}
		}
		return nil
	}
	for v.IsValid() {
		if v.Kind() != reflect.Pointer && v.CanAddr() {
			if pt := reflect.PointerTo(v.Type()); pt.Implements(textUnmarshalerType) {
				start := d.pos
				if c != '"' {
					return d.mismatch(start, "value other than a string", v)
				}
				s, err := d.str()
				if err != nil {
					return err
				}
				if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
					return &SyntaxError{start, err.Error()}
				}
				return nil
			}
		}
		if v.Kind() != reflect.Pointer {
			break
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	switch {
	case c == '{':
		return d.object(v)
	case c == '[':
		return d.array(v)
	case c == '"':
		start := d.pos
		s, err := d.str()
		if err != nil || !v.IsValid() {
			return err
		}
		if v.Kind() != reflect.String {
			return d.mismatch(start, "string", v)
		}
		v.SetString(s)
		return nil
	case c == 't' || c == 'f':
		start := d.pos
		word := "false"
		if c == 't' {
			word = "true"
		}
		if err := d.literal(word); err != nil || !v.IsValid() {
			return err
		}
		if v.Kind() != reflect.Bool {
			return d.mismatch(start, "boolean", v)
		}
		v.SetBool(c == 't')
		return nil
	case c == '-' || c >= '0' && c <= '9':
		return d.number(v)
	}
	return d.errorf("invalid character " + strconv.QuoteRune(rune(c)) + " looking for beginning of value")
}

func (d *decoder) mismatch(at int, what string, v reflect.Value) error {
	return &SyntaxError{at, "cannot put a JSON " + what + " into Go type " + v.Type().String()}
}

func (d *decoder) literal(word string) error {
	for i := range len(word) {
		if d.pos >= len(d.data) {
			return d.errorf("unexpected end of JSON input")
		}
		if d.data[d.pos] != word[i] {
			return d.errorf("invalid character " + strconv.QuoteRune(rune(d.data[d.pos])) + " in literal " + word)
		}
		d.pos++
	}
	return nil
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return d.errorf("nested more than " + strconv.Itoa(maxDepth) + " levels")
	}
	return nil
}

func (d *decoder) object(v reflect.Value) error {
	start := d.pos
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	var fs []field
	switch {
	case !v.IsValid():
	case v.Kind() == reflect.Struct:
		fs = fieldsOf(v.Type())
	case v.Kind() == reflect.Map:
		switch v.Type().Key().Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return d.mismatch(start, "object", v)
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	default:
		return d.mismatch(start, "object", v)
	}
	d.pos++ // {
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	for {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.errorf("expected a string key")
		}
		keyAt := d.pos
		key, err := d.str()
		if err != nil {
			return err
		}
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return d.errorf("expected ':' after an object key")
		}
		d.pos++
		switch {
		case !v.IsValid():
			err = d.value(reflect.Value{})
		case v.Kind() == reflect.Struct:
			f := lookup(fs, key)
			if f == nil {
				if d.strict {
					return &SyntaxError{keyAt, "unknown field " + strconv.Quote(key)}
				}
				err = d.value(reflect.Value{})
				break
			}
			fv := v
			for i, x := range f.index {
				if i > 0 && fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						fv.Set(reflect.New(fv.Type().Elem()))
					}
					fv = fv.Elem()
				}
				fv = fv.Field(x)
			}
			err = d.value(fv)
		default:
			kt := v.Type().Key()
			kv := reflect.New(kt).Elem()
			switch kt.Kind() {
			case reflect.String:
				kv.SetString(key)
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				n, perr := strconv.ParseInt(key, 10, 64)
				if perr != nil || kv.OverflowInt(n) {
					return &SyntaxError{keyAt, "cannot put key " + strconv.Quote(key) + " into Go type " + kt.String()}
				}
				kv.SetInt(n)
			default:
				n, perr := strconv.ParseUint(key, 10, 64)
				if perr != nil || kv.OverflowUint(n) {
					return &SyntaxError{keyAt, "cannot put key " + strconv.Quote(key) + " into Go type " + kt.String()}
				}
				kv.SetUint(n)
			}
			ev := reflect.New(v.Type().Elem()).Elem()
			if err = d.value(ev); err == nil {
				v.SetMapIndex(kv, ev)
			}
		}
		if err != nil {
			return err
		}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return nil
		}
		return d.errorf("expected ',' or '}' after an object's value")
	}
}

func (d *decoder) array(v reflect.Value) error {
	start := d.pos
	if err := d.enter(); err != nil {
		return err
	}
	defer func() { d.depth-- }()
	if v.IsValid() {
		switch v.Kind() {
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			return d.mismatch(start, "array", v)
		}
	}
	d.pos++ // [
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return nil
	}
	for i := 0; ; i++ {
		var ev reflect.Value
		switch {
		case !v.IsValid():
		default:
			v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
			ev = v.Index(i)
		}
		if err := d.value(ev); err != nil {
			return err
		}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return nil
		}
		return d.errorf("expected ',' or ']' after an array's element")
	}
}

func (d *decoder) number(v reflect.Value) error {
	start := d.pos
	p := d.pos
	digits := func() bool {
		q := p
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
		return p > q
	}
	if d.data[p] == '-' {
		p++
	}
	if p < len(d.data) && d.data[p] == '0' {
		p++
	} else if !digits() {
		d.pos = p
		return d.errorf("invalid number")
	}
	if p < len(d.data) && d.data[p] == '.' {
		p++
		if !digits() {
			d.pos = p
			return d.errorf("invalid number: no digits after '.'")
		}
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		p++
		if p < len(d.data) && (d.data[p] == '+' || d.data[p] == '-') {
			p++
		}
		if !digits() {
			d.pos = p
			return d.errorf("invalid number: no digits in the exponent")
		}
	}
	d.pos = p
	if !v.IsValid() {
		return nil
	}
	s := string(d.data[start:p])
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v.OverflowInt(n) {
			return &SyntaxError{start, "cannot put the number " + s + " into Go type " + v.Type().String()}
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v.OverflowUint(n) {
			return &SyntaxError{start, "cannot put the number " + s + " into Go type " + v.Type().String()}
		}
		v.SetUint(n)
	default:
		return d.mismatch(start, "number", v)
	}
	return nil
}

// str reads a JSON string at d.pos, unescaped; invalid UTF-8 and lone
// surrogates become U+FFFD, as encoding/json reads them.
func (d *decoder) str() (string, error) {
	d.pos++ // "
	var b []byte
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			if b == nil {
				s := string(d.data[start:d.pos])
				d.pos++
				return s, nil
			}
			b = append(b, d.data[start:d.pos]...)
			d.pos++
			return string(b), nil
		case c < 0x20:
			return "", d.errorf("invalid character " + strconv.QuoteRune(rune(c)) + " in a string")
		case c == '\\':
			b = append(b, d.data[start:d.pos]...)
			d.pos++
			if d.pos >= len(d.data) {
				return "", d.errorf("unexpected end of JSON input")
			}
			e := d.data[d.pos]
			d.pos++
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", d.errorf("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					r2 := utf8.RuneError
					if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
						save := d.pos
						d.pos += 2
						if x, ok := d.hex4(); ok {
							if dr := utf16.DecodeRune(r, x); dr != utf8.RuneError {
								r2 = dr
							} else {
								d.pos = save
							}
						} else {
							d.pos = save
						}
					}
					r = r2
				}
				b = utf8.AppendRune(b, r)
			default:
				d.pos--
				return "", d.errorf("invalid escape character " + strconv.QuoteRune(rune(e)))
			}
			start = d.pos
		case c < utf8.RuneSelf:
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, d.data[start:d.pos]...)
				b = append(b, "\uFFFD"...)
				d.pos++
				start = d.pos
				continue
			}
			d.pos += size
		}
	}
	return "", d.errorf("unexpected end of JSON input in a string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.data)-d.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.pos : d.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	d.pos += 4
	return r, true
}
