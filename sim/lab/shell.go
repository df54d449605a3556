package lab

import "strings"

// This file reads a command line the way bash would, for the part of its
// grammar the lab's terminal takes: words, quotes, backslashes, comments,
// a pipe from echo or printf into one command, and & at the end. Other
// operators get a sentence saying what the lab's shell does not do,
// rather than a wrong guess at what the learner meant.

// pipeline is one parsed command line.
type pipeline struct {
	cmds       [][]string // each command's words, after quote removal
	background bool       // the line ended with &
}

// shellError is a line the shell refuses, with the message it prints.
type shellError struct{ msg string }

func (e *shellError) Error() string { return e.msg }

// parseLine splits a command line into a pipeline. An empty line (or only
// a comment) gives a pipeline with no commands.
func parseLine(line string) (pipeline, error) {
	var p pipeline
	var words []string
	var word strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	endCmd := func(op string) error {
		endWord()
		if len(words) == 0 {
			return &shellError{"bash: syntax error near unexpected token `" + op + "'"}
		}
		p.cmds = append(p.cmds, words)
		words = nil
		return nil
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			endWord()
		case c == '\\':
			if i+1 < len(line) {
				i++
				word.WriteByte(line[i])
			}
			inWord = true
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return p, &shellError{"bash: unexpected EOF while looking for matching `''"}
			}
			word.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`", line[i+1]) >= 0 {
					i++
				}
				word.WriteByte(line[i])
			}
			if i >= len(line) {
				return p, &shellError{"bash: unexpected EOF while looking for matching `\"'"}
			}
			inWord = true
		case c == '#' && !inWord:
			i = len(line)
		case c == '|':
			if i+1 < len(line) && line[i+1] == '|' {
				return p, unsupported("||")
			}
			if err := endCmd("|"); err != nil {
				return p, err
			}
		case c == '&':
			if i+1 < len(line) && line[i+1] == '&' {
				return p, unsupported("&&")
			}
			if rest := strings.TrimSpace(line[i+1:]); rest != "" && !strings.HasPrefix(rest, "#") {
				return p, unsupported("& followed by another command")
			}
			if err := endCmd("&"); err != nil {
				return p, err
			}
			p.background = true
			i = len(line)
		case c == ';':
			return p, unsupported(";")
		case c == '>' || c == '<':
			return p, unsupported(string(c))
		case c == '`' || (c == '$' && i+1 < len(line) && line[i+1] == '('):
			return p, unsupported("$(...)")
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	endWord()
	if len(words) > 0 {
		p.cmds = append(p.cmds, words)
	} else if len(p.cmds) > 0 && !p.background {
		// "echo hi |" waits for more in bash; the lab takes one line.
		return p, &shellError{"bash: syntax error: unexpected end of file"}
	}
	return p, nil
}

// unsupported is the lab's answer to shell syntax it does not simulate.
func unsupported(op string) error {
	switch op {
	case ">", "<":
		return &shellError{"lab: redirections (" + op + ") are not simulated: the hosts have no files to write. curl -o FILE and curl -s -o /dev/null work."}
	case "$(...)":
		return &shellError{"lab: command substitution is not simulated; type the command on its own line."}
	}
	return &shellError{"lab: the lab's shell runs one command per line (" + op + " is not simulated); type the commands one after the other."}
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
