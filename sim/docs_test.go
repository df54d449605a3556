package sim_test

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"portville/sim"
)

// TestEventsDocumented: docs/events.md has a section for every kind, with
// an example that decodes as an event of that kind.
func TestEventsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := regexp.MustCompile("(?s)### `([a-z.]+)`\n.*?```json\n(.*?)\n```").FindAllSubmatch(doc, -1)
	found := map[sim.Kind]bool{}
	for _, m := range sections {
		kind := sim.Kind(m[1])
		var e sim.Event
		if err := json.Unmarshal(m[2], &e); err != nil {
			t.Errorf("docs/events.md, %s: the example does not decode: %v", kind, err)
			continue
		}
		if e.Kind != kind {
			t.Errorf("docs/events.md: the example under %s has kind %s", kind, e.Kind)
		}
		if e.Text == "" || e.Analogy == "" || e.Seq == 0 {
			t.Errorf("docs/events.md, %s: the example lacks seq, text or analogy", kind)
		}
		found[kind] = true
	}
	for _, k := range sim.Kinds {
		if !found[k] {
			t.Errorf("docs/events.md has no example of %s", k)
		}
	}
}
