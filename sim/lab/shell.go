package lab

import "strings"

// This file reads a command line the way bash would, for the part of its
// grammar the lab's terminal takes: words, quotes, backslashes, comments,
// parameters ($?, $!, $HOME, $USER, ${NAME}), ~, pipes, lists with ;,
// && and ||, and & after a command. Other syntax (redirections, command
// substitution, subshells) gets a sentence saying what the lab's shell
// does not do, rather than a wrong guess at what the learner meant.

// maxListCommands bounds the commands of one line: a list of pipelines of
// commands.
const maxListCommands = 16

// part is a piece of a word: literal text, or a parameter to expand when
// the command runs ($? changes as the list goes).
type part struct {
	_      noCompare
	lit    string
	param  string // "?", "!", "HOME", ...; "" for literal text
	quoted bool   // the word has quotes: it stays a word when empty
}

// word is one shell word before expansion.
type word []part

// pipeline is commands joined by |.
type pipeline struct {
	cmds []([]word)
	raw  []string // each command as typed, for bash's job lines
}

// andOr is pipelines joined by && and ||; ops[i] joins pipes[i] and
// pipes[i+1].
type andOr struct {
	pipes      []pipeline
	ops        []string
	background bool // ended with &
}

// cmdLine is one parsed command line: and-or lists run one after the
// other (joined by ; or &).
type cmdLine []andOr

// shellError is a line the shell refuses, with the message it prints.
type shellError struct{ msg string }

func (e *shellError) Error() string { return e.msg }

// syntaxError is bash's message for an operator where a command should be.
func syntaxError(tok string) error {
	return &shellError{"bash: syntax error near unexpected token `" + tok + "'"}
}

// parseLine splits a command line into lists, pipelines and words. An
// empty line (or only a comment) gives no lists.
func parseLine(line string) (cmdLine, error) {
	var out cmdLine
	var cur andOr
	var pipe pipeline
	var words []word
	var w word
	var lit strings.Builder
	inWord := false
	count := 0
	// i is where the reading is; seg where the command being read
	// starts, end where the line's text ends (before a comment).
	i, seg, end := 0, 0, len(line)
	flushLit := func() {
		if lit.Len() > 0 {
			w = append(w, part{lit: lit.String()})
			lit.Reset()
		}
	}
	endWord := func() {
		if inWord {
			flushLit()
			if len(w) == 0 {
				w = word{{lit: ""}}
			}
			words = append(words, w)
			w = nil
			inWord = false
		}
	}
	endCmd := func(op string) error {
		endWord()
		if len(words) == 0 {
			return syntaxError(op)
		}
		count++
		if count > maxListCommands {
			return &shellError{"lab: a line holds at most " + itoa(maxListCommands) + " commands"}
		}
		pipe.cmds = append(pipe.cmds, words)
		pipe.raw = append(pipe.raw, strings.TrimSpace(line[seg:min(i, end)]))
		words = nil
		return nil
	}
	endPipe := func(op string) error {
		if err := endCmd(op); err != nil {
			return err
		}
		cur.pipes = append(cur.pipes, pipe)
		pipe = pipeline{}
		return nil
	}
	endList := func(op string, background bool) error {
		if err := endPipe(op); err != nil {
			return err
		}
		cur.background = background
		out = append(out, cur)
		cur = andOr{}
		return nil
	}
	// param reads a parameter after $ at line[i] ('$'), returning its
	// name and the index of its last byte; ok is false for a $ that
	// stands for itself.
	param := func(i int) (name string, end int, ok bool, err error) {
		if i+1 >= len(line) {
			return "", i, false, nil
		}
		c := line[i+1]
		switch {
		case c == '?' || c == '!' || c == '$' || c == '#' || c == '0' || c == '-' || c == '@' || c == '*' || (c >= '1' && c <= '9'):
			return string(c), i + 1, true, nil
		case c == '{':
			j := strings.IndexByte(line[i+2:], '}')
			if j < 0 {
				return "", i, false, &shellError{"bash: unexpected EOF while looking for matching `}'"}
			}
			name := line[i+2 : i+2+j]
			if !validParam(name) {
				if name != "" && (name[0] == '#' || strings.ContainsAny(name, ":-=+?%/^,@[")) {
					return "", i, false, &shellError{"lab: parameter expansion (${" + name + "}) is not simulated; $NAME and ${NAME} are, for $HOME, $USER, $HOSTNAME, $? and $!"}
				}
				return "", i, false, &shellError{"bash: ${" + name + "}: bad substitution"}
			}
			return name, i + 2 + j, true, nil
		case c == '(':
			return "", i, false, unsupported("$(...)")
		case isNameByte(c, true):
			j := i + 1
			for j < len(line) && isNameByte(line[j], false) {
				j++
			}
			return line[i+1 : j], j - 1, true, nil
		}
		return "", i, false, nil
	}
	// dollar reads a $ at line[i] into the word: a parameter as a part
	// of its own, a $ that stands for itself as a byte. It returns the
	// index of the last byte read.
	dollar := func(i int) (int, error) {
		name, end, ok, err := param(i)
		if err != nil {
			return i, err
		}
		if !ok {
			lit.WriteByte('$')
			return i, nil
		}
		flushLit()
		w = append(w, part{param: name})
		return end, nil
	}
	for ; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			endWord()
		case c == '\\':
			if i+1 == len(line) {
				return nil, &shellError{"lab: a line that ends with \\ goes on on the next line in bash; the lab's shell takes one line at a time"}
			}
			i++
			lit.WriteByte(line[i])
			inWord = true
		case c == '\'':
			flushLit()
			w = append(w, part{quoted: true})
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, &shellError{"bash: unexpected EOF while looking for matching `''"}
			}
			lit.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			flushLit()
			w = append(w, part{quoted: true})
			inWord = true
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
					lit.WriteByte(line[i])
					continue
				}
				if line[i] == '`' {
					return nil, unsupported("$(...)")
				}
				if line[i] == '$' {
					var err error
					if i, err = dollar(i); err != nil {
						return nil, err
					}
					continue
				}
				lit.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, &shellError{"bash: unexpected EOF while looking for matching `\"'"}
			}
		case c == '$':
			var err error
			if i, err = dollar(i); err != nil {
				return nil, err
			}
			inWord = true
		case c == '~' && !inWord && (i+1 == len(line) || strings.IndexByte(" \t/;&|", line[i+1]) >= 0):
			w = append(w, part{param: "HOME"})
			inWord = true
		case c == '#' && !inWord:
			end = i
			i = len(line)
		case c == '|':
			if i+1 < len(line) && line[i+1] == '|' {
				if err := endPipe("||"); err != nil {
					return nil, err
				}
				cur.ops = append(cur.ops, "||")
				i++
				seg = i + 1
				continue
			}
			if err := endCmd("|"); err != nil {
				return nil, err
			}
			seg = i + 1
		case c == '&':
			if i+1 < len(line) && line[i+1] == '&' {
				if err := endPipe("&&"); err != nil {
					return nil, err
				}
				cur.ops = append(cur.ops, "&&")
				i++
				seg = i + 1
				continue
			}
			if i+1 < len(line) && line[i+1] == '>' {
				return nil, unsupported(">")
			}
			if err := endList("&", true); err != nil {
				return nil, err
			}
			seg = i + 1
		case c == ';':
			if i+1 < len(line) && line[i+1] == ';' {
				return nil, syntaxError(";;")
			}
			if err := endList(";", false); err != nil {
				return nil, err
			}
			seg = i + 1
		case c == '>' || c == '<':
			return nil, unsupported(string(c))
		case c == '`':
			return nil, unsupported("$(...)")
		case (c == '(' || c == ')' || c == '{' || c == '}') && !inWord:
			return nil, unsupported(string(c))
		default:
			lit.WriteByte(c)
			inWord = true
		}
	}
	endWord()
	switch {
	case len(words) > 0:
		if err := endList("", false); err != nil {
			return nil, err
		}
	case len(pipe.cmds) > 0 || len(cur.pipes) > 0:
		// "echo hi |" or "true &&" waits for more in bash; the lab
		// takes one line.
		return nil, &shellError{"bash: syntax error: unexpected end of file"}
	}
	return out, nil
}

// validParam reports whether s is a parameter name ${...} may hold: a
// special parameter or a name.
func validParam(s string) bool {
	return len(s) == 1 && strings.IndexByte("?!$#0-@*123456789", s[0]) >= 0 || isName(s)
}

// isName reports whether s is a shell name: a letter or _, then letters,
// digits and _.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i], i == 0) {
			return false
		}
	}
	return true
}

// isNameByte reports whether c may stand in a shell name (first: at its
// start, where a digit may not).
func isNameByte(c byte, first bool) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}

// unsupported is the lab's answer to shell syntax it does not simulate.
func unsupported(op string) error {
	switch op {
	case ">", "<":
		return &shellError{"lab: redirections (" + op + ") are not simulated: the hosts have no files to write. curl -o FILE, curl -s -o /dev/null and pipes (ss -tan | grep 80) work."}
	case "$(...)":
		return &shellError{"lab: command substitution is not simulated; type the command on its own line."}
	case "(", ")", "{", "}":
		return &shellError{"lab: subshells and groups (" + op + ") are not simulated; type the commands one after the other, or join them with ; && ||."}
	}
	return &shellError{"lab: " + op + " is not simulated by the lab's shell."}
}

// expand turns a command's words into arguments with the terminal's
// parameters. A word without quotes that expands to nothing is no
// argument at all ($x a is "a"), as bash's field splitting makes it; the
// lab's parameters hold no spaces, so splitting does nothing else.
func expand(words []word, lookup func(string) string) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		var b strings.Builder
		quoted := false
		for _, p := range w {
			quoted = quoted || p.quoted
			if p.param != "" {
				b.WriteString(lookup(p.param))
			} else {
				b.WriteString(p.lit)
			}
		}
		if b.Len() == 0 && !quoted {
			continue
		}
		out = append(out, b.String())
	}
	return out
}

// literal returns a command's words as typed, parameters unexpanded
// ($? stays "$?"), for job listings.
func literal(words []word) []string {
	return expand(words, func(name string) string { return "$" + name })
}

// shellQuote returns s as one shell word: bare when it needs no quoting,
// else in single quotes.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_./:=@%+,", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// noCompare, as a struct's first field, makes the struct not comparable,
// so that the compiler generates no equality function for it: each is
// hundreds of bytes of the WebAssembly module, for types nothing
// compares.
type noCompare [0]func()
