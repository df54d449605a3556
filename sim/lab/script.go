package lab

import (
	"fmt"
	"strings"
)

// A script is a lab's inputs as text, one per line, each as a terminal's
// prompt shows it: "HOST$ COMMAND". portville lab reads scripts, a share
// link carries one, and Script writes one. Blank lines and lines starting
// with # are comments. A line typed while the terminal is attached to a
// program (netcat, ftp) is written the same way; ^C and ^D stand for
// Ctrl-C and Ctrl-D, ^Z for Ctrl-Z. docs/lab.md describes the format.

// MaxScriptBytes bounds a script read by ParseScript: MaxEntries lines
// of MaxLineBytes and their prompts, with room for comments.
const MaxScriptBytes = 2 * MaxEntries * (MaxLineBytes + 40)

// ScriptError is a malformed script line, with its number.
type ScriptError struct {
	Line int
	Msg  string
}

func (e *ScriptError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// ParseScript reads a script's inputs. A line without a prompt is an error
// naming its number; what the lab makes of each input (an unknown
// command, a bad option) is the terminal's business, not the parser's.
func ParseScript(text string) ([]Input, error) {
	in, _, err := ParseScriptLines(text)
	return in, err
}

// ParseScriptLines is ParseScript that also returns the line number of
// each input, for messages about it. With a ScriptError it returns the
// inputs of the lines before the malformed one, so that a transcript can
// show them before the error.
func ParseScriptLines(text string) ([]Input, []int, error) {
	if len(text) > MaxScriptBytes {
		return nil, nil, &ScriptError{Line: 1, Msg: fmt.Sprintf("the script is %d bytes; the limit is %d", len(text), MaxScriptBytes)}
	}
	var out []Input
	var lines []int
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		host, rest, ok := strings.Cut(line, "$")
		if !ok || !validHostName(host) {
			shown := line
			if len(shown) > 40 {
				shown = shown[:40] + "..."
			}
			return out, lines, &ScriptError{Line: n, Msg: fmt.Sprintf("expected HOST$ COMMAND, such as laptop$ curl http://web/; found %q", shown)}
		}
		if rest != "" && rest[0] != ' ' {
			return out, lines, &ScriptError{Line: n, Msg: fmt.Sprintf("expected a space after %s$", host)}
		}
		rest = strings.TrimPrefix(rest, " ")
		if len(rest) > MaxLineBytes {
			return out, lines, &ScriptError{Line: n, Msg: fmt.Sprintf("the command is %d bytes; the limit is %d", len(rest), MaxLineBytes)}
		}
		if len(out) >= MaxEntries {
			return out, lines, &ScriptError{Line: n, Msg: fmt.Sprintf("more than %d inputs, the most a lab holds", MaxEntries)}
		}
		in := Input{Host: host, Line: rest}
		switch strings.TrimSpace(rest) {
		case "^C":
			in = Input{Host: host, Key: KeyInterrupt}
		case "^D":
			in = Input{Host: host, Key: KeyEOF}
		case "^Z":
			in = Input{Host: host, Key: KeyStop}
		}
		out = append(out, in)
		lines = append(lines, n)
	}
	return out, lines, nil
}

// Script writes the lab's inputs as a script that ParseScript reads back
// to the same inputs.
func (l *Lab) Script() string {
	var b strings.Builder
	for _, e := range l.entries {
		b.WriteString(scriptLine(e.Input))
		b.WriteByte('\n')
	}
	return b.String()
}

func scriptLine(in Input) string {
	switch in.Key {
	case KeyInterrupt:
		return in.Host + "$ ^C"
	case KeyEOF:
		return in.Host + "$ ^D"
	case KeyStop:
		return in.Host + "$ ^Z"
	}
	return in.Host + "$ " + in.Line
}

// Transcript writes what the terminals showed, entry by entry: each
// input after its prompt, then the output. Output that appeared in
// another host's terminal is marked with that host: "[web] hello".
func (l *Lab) Transcript() string {
	var b strings.Builder
	for _, e := range l.entries {
		writeEntry(&b, e)
	}
	return b.String()
}

// FormatEntry is one entry of Transcript.
func FormatEntry(e Entry) string {
	var b strings.Builder
	writeEntry(&b, e)
	return b.String()
}

func writeEntry(b *strings.Builder, e Entry) {
	switch {
	case e.Key == KeyInterrupt:
		b.WriteString(e.Host + ": ^C\n")
	case e.Key == KeyEOF:
		b.WriteString(e.Host + ": ^D\n")
	case e.Key == KeyStop:
		b.WriteString(e.Host + ": ^Z\n")
	case e.Prompt == e.Host+"$ ":
		b.WriteString(e.Prompt + e.Line + "\n")
	case e.Secret():
		b.WriteString(e.Host + ": " + e.Prompt + "\n")
	default:
		b.WriteString(e.Host + ": " + e.Prompt + e.Line + "\n")
	}
	for _, c := range e.Out {
		if c.Clear || c.Text == "" {
			continue
		}
		text := c.Text
		if c.Host != e.Host {
			text = strings.TrimSuffix(text, "\n")
			text = "[" + c.Host + "] " + strings.ReplaceAll(text, "\n", "\n["+c.Host+"] ") + "\n"
		}
		b.WriteString(text)
	}
	if n := len(e.Out); n > 0 && !e.Out[n-1].Clear && e.Out[n-1].Text != "" && !strings.HasSuffix(e.Out[n-1].Text, "\n") {
		b.WriteByte('\n')
	}
}

// Secret reports whether the input answered a password prompt: a
// terminal does not echo it.
func (e Entry) Secret() bool { return e.Key == "" && strings.HasSuffix(e.Prompt, "Password:") }
