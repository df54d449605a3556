package sim_test

import (
	"strings"
	"testing"

	"portville/sim"
)

// A Language that lacks an entry falls back to English, entry by entry:
// a reader never sees a key or an empty sentence.
func TestLanguageFallsBackToEnglish(t *testing.T) {
	e := &sim.Event{Kind: sim.KindPortRelease, Host: "web", Port: 80, Proto: sim.TCP}
	enText, enAnalogy := sim.Narrate(e)
	half := &sim.Language{Code: "xx", Narration: map[string]sim.Sentence{
		"port.release": {Text: "Port {port_desc} auf {host} ist frei."},
	}}
	text, analogy := sim.NarrateIn(e, half)
	if text != "Port 80 (http) auf web ist frei." {
		t.Errorf("text = %q, want the translation filled in", text)
	}
	if analogy != enAnalogy {
		t.Errorf("analogy = %q, want the English %q (the translation has none)", analogy, enAnalogy)
	}
	empty := &sim.Language{Code: "xx"}
	if text, analogy := sim.NarrateIn(e, empty); text != enText || analogy != enAnalogy {
		t.Errorf("an empty language gave %q / %q, want the English", text, analogy)
	}
}

// The words a sentence is built from and a scenario's own words come
// from the language; every other field of the JSON is the same bytes.
func TestAppendJSONInChangesOnlyWords(t *testing.T) {
	e := &sim.Event{Seq: 7, Kind: sim.KindNote, Host: "laptop", Text: "Hello.", Analogy: "Hi.", Breaks: "Here."}
	l := &sim.Language{Code: "xx", Texts: map[string]string{"Hello.": "Hallo.", "Hi.": "Servus.", "Here.": "Hier."}}
	en, xx := string(e.AppendJSON(nil)), string(e.AppendJSONIn(nil, l))
	want := strings.NewReplacer(`"Hello."`, `"Hallo."`, `"Hi."`, `"Servus."`, `"Here."`, `"Hier."`).Replace(en)
	if xx != want {
		t.Errorf("in xx:\n%s\nwant\n%s", xx, want)
	}
	k := &sim.Event{Seq: 8, Kind: sim.KindSocketOpen, Host: "laptop", PID: 0, FD: 3, Proto: sim.TCP}
	kl := &sim.Language{Code: "xx", Words: map[string]string{"kernel_of": "der Kernel von {host}"},
		Narration: map[string]sim.Sentence{"socket.open": {Text: "{who} öffnet {fd}.", Analogy: "x"}}}
	if got, _ := sim.NarrateIn(k, kl); got != "der Kernel von laptop öffnet 3." {
		t.Errorf("kernel's socket: %q", got)
	}
}
