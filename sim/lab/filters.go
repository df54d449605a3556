package lab

import (
	"fmt"
	"strconv"
	"strings"
)

// This file holds the text filters a pipe feeds (ss -tan | grep LISTEN |
// wc -l): grep, head, tail, wc, sort and cat, with GNU's options, messages
// and exit statuses. The lab's hosts have no files, so each reads its
// input from the pipe, or from the few files the lab does model
// (honest.go, readFile). The code is kept small: it runs in the
// WebAssembly module of the static build too (docs/benchmarks.md).

// isFilter reports whether a command is one that reads a pipe.
// (Tables here are switches and slices, not map literals: a map literal
// compiles to init code in the WebAssembly module.)
func isFilter(name string) bool {
	switch name {
	case "grep", "egrep", "fgrep", "head", "tail", "wc", "sort", "cat":
		return true
	}
	return false
}

// filterSpec is what a filter takes: its single-letter options, those of
// them that take a value, and the modelled ones named for the lab's word.
type filterSpec struct {
	flags, valued, real, usage string
	badStatus                  int
}

// specOf is a filter's spec.
func specOf(name string) filterSpec {
	switch name {
	case "grep":
		return filterSpec{flags: "ivcwxnqsEFGHhaIUye", valued: "e", real: "ABCDdfmbloLZzRrPTu",
			usage: "grep -i, -v, -c, -w, -x, -n, -q, -E, -F and -e work on what a pipe brings", badStatus: 2}
	case "head":
		return filterSpec{flags: "nqv", valued: "n", real: "cz", usage: "head -n N works on what a pipe brings", badStatus: 1}
	case "tail":
		return filterSpec{flags: "nqv", valued: "n", real: "cfFsz", usage: "tail -n N works on what a pipe brings (the lab's hosts have no growing files for -f)", badStatus: 1}
	case "wc":
		return filterSpec{flags: "lwcm", real: "L", usage: "wc -l, -w and -c work on what a pipe brings", badStatus: 1}
	case "sort":
		return filterSpec{flags: "nru", real: "bcCdfghiMkmosStTVz", usage: "sort -n, -r and -u work on what a pipe brings", badStatus: 2}
	}
	return filterSpec{real: "AbeEnstTuv", usage: "cat FILE prints the files the lab has; cat in a pipe copies what it brings", badStatus: 1}
}

// parseFilter reads a filter's options: the flags set (a flag's value
// under its letter), the other words, and whether to go on.
func (r *run) parseFilter(name string, spec filterSpec, args []string) (map[byte]string, []string, bool) {
	set := map[byte]string{}
	var rest []string
	fail := func(msg string, usage bool) (map[byte]string, []string, bool) {
		r.outln(msg)
		if usage {
			r.outln("Try '" + name + " --help' for more information.")
		}
		r.status(spec.badStatus)
		return nil, nil, false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return set, append(rest, args[i+1:]...), true
		case strings.HasPrefix(a, "--"):
			if c := longFlag(a, spec.flags); c != 0 {
				set[c] = "1"
				continue
			}
			if strings.HasPrefix(a, "--color") || strings.HasPrefix(a, "--colour") {
				continue
			}
			return fail(r.notModelled(name, a, spec.usage), false)
		case len(a) > 1 && a[0] == '-':
			if (name == "head" || name == "tail") && strings.Trim(a[1:], "0123456789") == "" {
				set['n'] = a[1:]
				continue
			}
			for k := 1; k < len(a); k++ {
				c := a[k]
				switch {
				case strings.IndexByte(spec.valued, c) >= 0:
					v := a[k+1:]
					if v == "" {
						if i+1 >= len(args) {
							return fail(fmt.Sprintf("%s: option requires an argument -- '%c'", name, c), true)
						}
						i++
						v = args[i]
					}
					if c == 'e' {
						set[c] += "\n" + v
					} else {
						set[c] = v
					}
					k = len(a)
				case strings.IndexByte(spec.flags, c) >= 0:
					set[c] = "1"
				case strings.IndexByte(spec.real, c) >= 0:
					return fail(r.notModelled(name, "-"+string(c), spec.usage), false)
				default:
					return fail(fmt.Sprintf("%s: invalid option -- '%c'", name, c), true)
				}
			}
		default:
			rest = append(rest, a)
		}
	}
	return set, rest, true
}

// longFlags are the long options the filters take, each with its letter
// after a space.
var longFlags = []string{
	"--ignore-case i", "--invert-match v", "--count c", "--word-regexp w", "--line-regexp x",
	"--line-number n", "--quiet q", "--silent q", "--extended-regexp E", "--fixed-strings F",
	"--basic-regexp G", "--lines l", "--words w", "--bytes c", "--chars m", "--numeric-sort n",
	"--reverse r", "--unique u", "--verbose v",
}

// longFlag returns the letter of a long option a filter with flags
// takes, or 0.
func longFlag(a, flags string) byte {
	for _, l := range longFlags {
		if name, c, _ := strings.Cut(l, " "); name == a && strings.IndexByte(flags, c[0]) >= 0 {
			return c[0]
		}
	}
	return 0
}

// filter runs a text filter on its input; stdin is nil when no pipe
// feeds it.
func (r *run) filter(name string, args []string, stdin *string) {
	// GNU's egrep and fgrep are grep -E and grep -F, and speak as grep.
	mode := byte(0)
	switch name {
	case "egrep":
		name, mode = "grep", 'E'
	case "fgrep":
		name, mode = "grep", 'F'
	}
	set, files, ok := r.parseFilter(name, specOf(name), args)
	if !ok {
		return
	}
	var pats []*pattern
	if name == "grep" {
		if mode != 0 {
			set[mode] = "1"
		}
		expr := strings.TrimPrefix(set['e'], "\n")
		if _, given := set['e']; !given {
			if len(files) == 0 {
				r.outln("Usage: grep [OPTION]... PATTERNS [FILE]...", "Try 'grep --help' for more information.")
				r.status(2)
				return
			}
			expr, files = files[0], files[1:]
		}
		for _, q := range strings.Split(expr, "\n") {
			pt, perr := compilePattern(q, set['E'] != "", set['F'] != "", set['i'] != "" || set['y'] != "")
			switch {
			case perr != nil && perr.lab:
				r.outln("lab: grep's " + perr.msg + " are real, but the lab's grep does not model them; plain words, ^, $, ., *, +, ?, [...] and | (with -E) work")
			case perr != nil:
				r.outln("grep: " + perr.msg)
			}
			if perr != nil {
				r.status(2)
				return
			}
			pats = append(pats, pt)
		}
	}
	// head -n -N: all but the last N; tail -n +N: from line N on.
	n, allBut, from := 10, false, false
	if v, given := set['n']; given && (name == "head" || name == "tail") {
		k, err := strconv.Atoi(strings.TrimLeft(v, "+-"))
		if err != nil || k < 0 || strings.Count(v, "+")+strings.Count(v, "-") > 1 {
			r.outln(name + ": invalid number of lines: '" + v + "'")
			r.status(1)
			return
		}
		n = k
		allBut = name == "head" && strings.HasPrefix(v, "-")
		from = name == "tail" && strings.HasPrefix(v, "+")
	}
	var in strings.Builder
	var named []namedText
	for _, f := range files {
		text := ""
		if f == "-" && stdin != nil {
			text = *stdin
		} else {
			var ok bool
			if text, ok = r.readFile(name, f); !ok {
				return
			}
		}
		in.WriteString(text)
		named = append(named, namedText{f, text})
	}
	if len(files) > 0 && (name == "wc" || name == "grep") {
		r.filterFiles(name, set, pats, named)
		return
	}
	if len(files) == 0 {
		if stdin == nil {
			r.outln("lab: " + name + " reads a pipe in the lab (ss -tan | " + name + " ...); typing its input at the terminal is not simulated")
			r.status(2)
			return
		}
		in.WriteString(*stdin)
	}
	text := in.String()
	ls := lines(text)
	switch name {
	case "grep":
		if !r.grep(pats, set, ls) {
			r.status(1)
		}
	case "head":
		if allBut {
			n = max(0, len(ls)-n)
		}
		ls = ls[:min(n, len(ls))]
	case "tail":
		if from {
			ls = ls[min(max(n-1, 0), len(ls)):]
		} else {
			ls = ls[max(0, len(ls)-n):]
		}
	case "wc":
		r.outln(wcLine(text, set))
		return
	case "sort":
		sortLines(ls, set['n'] != "")
		if set['r'] != "" {
			for i, j := 0, len(ls)-1; i < j; i, j = i+1, j-1 {
				ls[i], ls[j] = ls[j], ls[i]
			}
		}
		if set['u'] != "" {
			out := ls[:0]
			for i, l := range ls {
				if i == 0 || l != ls[i-1] {
					out = append(out, l)
				}
			}
			ls = out
		}
	case "cat":
		r.out(text)
		return
	}
	if name != "grep" {
		for _, l := range ls {
			r.out(l + "\n")
		}
	}
}

// namedText is a file a filter read, with its name.
type namedText struct{ name, text string }

// filterFiles runs wc or grep on files named on the line: wc's counts
// with each file's name and a total, grep's lines after "FILE:" when it
// reads more than one (-h: never, -H: always).
func (r *run) filterFiles(name string, set map[byte]string, pats []*pattern, files []namedText) {
	if name == "wc" {
		total := ""
		for _, f := range files {
			r.outln(wcLine(f.text, set) + " " + f.name)
			total += f.text
		}
		if len(files) > 1 {
			r.outln(wcLine(total, set) + " total")
		}
		return
	}
	prefix := len(files) > 1 && set['h'] == "" || set['H'] != ""
	any := false
	for _, f := range files {
		var b strings.Builder
		prev := r.capture
		r.capture = &b
		hit := r.grep(pats, set, lines(f.text))
		r.capture = prev
		any = any || hit
		for _, l := range lines(b.String()) {
			if prefix {
				l = f.name + ":" + l
			}
			r.outln(l)
		}
	}
	if !any {
		r.status(1)
	}
}

// lines splits text into lines without their line breaks.
func lines(text string) []string {
	if text == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n")
}

// grep prints the selected lines (or their count) and reports whether
// there was one.
func (r *run) grep(pats []*pattern, set map[byte]string, ls []string) bool {
	isWord := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	count := 0
	for i, l := range ls {
		ok := func(s, e int) bool {
			switch {
			case set['x'] != "":
				return s == 0 && e == len(l)
			case set['w'] != "":
				return e > s && (s == 0 || !isWord(l[s-1])) && (e == len(l) || !isWord(l[e]))
			}
			return true
		}
		hit := false
		for _, pt := range pats {
			hit = hit || pt.matches(l, ok)
		}
		if hit == (set['v'] != "") {
			continue
		}
		count++
		if set['q'] != "" || set['c'] != "" {
			continue
		}
		if set['n'] != "" {
			r.out(strconv.Itoa(i+1) + ":")
		}
		r.out(l + "\n")
	}
	if set['c'] != "" && set['q'] == "" {
		r.outln(strconv.Itoa(count))
	}
	return count > 0
}

// wcLine is GNU wc's line for its standard input: one number alone, or
// each in a column of 7, in the order lines, words, chars, bytes.
func wcLine(text string, set map[byte]string) string {
	if len(set) == 0 {
		set = map[byte]string{'l': "1", 'w': "1", 'c': "1"}
	}
	counts := []int{strings.Count(text, "\n"), len(strings.Fields(text)), len([]rune(text)), len(text)}
	var cols []string
	for i, c := range []byte("lwmc") {
		if set[c] != "" {
			cols = append(cols, strconv.Itoa(counts[i]))
		}
	}
	if len(cols) == 1 {
		return cols[0]
	}
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Repeat(" ", max(0, 7-len(c))) + c)
	}
	return b.String()
}

// sortLines sorts lines in place as sort does in the C locale (-n: by
// the number each starts with), stably.
func sortLines(ls []string, numeric bool) {
	// key is the number a line starts with, as sort -n reads it: blanks,
	// a sign, digits and a decimal point; 0 when there is none.
	key := func(s string) float64 {
		s = strings.TrimLeft(s, " \t")
		end := 0
		if end < len(s) && s[end] == '-' {
			end++
		}
		for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' && !strings.Contains(s[:end], ".")) {
			end++
		}
		v, _ := strconv.ParseFloat(strings.TrimSuffix(s[:end], "."), 64)
		return v
	}
	less := func(a, b string) bool {
		if numeric && key(a) != key(b) {
			return key(a) < key(b)
		}
		return a < b
	}
	// A merge sort: stable, n log n, and no sort package in the module.
	tmp := make([]string, len(ls))
	for width := 1; width < len(ls); width *= 2 {
		for lo := 0; lo < len(ls); lo += 2 * width {
			mid, hi := min(lo+width, len(ls)), min(lo+2*width, len(ls))
			i, j, k := lo, mid, lo
			for ; i < mid && j < hi; k++ {
				if less(ls[j], ls[i]) {
					tmp[k], j = ls[j], j+1
				} else {
					tmp[k], i = ls[i], i+1
				}
			}
			k += copy(tmp[k:], ls[i:mid])
			copy(tmp[k:], ls[j:hi])
		}
		copy(ls, tmp)
	}
}
