package lessons

import (
	"strings"
	"testing"
)

func TestLead(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 60)
	tests := []struct {
		name, in, want string
	}{
		{"first sentence", "A socket is software. It has a number.", "A socket is software."},
		{"one sentence", "Ports pick the program.", "Ports pick the program."},
		{"no sentence end within 200", long, strings.TrimSpace(long[:199]) + "…"},
	}
	for _, tc := range tests {
		if got := lead(tc.in); got != tc.want {
			t.Errorf("%s: lead = %q, want %q", tc.name, got, tc.want)
		}
	}
}
