package catalogues_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"portville/sim"
	"portville/sim/lab"
	"portville/sim/lang"
	"portville/sim/lang/catalogues"
	"portville/sim/lessons"
	"portville/sim/scenario"
	"portville/sim/timeline"
)

// same reports whether a translation has exactly the placeholders of its
// English. {host_s}, English's possessive, counts as {host}: other
// languages say "of web" with the host's name.
func same(en, tr string) bool {
	norm := func(s string) []string {
		p := lang.Placeholders(s)
		for i, n := range p {
			if n == "host_s" {
				p[i] = "host"
			}
		}
		slices.Sort(p)
		return p
	}
	return slices.Equal(norm(en), norm(tr))
}

func each(t *testing.T, f func(t *testing.T, c *lang.Catalogue)) {
	for _, code := range catalogues.Codes[1:] {
		c := catalogues.Get(code)
		if c == nil {
			t.Fatalf("no catalogue for %s", code)
		}
		t.Run(code, func(t *testing.T) { f(t, c) })
	}
}

// TestNarration: every narration sentence, both kinds, in every
// language, with the English's placeholders; no sentence the English no
// longer has.
func TestNarration(t *testing.T) {
	each(t, func(t *testing.T, c *lang.Catalogue) {
		n := c.Narration()
		for key, en := range sim.Catalogue {
			tr, ok := n[key]
			if !ok || tr.Text == "" || tr.Analogy == "" {
				t.Errorf("%s.json: narration %q is missing or has an empty sentence", c.Code, key)
				continue
			}
			if !same(en.Text, tr.Text) {
				t.Errorf("%s.json: narration %q text has placeholders %v, the English %v", c.Code, key, lang.Placeholders(tr.Text), lang.Placeholders(en.Text))
			}
			if !same(en.Analogy, tr.Analogy) {
				t.Errorf("%s.json: narration %q analogy has placeholders %v, the English %v", c.Code, key, lang.Placeholders(tr.Analogy), lang.Placeholders(en.Analogy))
			}
			if strings.Contains(tr.Text+tr.Analogy, "{host_s}") {
				t.Errorf("%s.json: narration %q uses {host_s}, the English possessive; write {host}", c.Code, key)
			}
		}
		for key := range n {
			if _, ok := sim.Catalogue[key]; !ok {
				t.Errorf("%s.json: narration %q is not in sim.Catalogue", c.Code, key)
			}
		}
	})
}

// TestWordsErrnosValues: the words sentences are built from, every
// errno's text, and every value a lesson's answer quotes.
func TestWordsErrnosValues(t *testing.T) {
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, l := range all {
		values = append(values, l.Scenario.QuotedValues()...)
	}
	if len(values) == 0 {
		t.Fatal("no lesson quotes a value: QuotedValues is broken")
	}
	each(t, func(t *testing.T, c *lang.Catalogue) {
		for k, en := range sim.WordKeys {
			tr, ok := c.Words()[k]
			if !ok || tr == "" {
				t.Errorf("%s.json: word %q is missing", c.Code, k)
			} else if !same(en, tr) {
				t.Errorf("%s.json: word %q has placeholders %v, the English %v", c.Code, k, lang.Placeholders(tr), lang.Placeholders(en))
			}
		}
		for k := range c.Words() {
			if _, ok := sim.WordKeys[k]; !ok {
				t.Errorf("%s.json: word %q is not in sim.WordKeys", c.Code, k)
			}
		}
		for e := range sim.ErrnoTexts() {
			if c.Errnos()[string(e)] == "" {
				t.Errorf("%s.json: errno %s has no text", c.Code, e)
			}
		}
		for _, v := range values {
			if c.Values()[v] == "" {
				t.Errorf("%s.json: the value %q, which an answer quotes, is missing", c.Code, v)
			}
		}
	})
}

// TestLessons: every sentence of every lesson, under its lesson's ID,
// and of the lab's own town, under "lab", with the English's
// placeholders; nothing a lesson no longer says.
func TestLessons(t *testing.T) {
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, &lessons.Lesson{ID: "lab", Scenario: lab.DefaultTown()})
	each(t, func(t *testing.T, c *lang.Catalogue) {
		ids := map[string]bool{}
		for _, l := range all {
			ids[l.ID] = true
			tr := c.Lessons[l.ID]
			texts := l.Scenario.Texts()
			for _, en := range texts {
				s, ok := tr[en]
				if !ok || s == "" {
					t.Errorf("%s.json: lesson %s has no translation of %q", c.Code, l.ID, en)
					continue
				}
				if !same(en, s) {
					t.Errorf("%s.json: lesson %s: %q has placeholders %v, its English %v", c.Code, l.ID, s, lang.Placeholders(s), lang.Placeholders(en))
				}
			}
			for en := range tr {
				if !slices.Contains(texts, en) {
					t.Errorf("%s.json: lesson %s no longer says %q; remove it", c.Code, l.ID, en)
				}
			}
		}
		for id := range c.Lessons {
			if !ids[id] {
				t.Errorf("%s.json: there is no lesson %q", c.Code, id)
			}
		}
	})
}

// TestLookup: codes as people type them.
func TestLookup(t *testing.T) {
	for _, in := range []string{"de", "DE", "de-AT", "de_DE.UTF-8"} {
		c, err := catalogues.Lookup(in)
		if err != nil || c.Code != "de" {
			t.Errorf("Lookup(%q) = %v, %v; want German", in, c, err)
		}
	}
	if c, err := catalogues.Lookup("en"); err != nil || c != lang.English {
		t.Errorf("Lookup(en) = %v, %v", c, err)
	}
	for _, in := range []string{"", "xx", "deutsch", "-de"} {
		if _, err := catalogues.Lookup(in); err == nil || !strings.Contains(err.Error(), "languages: en, ") {
			t.Errorf("Lookup(%q): err %v, want one that lists the languages", in, err)
		}
	}
}

// TestJobs: a thread's job reads in every language, in the events and in
// a snapshot: the scenario's own jobs from the lesson's texts, the job
// of a per-connection server's thread from the word job_serve.
func TestJobs(t *testing.T) {
	l, err := lessons.Get("sockets")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := timeline.Build(l.ID, l.Scenario, scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var start *sim.Event
	for seq := uint64(1); seq <= tl.Total() && start == nil; seq++ {
		var e sim.Event
		if err := json.Unmarshal(tl.Event(seq), &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind == sim.KindThreadStart && strings.HasPrefix(e.Job, "serve ") {
			start = &e
		}
	}
	if start == nil {
		t.Fatal("the sockets lesson starts no server thread")
	}
	snap, err := timeline.SnapshotAt(l.Scenario, scenario.Options{}, start.Seq)
	if err != nil {
		t.Fatal(err)
	}
	jobs := func(s sim.Snapshot) (out []string) {
		for _, h := range s.Hosts {
			for _, p := range h.Processes {
				for _, th := range p.Threads {
					out = append(out, th.Job)
				}
			}
		}
		return out
	}
	en := jobs(snap)
	if !slices.Contains(en, start.Job) {
		t.Fatalf("the snapshot at %d has jobs %q, not %q", start.Seq, en, start.Job)
	}
	remote := strings.TrimPrefix(start.Job, "serve ")
	each(t, func(t *testing.T, c *lang.Catalogue) {
		l := c.Sim()
		want := strings.ReplaceAll(c.Words()["job_serve"], "{remote}", remote)
		if got := l.Job(start.Job); got != want || got == start.Job {
			t.Errorf("Job(%q) = %q, want %q", start.Job, got, want)
		}
		if got := l.Job("check spelling"); got == "check spelling" {
			t.Errorf("a lesson's job is not translated: %q", got)
		}
		if got := l.Job("no such job"); got != "no such job" {
			t.Errorf("an unknown job becomes %q", got)
		}
		tr := jobs(snap.In(l))
		if !slices.Contains(tr, want) || slices.Contains(tr, start.Job) {
			t.Errorf("translated snapshot jobs %q, want %q among them", tr, want)
		}
		if got := jobs(snap); !slices.Equal(got, en) {
			t.Errorf("In changed the snapshot it was given: %q", got)
		}
		text, analogy := sim.NarrateIn(start, l)
		if !strings.Contains(text, want) || !strings.Contains(analogy, want) || strings.Contains(text+analogy, "serve ") {
			t.Errorf("thread.start narrated as %q / %q", text, analogy)
		}
	})
}
