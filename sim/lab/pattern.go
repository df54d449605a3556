package lab

import "strings"

// This file matches grep's patterns without package regexp, which would
// grow the WebAssembly module by a tenth (sim/names.go): POSIX basic and
// extended expressions without groups or back-references, which is what
// a line typed into a pipe uses (LISTEN, ^tcp, :80$, 'nginx|nc', [0-9]+,
// a.*b). A pattern with more gets the lab's word.

// maxPatternBytes bounds a pattern; maxMatchSteps bounds the work of one
// match (a pattern of many stars on a long line backtracks).
const (
	maxPatternBytes = 256
	maxMatchSteps   = 100000
)

// atom is one element of a pattern: a byte, any byte, or a class, with a
// repeat (0, '*', '+', '?').
type atom struct {
	kind   byte // 'c' a byte, '.' any, '[' a class
	c      byte
	set    [256]bool
	repeat byte
}

// branch is one alternative: its atoms and its anchors.
type branch struct {
	atoms      []atom
	start, end bool
}

// pattern is a compiled grep pattern.
type pattern struct {
	branches []branch
	fold     bool
}

// patternError is a pattern grep refuses (its message) or one the lab
// does not model (lab is true).
type patternError struct {
	msg string
	lab bool
}

// compilePattern compiles a grep pattern; extended is -E, fixed is -F.
func compilePattern(p string, extended, fixed, fold bool) (*pattern, *patternError) {
	if len(p) > maxPatternBytes {
		return nil, &patternError{msg: "a pattern of at most " + itoa(maxPatternBytes) + " bytes", lab: true}
	}
	if fold {
		p = strings.ToLower(p)
	}
	out := &pattern{fold: fold}
	if fixed {
		b := branch{}
		for i := 0; i < len(p); i++ {
			b.atoms = append(b.atoms, atom{kind: 'c', c: p[i]})
		}
		out.branches = []branch{b}
		return out, nil
	}
	for _, alt := range splitAlternatives(p, extended) {
		b, err := compileBranch(alt, extended)
		if err != nil {
			return nil, err
		}
		if fold {
			// The line is lower-cased: a class matches a letter in
			// either case ([[:upper:]] under -i).
			for k := range b.atoms {
				set := &b.atoms[k].set
				for c := 'a'; c <= 'z'; c++ {
					u := c - 'a' + 'A'
					set[c] = set[c] || set[u]
				}
			}
		}
		out.branches = append(out.branches, b)
	}
	return out, nil
}

// splitAlternatives cuts a pattern at its top-level | (ERE) or \| (BRE).
func splitAlternatives(p string, extended bool) []string {
	var out []string
	start, inClass := 0, false
	for i := 0; i < len(p); i++ {
		switch {
		case inClass:
			if p[i] == ']' {
				inClass = false
			}
		case p[i] == '[':
			inClass = true
			if i+1 < len(p) && p[i+1] == '^' {
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				i++
			}
		case p[i] == '\\' && i+1 < len(p):
			if !extended && p[i+1] == '|' {
				out = append(out, p[start:i])
				start = i + 2
			}
			i++
		case extended && p[i] == '|':
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

// compileBranch compiles one alternative.
func compileBranch(p string, extended bool) (branch, *patternError) {
	var b branch
	if strings.HasPrefix(p, "^") {
		b.start, p = true, p[1:]
	}
	if strings.HasSuffix(p, "$") && !strings.HasSuffix(p, `\$`) {
		b.end, p = true, p[:len(p)-1]
	}
	isRepeat := func(i int) (byte, int) {
		if i >= len(p) {
			return 0, 0
		}
		switch {
		case p[i] == '*':
			return '*', 1
		case extended && (p[i] == '+' || p[i] == '?'):
			return p[i], 1
		case !extended && p[i] == '\\' && i+1 < len(p) && (p[i+1] == '+' || p[i+1] == '?'):
			return p[i+1], 2
		}
		return 0, 0
	}
	for i := 0; i < len(p); {
		var a atom
		c := p[i]
		switch {
		case c == '.':
			a.kind = '.'
			i++
		case c == '[':
			j, err := parseClass(p, i, &a)
			if err != nil {
				return b, err
			}
			a.kind = '['
			i = j
		case c == '\\':
			if i+1 >= len(p) {
				return b, &patternError{msg: "Trailing backslash"}
			}
			n := p[i+1]
			if !extended && strings.IndexByte("(){}", n) >= 0 || n >= '1' && n <= '9' || strings.IndexByte("wWsSbB<>", n) >= 0 {
				return b, &patternError{msg: "groups, back-references, intervals and \\w-style classes", lab: true}
			}
			a.kind, a.c = 'c', n
			i += 2
		case extended && strings.IndexByte("(){}", c) >= 0:
			return b, &patternError{msg: "groups and intervals", lab: true}
		case extended && (c == '*' || c == '+' || c == '?') && len(b.atoms) == 0:
			a.kind, a.c = 'c', c
			i++
		default:
			a.kind, a.c = 'c', c
			i++
		}
		if r, n := isRepeat(i); r != 0 {
			a.repeat = r
			i += n
			for {
				// a** is a*, as in POSIX.
				if r2, n2 := isRepeat(i); r2 != 0 {
					i += n2
					continue
				}
				break
			}
		}
		b.atoms = append(b.atoms, a)
	}
	return b, nil
}

// parseClass reads a bracket expression at p[i] ('[') into a.set and
// returns the index after it.
func parseClass(p string, i int, a *atom) (int, *patternError) {
	j := i + 1
	negate := false
	if j < len(p) && p[j] == '^' {
		negate, j = true, j+1
	}
	first := true
	for {
		if j >= len(p) {
			return 0, &patternError{msg: "Unmatched [, [^, [:, [., or [="}
		}
		c := p[j]
		if c == ']' && !first {
			j++
			break
		}
		first = false
		if c == '[' && j+1 < len(p) && p[j+1] == ':' {
			end := strings.Index(p[j:], ":]")
			if end < 0 {
				return 0, &patternError{msg: "Unmatched [, [^, [:, [., or [="}
			}
			if !namedClass(p[j+2:j+end], &a.set) {
				return 0, &patternError{msg: "Invalid character class name"}
			}
			j += end + 2
			continue
		}
		if j+2 < len(p) && p[j+1] == '-' && p[j+2] != ']' {
			lo, hi := c, p[j+2]
			if hi < lo {
				return 0, &patternError{msg: "Invalid range end"}
			}
			for x := int(lo); x <= int(hi); x++ {
				a.set[x] = true
			}
			j += 3
			continue
		}
		a.set[c] = true
		j++
	}
	if negate {
		for x := range a.set {
			a.set[x] = !a.set[x]
		}
		a.set['\n'] = false
	}
	return j, nil
}

// namedClass adds a POSIX class ([:digit:]) to set.
func namedClass(name string, set *[256]bool) bool {
	if !strings.Contains(" digit alpha alnum upper lower space blank punct xdigit ", " "+name+" ") {
		return false
	}
	for x := 0; x < 256; x++ {
		c := byte(x)
		d, l, u := c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z'
		in := false
		switch name {
		case "digit":
			in = d
		case "alpha":
			in = l || u
		case "alnum":
			in = d || l || u
		case "upper":
			in = u
		case "lower":
			in = l
		case "space":
			in = c == ' ' || c >= '\t' && c <= '\r'
		case "blank":
			in = c == ' ' || c == '\t'
		case "punct":
			in = c > ' ' && c < 0x7f && !d && !l && !u
		case "xdigit":
			in = d || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		}
		set[x] = set[x] || in
	}
	return true
}

// matches reports whether a line has a match for which ok(start, end)
// holds (any match when ok is nil).
func (pt *pattern) matches(line string, ok func(s, e int) bool) bool {
	if pt.fold {
		line = strings.ToLower(line)
	}
	steps := 0
	for _, b := range pt.branches {
		for s := 0; s <= len(line); s++ {
			if b.start && s > 0 {
				break
			}
			found := false
			b.match(line, s, 0, &steps, func(e int) bool {
				if b.end && e != len(line) {
					return false
				}
				if ok != nil && !ok(s, e) {
					return false
				}
				found = true
				return true
			})
			if found {
				return true
			}
			if steps > maxMatchSteps {
				return false
			}
		}
	}
	return false
}

// match tries atoms[k:] at line[i:], calling done with each end until it
// returns true.
func (b *branch) match(line string, i, k int, steps *int, done func(int) bool) bool {
	*steps++
	if *steps > maxMatchSteps {
		return false
	}
	if k == len(b.atoms) {
		return done(i)
	}
	a := &b.atoms[k]
	one := func(j int) bool {
		if j >= len(line) {
			return false
		}
		switch a.kind {
		case '.':
			return true
		case '[':
			return a.set[line[j]]
		}
		return line[j] == a.c
	}
	switch a.repeat {
	case 0:
		return one(i) && b.match(line, i+1, k+1, steps, done)
	case '?':
		if one(i) && b.match(line, i+1, k+1, steps, done) {
			return true
		}
		return b.match(line, i, k+1, steps, done)
	}
	// * and +: the longest run first, as POSIX's leftmost-longest would
	// find the same lines.
	n := 0
	for one(i + n) {
		n++
	}
	least := 0
	if a.repeat == '+' {
		least = 1
	}
	for m := n; m >= least; m-- {
		if b.match(line, i+m, k+1, steps, done) {
			return true
		}
	}
	return false
}
