package smalljson_test

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"portville/sim/smalljson"
)

// The zoo has a field of each shape the simulator's types use, and the
// encoding/json features smalljson keeps: tags with omitempty and "-",
// untagged embedded structs (by value and by pointer), unexported
// fields, maps with string and integer keys, nil and empty slices and
// maps, pointers, interfaces, TextMarshaler (netip.Addr) and Marshaler.
type Pos struct{ Line, Col int }

type Inner struct {
	Name string `json:"name"`
	N    uint16 `json:"n,omitempty"`
}

type named string

type raw []byte

func (r raw) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return r, nil
}

type zoo struct {
	Pos
	*Inner
	private  int
	Skipped  string `json:"-"`
	Str      string `json:"str"`
	OptStr   string `json:"opt_str,omitempty"`
	Named    named  `json:"named"`
	Bool     bool   `json:"bool,omitempty"`
	Int      int    `json:"int"`
	I8       int8   `json:"i8,omitempty"`
	I64      int64  `json:"i64"`
	U8       uint8  `json:"u8"`
	U64      uint64 `json:"u64,omitempty"`
	Untagged string
	Strs     []string          `json:"strs"`
	OptStrs  []string          `json:"opt_strs,omitempty"`
	Ints     []uint16          `json:"ints"`
	Map      map[string]int    `json:"map"`
	OptMap   map[string]string `json:"opt_map,omitempty"`
	IntMap   map[int]string    `json:"int_map"`
	Ptr      *Inner            `json:"ptr"`
	OptPtr   *int              `json:"opt_ptr,omitempty"`
	Nested   []Inner           `json:"nested"`
	Ptrs     []*Inner          `json:"ptrs"`
	Addr     netip.Addr        `json:"addr"`
	Addrs    []netip.Addr      `json:"addrs"`
	AddrPort netip.AddrPort    `json:"addr_port"`
	Deep     map[string][]Inner
}

type marshalOnly struct {
	zoo
	Any   any `json:"any"`
	Raw   raw `json:"raw"`
	OptRw raw `json:"opt_raw,omitempty"`
}

func full() zoo {
	seven := 7
	return zoo{
		Pos: Pos{3, 9}, Inner: &Inner{Name: "embedded", N: 80}, private: 1, Skipped: "no",
		Str: "<a href=\"x\">&amp;</a>\n\t\r\b\f\x00\x1f\x7f é \u2028\u2029 \xff end", Named: "named",
		Bool: true, Int: -1 << 40, I8: -128, I64: 1<<63 - 1, U8: 255, U64: 1<<64 - 1, Untagged: "u",
		Strs: []string{"a", "", "b"}, OptStrs: []string{}, Ints: []uint16{0, 65535},
		Map: map[string]int{"z": 1, "a": 2, "é": 3, "A": 4, "": 5}, OptMap: map[string]string{},
		IntMap: map[int]string{10: "ten", 9: "nine", -1: "minus"}, Ptr: &Inner{Name: "p"}, OptPtr: &seven,
		Nested: []Inner{{Name: "x", N: 1}, {}}, Ptrs: []*Inner{nil, {Name: "y"}},
		Addr: netip.MustParseAddr("10.0.0.10"), Addrs: []netip.Addr{{}, netip.MustParseAddr("::1")},
		AddrPort: netip.MustParseAddrPort("[2001:db8::1]:443"),
		Deep:     map[string][]Inner{"k": {{Name: "deep"}}, "nil": nil},
	}
}

// TestMarshalLikeEncodingJSON: Marshal writes encoding/json's bytes.
func TestMarshalLikeEncodingJSON(t *testing.T) {
	for name, v := range map[string]any{
		"full":          full(),
		"zero":          zoo{},
		"pointer":       &zoo{Str: "p"},
		"nil pointer":   (*zoo)(nil),
		"marshal only":  marshalOnly{zoo: full(), Any: map[string]any{"b": []any{1, "two", nil, true}}, Raw: raw(`{"x":[1,2]}`)},
		"zero marshal":  marshalOnly{},
		"string":        "plain",
		"nil":           nil,
		"slice of maps": []map[string]bool{{"t": true}, nil},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: encoding/json: %v", name, err)
		}
		got, err := smalljson.Marshal(v)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

// TestMarshalRefuses: what smalljson leaves out is an error, not
// different bytes.
func TestMarshalRefuses(t *testing.T) {
	for name, v := range map[string]any{
		"[]byte":   struct{ B []byte }{[]byte("x")},
		"float":    struct{ F float64 }{1.5},
		"map key":  map[bool]int{true: 1},
		"function": struct{ F func() }{func() {}},
	} {
		if b, err := smalljson.Marshal(v); err == nil {
			t.Errorf("%s: encoded as %s, want an error", name, b)
		}
	}
}

// TestRoundTrip: Unmarshal reads back what Marshal wrote, to an equal
// value, and reads encoding/json's writing the same.
func TestRoundTrip(t *testing.T) {
	v := full()
	// What JSON cannot carry: unexported and "-" fields, invalid UTF-8
	// (read back as U+FFFD), an empty slice or map left out by omitempty.
	v.private, v.Skipped, v.OptStrs, v.OptMap = 0, "", nil, nil
	v.Str = strings.ToValidUTF8(v.Str, "\uFFFD")
	b, err := smalljson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var got, fromStd zoo
	if err := smalljson.UnmarshalStrict(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Errorf("read back\n %+v\nwant\n %+v", got, v)
	}
	if err := json.Unmarshal(b, &fromStd); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, fromStd) {
		t.Errorf("smalljson read\n %+v\nencoding/json read\n %+v", got, fromStd)
	}
}

// TestUnmarshalErrors: each error names the problem and where it is.
func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		in, want string
		strict   bool
	}{
		{``, "offset 0: unexpected end of JSON input", false},
		{`{"str": "a"`, "offset 11: expected ',' or '}'", false},
		{`{"str": 1}`, "offset 8: cannot put a JSON number into Go type string", false},
		{`{"int": 1.5}`, "offset 8: cannot put the number 1.5 into Go type int", false},
		{`{"u8": 256}`, "into Go type uint8", false},
		{`{"strs": {}}`, "cannot put a JSON object into Go type []string", false},
		{`{"addr": "10.0.0.300"}`, "offset 9: ParseAddr(\"10.0.0.300\")", false},
		{`{"colour": "red"}`, `offset 1: unknown field "colour"`, true},
		{`{"str": "a"} x`, "offset 13: invalid character 'x' after the value", false},
		{`{"str": "\q"}`, `invalid escape character 'q'`, false},
		{"{\"str\": \"a\nb\"}", `invalid character '\n' in a string`, false},
		{`[1]`, "cannot put a JSON array into Go type smalljson_test.zoo", false},
		{`{"int": -}`, "invalid number", false},
		{`{"int": 01}`, "expected ',' or '}'", false},
		{`tru`, "unexpected end of JSON input", false},
		{strings.Repeat(`{"x":`, 1001), "nested more than 1000 levels", false},
	}
	for _, tt := range tests {
		var z zoo
		var err error
		if tt.strict {
			err = smalljson.UnmarshalStrict([]byte(tt.in), &z)
		} else {
			err = smalljson.Unmarshal([]byte(tt.in), &z)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%.40q: err = %v, want it to say %q", tt.in, err, tt.want)
		}
	}
	if err := smalljson.Unmarshal([]byte(`{"colour": "red", "str": "s"}`), new(zoo)); err != nil {
		t.Errorf("not strict: an unknown key is skipped, got %v", err)
	}
	if err := smalljson.Unmarshal([]byte(`{}`), zoo{}); err == nil {
		t.Error("Unmarshal into a non-pointer succeeded")
	}
}

// decodable is the zoo without what smalljson cannot decode (interfaces).
type decodable = zoo

// FuzzUnmarshal: for any input, smalljson succeeds where encoding/json
// succeeds, to the same value, and fails where it fails.
func FuzzUnmarshal(f *testing.F) {
	b, _ := json.Marshal(full())
	f.Add(b)
	for _, s := range []string{`{}`, `null`, `{"Str":"x","STR":"y"}`, `{"map":{"a":1,"a":2}}`, `{"int_map":{"-5":"x"}}`,
		`{"str":"\ud83d\ude00\ud800x\udc00"}`, `{"ptr":null,"opt_ptr":null}`, `{"Line":1,"line":2}`, `{"i8":-129}`,
		`{"strs":[null,"a"]}`, `{"name":"embedded via pointer"}`, `{"addr":""}`, `{"int":1e2}`, `{"int":-0}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var std, small decodable
		errStd := json.Unmarshal(data, &std)
		errSmall := smalljson.Unmarshal(data, &small)
		if (errStd == nil) != (errSmall == nil) {
			t.Fatalf("%q: encoding/json says %v, smalljson says %v", data, errStd, errSmall)
		}
		if errStd == nil && !reflect.DeepEqual(std, small) {
			t.Fatalf("%q:\nencoding/json read %+v\n    smalljson read %+v", data, std, small)
		}
	})
}

// FuzzString: any string is written as encoding/json writes it, and read
// back as encoding/json reads it.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>", "\x00\x1f\"\\\b\f\n\r\t", "\u2028\u2029", "\xff\xfe", "é😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		got := smalljson.AppendString(nil, s)
		if string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		var back, stdBack string
		if err := smalljson.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(got, &stdBack)
		if back != stdBack {
			t.Fatalf("%q: read back %q, encoding/json reads %q", s, back, stdBack)
		}
	})
}
