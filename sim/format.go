package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// AppendText appends the event as one or two lines of plain text: the
// sequence number, virtual time, host, kind and technical sentence, then
// the analogy sentence when withAnalogy is set.
func (e *Event) AppendText(b []byte, withAnalogy bool) []byte {
	return e.AppendTextIn(b, withAnalogy, nil)
}

// AppendTextIn is AppendText in language l (nil: English).
func (e *Event) AppendTextIn(b []byte, withAnalogy bool, l *Language) []byte {
	text, analogy := e.sentences(l)
	b = fmt.Appendf(b, "%5d %12s  %-10s %-17s ", e.Seq, e.T.String(), e.Host, e.Kind)
	b = append(b, oneLine(text)...)
	if e.Kind == KindCheckpoint {
		for i, c := range e.Choices {
			b = append(b, "\n                                              "...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, ". "...)
			b = append(b, oneLine(l.Text(c.Text))...)
		}
	}
	b = append(b, '\n')
	if withAnalogy && analogy != text {
		b = append(b, "                                              ~ "...)
		b = append(b, oneLine(analogy)...)
		b = append(b, '\n')
	}
	return b
}

// oneLine keeps an event on its own lines: a payload's line breaks are
// shown as \n.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}
