// Package lessons holds Portville's built-in lessons: scenario files
// embedded in the binary, one per idea of the topic.
package lessons

import (
	"embed"
	"fmt"
	"strings"
	"sync"

	"portville/sim/scenario"
)

//go:embed *.yaml
var files embed.FS

// IDs lists the built-in lessons in teaching order (DESIGN.md, "Built-in
// lesson IDs").
var IDs = []string{
	"programs-processes-threads", "sockets", "addressing", "well-known-ports",
	"ephemeral-ports", "many-clients-one-port", "server-ephemeral-ports",
	"port-conflict", "port-exhaustion", "same-host", "os-differences",
	"worker-processes", "dev-servers", "a-web-page", "home-router",
}

// Lesson is a built-in lesson.
type Lesson struct {
	ID       string
	Scenario *scenario.Scenario
	Source   []byte // the YAML file, for "view source" and downloads
}

// Title returns the lesson's title.
func (l *Lesson) Title() string { return l.Scenario.Title }

// Lead returns the first sentence of the lesson's summary (at most about
// 200 characters, cut at a word), for a short card in a list.
func (l *Lesson) Lead() string { return lead(l.Scenario.Summary) }

// Lead returns the first sentence of a summary, as a lesson's card shows
// it (in any language that ends its sentences with ". ").
func Lead(summary string) string { return lead(summary) }

func lead(summary string) string {
	const most = 200
	s := strings.TrimSpace(summary)
	if i := strings.Index(s, ". "); i >= 0 && i < most {
		return s[:i+1]
	}
	if len(s) <= most {
		return s
	}
	cut := strings.LastIndexByte(s[:most], ' ')
	if cut < most/2 {
		cut = most
	}
	return s[:cut] + "…"
}

var load = sync.OnceValues(func() ([]*Lesson, error) {
	var out []*Lesson
	for _, id := range IDs {
		name := id + ".yaml"
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", id, err)
		}
		sc, err := scenario.Parse("lessons/"+name, data)
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", id, err)
		}
		if sc.ID != id {
			return nil, fmt.Errorf("lesson %s: the file says id %q", id, sc.ID)
		}
		out = append(out, &Lesson{ID: id, Scenario: sc, Source: data})
	}
	return out, nil
})

// All returns every lesson in teaching order.
func All() ([]*Lesson, error) { return load() }

// UnknownError reports a lesson ID that does not exist.
type UnknownError struct{ ID string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown lesson %q (the lessons are: %s)", e.ID, strings.Join(IDs, ", "))
}

// Get returns the lesson with the ID.
func Get(id string) (*Lesson, error) {
	all, err := load()
	if err != nil {
		return nil, err
	}
	for _, l := range all {
		if l.ID == id {
			return l, nil
		}
	}
	return nil, &UnknownError{ID: id}
}
