//go:build !portville_noyaml

package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"portville/sim"
)

// decoder walks the YAML syntax tree, collecting errors with positions.
// Every accessor reports what it found and what it expected.
type decoder struct {
	file string
	errs ErrorList
}

func (d *decoder) errAt(line, col int, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

func (d *decoder) errf(n ast.Node, format string, args ...any) {
	p := posOf(n)
	d.errAt(p.Line, p.Col, format, args...)
}

func posOf(n ast.Node) Pos {
	if n == nil {
		return Pos{1, 1}
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		return posOf(m.Values[0].Key)
	}
	if mv, ok := n.(*ast.MappingValueNode); ok {
		return posOf(mv.Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}

// parseYAML parses the text into a syntax tree, turning syntax errors into
// positioned errors. Anchors, aliases and tags are refused: scenario files
// do not need them, and refusing them keeps expansion bounded.
func parseYAML(file string, data []byte) (ast.Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil && se.Token.Position != nil {
			line, col := se.Token.Position.Line, se.Token.Position.Column
			return nil, ErrorList{{File: file, Line: line, Col: col, Msg: "YAML syntax: " + syntaxMessage(se.Message, data, line, col)}}
		}
		return nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: "YAML syntax: " + firstLine(err.Error())}}
	}
	var docs []ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if _, ok := doc.Body.(*ast.DirectiveNode); ok {
			p := posOf(doc.Body)
			return nil, ErrorList{{File: file, Line: p.Line, Col: p.Col, Msg: "YAML directives (%YAML, %TAG) are not supported in scenario files"}}
		}
		docs = append(docs, doc.Body)
	}
	if len(docs) == 0 {
		return nil, ErrorList{{File: file, Line: 1, Col: 1, Msg: "the file is empty: expected a scenario (a mapping with title, hosts and steps)"}}
	}
	if len(docs) > 1 {
		p := posOf(docs[1])
		return nil, ErrorList{{File: file, Line: p.Line, Col: p.Col, Msg: "found a second YAML document: a scenario file holds one"}}
	}
	d := &decoder{file: file}
	d.refuseFancy(docs[0], 0)
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	return docs[0], nil
}

// maxDepth bounds nesting; a scenario needs about six levels.
const maxDepth = 32

func (d *decoder) refuseFancy(n ast.Node, depth int) {
	if n == nil || len(d.errs) > 0 {
		return
	}
	if depth > maxDepth {
		d.errf(n, "nested too deeply (more than %d levels)", maxDepth)
		return
	}
	switch v := n.(type) {
	case *ast.AnchorNode:
		d.errf(n, "YAML anchors (&name) are not supported in scenario files")
	case *ast.AliasNode:
		d.errf(n, "YAML aliases (*name) are not supported in scenario files")
	case *ast.TagNode:
		d.errf(n, "YAML tags such as %s are not supported in scenario files", v.Start.Value)
	case *ast.MergeKeyNode:
		d.errf(n, "YAML merge keys (<<) are not supported in scenario files")
	case *ast.MappingNode:
		for _, mv := range v.Values {
			d.refuseFancy(mv.Key, depth+1)
			d.refuseFancy(mv.Value, depth+1)
		}
	case *ast.MappingValueNode:
		d.refuseFancy(v.Key, depth+1)
		d.refuseFancy(v.Value, depth+1)
	case *ast.SequenceNode:
		for _, x := range v.Values {
			d.refuseFancy(x, depth+1)
		}
	case *ast.MappingKeyNode:
		d.errf(n, "complex mapping keys (?) are not supported in scenario files")
	case *ast.DirectiveNode:
		d.errf(n, "YAML directives are not supported in scenario files")
	}
}

// duplicateKeyRE matches the parser's message for a key given twice.
var duplicateKeyRE = regexp.MustCompile(`^mapping key "(.*)" already defined at \[(\d+):(\d+)\]$`)

// syntaxMessage rewords the YAML parser's terse messages and adds what a
// course author most likely got wrong: an unquoted ": " inside a sentence,
// a key that does not line up with its neighbours, a tab, a field given
// twice.
func syntaxMessage(msg string, data []byte, line, col int) string {
	const indent = " (check the indentation: a key must line up with the keys above it)"
	if m := duplicateKeyRE.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("the field %q appears twice (first at line %s)", m[1], m[2])
	}
	switch {
	case strings.Contains(msg, "cannot start any token") && strings.Contains(msg, "\t"):
		return "found a tab; indent with spaces (YAML does not allow tabs)"
	case strings.Contains(msg, "mapping value is not allowed"):
		rest := sourceLine(data, line)
		if col >= 1 && col-1 < len(rest) {
			rest = rest[col-1:]
		}
		if strings.Contains(rest, ": ") || strings.HasSuffix(strings.TrimSpace(rest), ":") {
			return msg + ` (a text that contains ": " must be put in quotes, such as say: "Note: ...")`
		}
		return msg + indent
	case strings.Contains(msg, "value is not allowed in this context"):
		return msg + indent
	}
	return msg
}

// sourceLine returns line n (1-based) of data, without its newline.
func sourceLine(data []byte, n int) string {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return ""
		}
		data = data[j+1:]
	}
	if j := bytes.IndexByte(data, '\n'); j >= 0 {
		data = data[:j]
	}
	return string(data)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// describe names what kind of YAML value n is, for error messages.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return strconv.Quote(v.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value
	}
	return "a " + n.Type().String()
}

// field is one key of a mapping, with its value node.
type field struct {
	key  string
	keyN ast.Node
	val  ast.Node
}

// mapping returns the fields of a mapping node in file order, reporting
// keys not in allowed (listed in the error so the author sees the
// choices). what names the mapping in errors ("host", "step"). isMap is
// false, after an error, when n is not a mapping at all; an empty mapping
// has no fields but is a mapping, and its missing fields are worth
// reporting.
func (d *decoder) mapping(n ast.Node, what string, allowed ...string) (fields []field, isMap bool) {
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		d.errf(n, "%s: expected a mapping (key: value lines), found %s", what, describe(n))
		return nil, false
	}
	var out []field
	for _, mv := range values {
		key, isStr := scalarText(mv.Key)
		if !isStr {
			d.errf(mv.Key, "%s: expected a field name, found %s", what, describe(mv.Key))
			continue
		}
		if len(allowed) > 0 && !contains(allowed, key) {
			d.errf(mv.Key, "%s: unknown field %q (expected one of: %s)", what, key, strings.Join(allowed, ", "))
			continue
		}
		out = append(out, field{key: key, keyN: mv.Key, val: mv.Value})
	}
	return out, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scalarText returns the text of a scalar node.
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return strings.TrimRight(v.Value.Value, "\n"), true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return n.GetToken().Value, true
	}
	return "", false
}

// maxTextBytes bounds any single text field.
const maxTextBytes = 2000

func (d *decoder) text(f field, what string) (string, bool) {
	s, ok := scalarText(f.val)
	if !ok {
		d.errf(f.val, "%s: %s: expected text, found %s", what, f.key, describe(f.val))
		return "", false
	}
	if len(s) > maxTextBytes {
		d.errf(f.val, "%s: %s: text is %d bytes long; the limit is %d", what, f.key, len(s), maxTextBytes)
		return "", false
	}
	return s, true
}

func (d *decoder) nonEmpty(f field, what string) (string, bool) {
	s, ok := d.text(f, what)
	if ok && strings.TrimSpace(s) == "" {
		d.errf(f.val, "%s: %s: expected text, found nothing", what, f.key)
		return "", false
	}
	return s, ok
}

func (d *decoder) integer(f field, what string, lo, hi int) (int, bool) {
	v, ok := f.val.(*ast.IntegerNode)
	if !ok {
		d.errf(f.val, "%s: %s: expected a whole number from %d to %d, found %s", what, f.key, lo, hi, describe(f.val))
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(v.GetToken().Value, "_", ""), 0, 64)
	if err != nil || n < int64(lo) || n > int64(hi) {
		d.errf(f.val, "%s: %s: %s is out of range (expected %d to %d)", what, f.key, v.GetToken().Value, lo, hi)
		return 0, false
	}
	return int(n), true
}

func (d *decoder) boolean(f field, what string) (bool, bool) {
	v, ok := f.val.(*ast.BoolNode)
	if !ok {
		d.errf(f.val, "%s: %s: expected true or false, found %s", what, f.key, describe(f.val))
		return false, false
	}
	return v.Value, true
}

func (d *decoder) list(f field, what string) ([]ast.Node, bool) {
	switch v := f.val.(type) {
	case *ast.SequenceNode:
		return v.Values, true
	case nil, *ast.NullNode:
		return nil, true
	}
	d.errf(f.val, "%s: %s: expected a list, found %s", what, f.key, describe(f.val))
	return nil, false
}

// textList accepts a list of texts, or a single text as a list of one.
func (d *decoder) textList(f field, what string) ([]string, bool) {
	if s, ok := scalarText(f.val); ok {
		return []string{s}, true
	}
	items, ok := d.list(f, what)
	if !ok {
		return nil, false
	}
	var out []string
	for _, it := range items {
		s, ok := scalarText(it)
		if !ok {
			d.errf(it, "%s: %s: expected text, found %s", what, f.key, describe(it))
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

var durationUnits = []struct {
	suffix string
	unit   sim.Time
}{{"us", sim.Microsecond}, {"µs", sim.Microsecond}, {"ms", sim.Millisecond}, {"s", sim.Second}, {"m", 60 * sim.Second}, {"h", 3600 * sim.Second}}

// duration parses "5ms", "1.5s", "2m".
func (d *decoder) duration(f field, what string, lo, hi sim.Time) (sim.Time, bool) {
	s, ok := scalarText(f.val)
	if !ok {
		d.errf(f.val, "%s: %s: expected a duration such as 10ms or 61s, found %s", what, f.key, describe(f.val))
		return 0, false
	}
	t, err := parseDuration(s)
	if err != nil {
		d.errf(f.val, "%s: %s: %v", what, f.key, err)
		return 0, false
	}
	if t < lo || t > hi {
		d.errf(f.val, "%s: %s: %s is out of range (expected %s to %s)", what, f.key, s, humanDuration(lo), humanDuration(hi))
		return 0, false
	}
	return t, true
}

func parseDuration(s string) (sim.Time, error) {
	s = strings.TrimSpace(s)
	// Longest suffixes first, so "ms" is not read as "m" + "s".
	units := append([]struct {
		suffix string
		unit   sim.Time
	}(nil), durationUnits...)
	sort.SliceStable(units, func(i, j int) bool { return len(units[i].suffix) > len(units[j].suffix) })
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num := strings.TrimSuffix(s, u.suffix)
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || num == "" || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || v > 1e7 {
				break
			}
			return sim.Time(math.Round(v * float64(u.unit))), nil
		}
	}
	return 0, fmt.Errorf("%q is not a duration (expected a number and a unit: us, ms, s, m or h, such as 10ms or 61s)", s)
}
