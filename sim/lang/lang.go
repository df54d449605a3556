// Package lang holds Portville's translations: one catalogue per language,
// a data file (sim/lang/catalogues/xx.json) that gives, in that language,
// every sentence a learner reads. English is the source: the narration
// catalogue (sim.Catalogue), the lessons' YAML, and the strings of the
// pages and the view, which are the keys of a catalogue's "ui" table.
//
// A catalogue file is JSON:
//
//	{
//	  "code": "de", "name": "Deutsch",
//	  "narration": {"host.up": {"text": "...", "analogy": "..."}, ...},
//	  "words":  {"the_kernel": "der Kernel", ...},   // sim.WordKeys
//	  "errnos": {"EADDRINUSE": "Die Adresse wird bereits verwendet", ...},
//	  "values": {"same": "gleich", ...},              // checkpoint values
//	  "lessons": {"sockets": {"<English sentence>": "<translation>", ...}},
//	  "ui": {"<English string>": "<translation>", ...}
//	}
//
// Placeholders are {name}: a translation has exactly the placeholders of
// its English (the catalogue tests check it), in whatever order the
// language needs. A missing entry falls back to English.
//
// The package uses the standard library only: the static build's
// WebAssembly module parses the one catalogue its page loaded.
package lang

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"portville/sim"
)

// Catalogue is one language's translation.
type Catalogue struct {
	Code string // "de"
	Name string // "Deutsch": the language's name in itself
	sim  *sim.Language
	ui   map[string]string
	// Lessons are the lesson texts by lesson ID, as the file has them.
	Lessons map[string]map[string]string
	raw     file
}

// English is the source language: every lookup returns its key.
var English = &Catalogue{Code: "en", Name: "English", ui: map[string]string{}, Lessons: map[string]map[string]string{}}

// File is a catalogue file's JSON form.
type file struct {
	Code      string                       `json:"code"`
	Name      string                       `json:"name"`
	Narration map[string]sentence          `json:"narration"`
	Words     map[string]string            `json:"words"`
	Errnos    map[string]string            `json:"errnos"`
	Values    map[string]string            `json:"values"`
	Lessons   map[string]map[string]string `json:"lessons"`
	UI        map[string]string            `json:"ui"`
}

type sentence struct {
	Text    string `json:"text"`
	Analogy string `json:"analogy"`
}

// MaxFileBytes bounds a catalogue file.
const MaxFileBytes = 2 << 20

// Parse reads a catalogue file.
func Parse(data []byte) (*Catalogue, error) {
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("catalogue: %d bytes, more than the %d allowed", len(data), MaxFileBytes)
	}
	var f file
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	if f.Code == "" || f.Name == "" {
		return nil, fmt.Errorf("catalogue: \"code\" and \"name\" are required")
	}
	l := &sim.Language{
		Code:      f.Code,
		Narration: make(map[string]sim.Sentence, len(f.Narration)),
		Words:     f.Words,
		Errnos:    make(map[sim.Errno]string, len(f.Errnos)),
		Texts:     map[string]string{},
		Values:    f.Values,
	}
	for k, s := range f.Narration {
		l.Narration[k] = sim.Sentence{Text: s.Text, Analogy: s.Analogy}
	}
	for k, s := range f.Errnos {
		l.Errnos[sim.Errno(k)] = s
	}
	ids := make([]string, 0, len(f.Lessons))
	for id := range f.Lessons {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for en, t := range f.Lessons[id] {
			if old, ok := l.Texts[en]; ok && old != t {
				return nil, fmt.Errorf("catalogue %s: lesson %s translates %q as %q, another lesson as %q", f.Code, id, en, t, old)
			}
			l.Texts[en] = t
		}
	}
	ui := f.UI
	if ui == nil {
		ui = map[string]string{}
	}
	if f.Lessons == nil {
		f.Lessons = map[string]map[string]string{}
	}
	return &Catalogue{Code: f.Code, Name: f.Name, sim: l, ui: ui, Lessons: f.Lessons, raw: f}, nil
}

// Sim returns the catalogue as the simulator's Language (nil for English).
func (c *Catalogue) Sim() *sim.Language {
	if c == nil {
		return nil
	}
	return c.sim
}

// T returns msg, a string of the pages or the view, in c, with each
// {name} filled from args: name, value pairs. Unknown strings are
// English.
func (c *Catalogue) T(msg string, args ...any) string {
	s := msg
	if c != nil {
		if t, ok := c.ui[msg]; ok && t != "" {
			s = t
		}
	}
	if len(args) == 0 || strings.IndexByte(s, '{') < 0 {
		return s
	}
	for i := 0; i+1 < len(args); i += 2 {
		name, _ := args[i].(string)
		s = strings.ReplaceAll(s, "{"+name+"}", fmt.Sprint(args[i+1]))
	}
	return s
}

// Has reports whether c translates the ui string msg.
func (c *Catalogue) Has(msg string) bool {
	_, ok := c.ui[msg]
	return ok
}

// UI returns the catalogue's ui table (a page embeds it for the view).
// The map is shared: do not change it.
func (c *Catalogue) UI() map[string]string { return c.ui }

// Narration, Words, Errnos and Values return the file's tables, for the
// catalogue tests.
func (c *Catalogue) Narration() map[string]sim.Sentence {
	if c.sim == nil {
		return nil
	}
	return c.sim.Narration
}
func (c *Catalogue) Words() map[string]string  { return c.raw.Words }
func (c *Catalogue) Errnos() map[string]string { return c.raw.Errnos }
func (c *Catalogue) Values() map[string]string { return c.raw.Values }

// Placeholders returns the {name} placeholders of s, sorted, each as
// often as it appears.
func Placeholders(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name := s[i+1 : i+j]
		if name != "" && !strings.ContainsAny(name, " {\"") {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
	sort.Strings(out)
	return out
}
