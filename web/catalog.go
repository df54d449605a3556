package web

import (
	"fmt"

	"portville/sim/lessons"
)

// Catalog is where the server finds its lessons. BuiltinLessons is the
// real one; tests use a fake with scenarios of their own.
type Catalog interface {
	// Lessons returns every lesson in teaching order.
	Lessons() ([]*lessons.Lesson, error)
}

// BuiltinLessons is the catalog of the lessons embedded in the binary.
type BuiltinLessons struct{}

// Lessons returns lessons.All().
func (BuiltinLessons) Lessons() ([]*lessons.Lesson, error) { return lessons.All() }

// lesson returns the lesson with the ID, or an error wrapping
// errUnknownLesson.
func (s *Server) lesson(id string) (*lessons.Lesson, error) {
	all, err := s.catalog.Lessons()
	if err != nil {
		return nil, fmt.Errorf("load lessons: %w", err)
	}
	for _, l := range all {
		if l.ID == id {
			return l, nil
		}
	}
	return nil, fmt.Errorf("lesson %q: %w", id, errUnknownLesson)
}
