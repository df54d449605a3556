package web

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"portville/sim/lang"
	"portville/sim/lang/catalogues"
)

// uiStrings returns every string the pages, the view and the server's
// messages look up in a catalogue's ui table: t("...") in static/js,
// .T("...") in web's templates and Go files and in cmd/portville, the
// formats of userErrorf, and the error table's titles and messages.
func uiStrings(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	add := func(s string) { seen[s] = true }
	jsCall := regexp.MustCompile(`(?:^|[^\w.$])t\(\s*"((?:[^"\\]|\\.)*)"`)
	files, _ := filepath.Glob("../static/js/*.js")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range jsCall.FindAllSubmatch(data, -1) {
			add(unquote(t, f, string(m[1])))
		}
	}
	var goFiles []string
	for _, pat := range []string{"*.templ", "*.go", "../cmd/portville/*.go"} {
		fs, _ := filepath.Glob(pat)
		for _, f := range fs {
			if !strings.HasSuffix(f, "_test.go") && !strings.HasSuffix(f, "_templ.go") {
				goFiles = append(goFiles, f)
			}
		}
	}
	tCall := regexp.MustCompile(`\.T\(\s*("(?:[^"\\]|\\.)*"(?:\s*\+\s*"(?:[^"\\]|\\.)*")*)`)
	errCall := regexp.MustCompile(`userErrorf\(\s*[\w.]+,\s*("(?:[^"\\]|\\.)*"(?:\s*\+\s*"(?:[^"\\]|\\.)*")*)`)
	part := regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	for _, f := range goFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{tCall, errCall} {
			for _, m := range re.FindAllSubmatch(data, -1) {
				var b strings.Builder
				for _, p := range part.FindAll(m[1], -1) {
					s, err := strconv.Unquote(string(p))
					if err != nil {
						t.Fatalf("%s: %s: %v", f, p, err)
					}
					b.WriteString(s)
				}
				add(b.String())
			}
		}
	}
	// The static build's pages (web/staticbuild) are html/template:
	// {{.L.T "..."}}, {{.Head.L.T "..."}}.
	tmplCall := regexp.MustCompile(`\.L\.T\s+"((?:[^"\\]|\\.)*)"`)
	static, err := os.ReadFile("staticbuild/pages.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range tmplCall.FindAllSubmatch(static, -1) {
		add(unquote(t, "staticbuild/pages.go", string(m[1])))
		n++
	}
	if n < 10 {
		t.Fatalf("found only %d strings in staticbuild/pages.go: the extraction is broken", n)
	}
	for _, row := range errorTable {
		add(row.info.title)
		add(row.info.message)
	}
	add(internalError.title)
	add(internalError.message)
	add("Bad request")
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func unquote(t *testing.T, file, s string) string {
	u, err := strconv.Unquote(`"` + s + `"`)
	if err != nil {
		t.Fatalf("%s: the string %q: %v", file, s, err)
	}
	return u
}

var verb = regexp.MustCompile(`%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)

// TestCatalogueUI checks every language's ui table: a translation of
// every string the pages and the server say, nothing it does not say,
// and the same {name} placeholders and printf verbs (in the same order)
// as the English. PORTVILLE_WRITE_UI=FILE writes the strings, for a
// translator.
func TestCatalogueUI(t *testing.T) {
	keys := uiStrings(t)
	if len(keys) < 200 {
		t.Fatalf("found only %d ui strings: the extraction is broken", len(keys))
	}
	if out := os.Getenv("PORTVILLE_WRITE_UI"); out != "" {
		b, _ := json.MarshalIndent(keys, "", " ")
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, code := range catalogues.Codes[1:] {
		c := catalogues.Get(code)
		ui := c.UI()
		for _, k := range keys {
			tr, ok := ui[k]
			if !ok || tr == "" {
				t.Errorf("%s.json: no translation of the ui string %q", code, k)
				continue
			}
			if !slices.Equal(lang.Placeholders(k), lang.Placeholders(tr)) {
				t.Errorf("%s.json: %q has placeholders %v, its English %q has %v", code, tr, lang.Placeholders(tr), k, lang.Placeholders(k))
			}
			if !slices.Equal(verb.FindAllString(k, -1), verb.FindAllString(tr, -1)) {
				t.Errorf("%s.json: %q has the verbs %v, its English %q has %v", code, tr, verb.FindAllString(tr, -1), k, verb.FindAllString(k, -1))
			}
		}
		for k := range ui {
			if !slices.Contains(keys, k) {
				t.Errorf("%s.json: the ui string %q is no longer used; remove it", code, k)
			}
		}
	}
}
