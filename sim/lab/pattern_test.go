package lab

import (
	"regexp"
	"testing"
)

// TestPatternAgainstRegexp: the lab's grep patterns select the same lines
// as Go's regexp does for the same expressions (which agrees with POSIX on
// whether a line matches, for expressions without groups).
func TestPatternAgainstRegexp(t *testing.T) {
	lines := []string{
		"", "LISTEN 0      511          0.0.0.0:80        0.0.0.0:*",
		"TIME-WAIT 0      0          10.0.0.10:57728    10.0.0.20:80",
		"    PID TTY          TIME CMD", "      3 ?        00:00:00 nginx", "nc -l 7000", "aaa", "ab", "b", "a+b", "x|y", "[x]", "tcp6 ::1",
	}
	tests := []struct {
		pat, re  string
		extended bool
	}{
		{"LISTEN", "LISTEN", false},
		{"^tcp", "^tcp", false},
		{":80$", ":80$", false},
		{"a.*b", "a.*b", false},
		{"a+b", `a\+b`, false},
		{`a\+b`, "a+b", false},
		{"a+b", "a+b", true},
		{"nginx|nc", "nginx|nc", true},
		{`nginx\|nc`, "nginx|nc", false},
		{"x|y", `x\|y`, false},
		{"[0-9][0-9]*:80", "[0-9][0-9]*:80", false},
		{"[[:digit:]]+", "[[:digit:]]+", true},
		{"[^ ]*:80 ", "[^ ]*:80 ", false},
		{"^$", "^$", false},
		{"a?b", "a?b", true},
		{`\[x\]`, `\[x\]`, false},
		{"]", "]", false},
		{"[]x]", `[\]x]`, false},
		{"^a*$", "^a*$", false},
		{"0.0.0.0", "0.0.0.0", false},
	}
	for _, tt := range tests {
		pt, err := compilePattern(tt.pat, tt.extended, false, false)
		if err != nil {
			t.Errorf("%q: %v", tt.pat, err.msg)
			continue
		}
		re := regexp.MustCompile(tt.re)
		for _, l := range lines {
			if got, want := pt.matches(l, nil), re.MatchString(l); got != want {
				t.Errorf("pattern %q (extended %v) on %q: %v, regexp %q says %v", tt.pat, tt.extended, l, got, tt.re, want)
			}
		}
	}
	for _, bad := range []struct {
		pat     string
		ext, la bool
	}{{"[abc", false, false}, {`a\`, false, false}, {`\(a\)`, false, true}, {"(a)", true, true}, {`a\{2\}`, false, true}} {
		_, err := compilePattern(bad.pat, bad.ext, false, false)
		if err == nil || err.lab != bad.la {
			t.Errorf("%q: %+v, want an error (the lab's: %v)", bad.pat, err, bad.la)
		}
	}
}
