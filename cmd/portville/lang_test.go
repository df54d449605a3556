package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portville/sim/lang/catalogues"
)

var updateLang = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// TestRunLangGolden: portville run --lang de tells two lessons in German,
// the same bytes every time (testdata/*.de.txt; go test ./cmd/portville
// -run TestRunLangGolden -update rewrites them).
func TestRunLangGolden(t *testing.T) {
	for _, id := range []string{"sockets", "port-conflict"} {
		t.Run(id, func(t *testing.T) {
			out, stderr, err := runCLI(t, "run", "--lesson", id, "--lang", "de")
			if err != nil || stderr != "" {
				t.Fatalf("err=%v stderr=%q", err, stderr)
			}
			path := filepath.Join("testdata", id+".de.txt")
			if *updateLang {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out != string(want) {
				t.Errorf("run --lesson %s --lang de differs from %s (run with -update if the change is intended)", id, path)
			}
			en, _, err := runCLI(t, "run", "--lesson", id)
			if err != nil {
				t.Fatal(err)
			}
			// Same events, same lines: only the words differ.
			if a, b := strings.Count(en, "\n"), strings.Count(out, "\n"); a != b {
				t.Errorf("English has %d lines, German %d", a, b)
			}
			for _, w := range []string{"Wohnung", "Haushalt", "Betriebssystem"} {
				if !strings.Contains(out, w) {
					t.Errorf("the German transcript never says %q", w)
				}
			}
			for _, w := range []string{" apartment ", " household ", " the OS "} {
				if strings.Contains(out, w) {
					t.Errorf("the German transcript still says %q", w)
				}
			}
		})
	}
}

// TestRunLangJSONL: the event stream in another language differs from
// the English only in text, analogy and a lesson's own words.
func TestRunLangJSONL(t *testing.T) {
	en, _, err := runCLI(t, "run", "--lesson", "ephemeral-ports", "--format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	de, _, err := runCLI(t, "run", "--lesson", "ephemeral-ports", "--format", "jsonl", "--lang", "de")
	if err != nil {
		t.Fatal(err)
	}
	el, dl := strings.Split(en, "\n"), strings.Split(de, "\n")
	if len(el) != len(dl) {
		t.Fatalf("%d English events, %d German", len(el), len(dl))
	}
	changed := 0
	for i := range el {
		a, b := stripWords(t, el[i]), stripWords(t, dl[i])
		if a != b {
			t.Fatalf("event %d differs beyond its words:\n%s\n%s", i+1, el[i], dl[i])
		}
		if el[i] != dl[i] {
			changed++
		}
	}
	if changed < len(el)/2 {
		t.Errorf("only %d of %d events changed their words", changed, len(el))
	}
}

func stripWords(t *testing.T, line string) string {
	if line == "" {
		return ""
	}
	var m map[string]any
	if err := jsonUnmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"text", "analogy", "question", "choices", "breaks", "job"} {
		delete(m, k)
	}
	b, _ := jsonMarshal(m)
	return string(b)
}

func TestRunLangRefusesUnknown(t *testing.T) {
	_, _, err := runCLI(t, "run", "--lesson", "sockets", "--lang", "xx")
	if !isUsage(err) || !strings.Contains(err.Error(), `"xx"`) || !strings.Contains(err.Error(), strings.Join(catalogues.Codes, ", ")) {
		t.Errorf("--lang xx: err = %v, want a usage error naming xx and the languages", err)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
func jsonMarshal(v any) ([]byte, error)   { return json.Marshal(v) }
