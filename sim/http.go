package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// This file is the HTTP of the simulator's web servers. A lesson's
// shorthand request ("GET / HTTP/1.1", one line, no line break) gets the
// short answer every lesson's events were made with. Real request bytes
// (curl's, or lines typed into nc, which end in a line break) are
// answered as Debian's nginx 1.22.1 answers them (REAL-TOOLS.md and
// sim/lab/testdata/real): after the blank line that ends the head, with
// its headers, a 404 page for a path its site does not have, 400 for an
// HTTP/1.1 request without Host, and the connection closed after an
// HTTP/1.0 answer.

// maxRequestHeadBytes bounds the head of a request a server keeps while
// it waits for the blank line (nginx's large_client_header_buffers are
// 4 x 8 KB).
const maxRequestHeadBytes = 8192

// NginxVersion is what Debian 12's nginx says it is.
const NginxVersion = "nginx/1.22.1"

// httpServe reads what arrived on an HTTP connection and returns the
// answer; wait reports that the request's head is not whole yet, bad
// that the server closes after the answer.
func (p *Process) httpServe(c *appConn, data string) (reply string, bad, wait bool) {
	if c.req == "" && !strings.Contains(data, "\n") {
		reply, bad = p.httpResponse(data)
		return reply, bad, false
	}
	c.req += data
	// nginx reads the request line as soon as it has it: one it cannot
	// parse gets 400 at once, a good one waits for the headers.
	if line, _, found := strings.Cut(strings.TrimLeft(c.req, "\r\n"), "\n"); found {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "GET" && strings.HasPrefix(f[1], "/"):
			// HTTP/0.9: the page alone, then the server closes.
			c.req = ""
			if !p.hasPage(f[1]) {
				return p.httpErrorBody(404, "Not Found"), true, false
			}
			return "hello from " + p.host.name + "\n", true, false
		case len(f) != 3 || !strings.HasPrefix(f[1], "/") || (f[2] != "HTTP/1.1" && f[2] != "HTTP/1.0") || !isMethod(f[0]):
			c.req = ""
			return p.httpError(400, "Bad Request", false), true, false
		}
	}
	head, ok := requestHead(c.req)
	if !ok {
		if len(c.req) > maxRequestHeadBytes {
			c.req = ""
			return p.httpError(400, "Bad Request", false), true, false
		}
		return "", false, true
	}
	c.req = ""
	return p.httpAnswer(head)
}

// requestHead returns a request's head up to and with the blank line
// that ends it (CRLF or bare LF lines, as nginx takes both).
func requestHead(s string) (string, bool) {
	// Blank lines before the request line are skipped, as nginx does.
	s = strings.TrimLeft(s, "\r\n")
	for i := 0; i < len(s); i++ {
		if s[i] != '\n' {
			continue
		}
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "\r\n"):
			return s[:i+3], true
		case strings.HasPrefix(rest, "\n"):
			return s[:i+2], true
		}
	}
	return "", false
}

// httpAnswer answers a whole request head.
func (p *Process) httpAnswer(head string) (reply string, bad, wait bool) {
	lines := strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n")
	f := strings.Fields(lines[0])
	if len(f) != 3 || !strings.HasPrefix(f[1], "/") || (f[2] != "HTTP/1.1" && f[2] != "HTTP/1.0") {
		return p.httpError(400, "Bad Request", false), true, false
	}
	method, path, version := f[0], f[1], f[2]
	hasHost, closeAsked := false, false
	for _, l := range lines[1:] {
		name, val, ok := strings.Cut(l, ":")
		switch {
		case !ok:
		case strings.EqualFold(strings.TrimSpace(name), "host"):
			hasHost = true
		case strings.EqualFold(strings.TrimSpace(name), "connection"):
			closeAsked = strings.EqualFold(strings.TrimSpace(val), "close")
		}
	}
	if version == "HTTP/1.1" && !hasHost {
		return p.httpError(400, "Bad Request", false), true, false
	}
	keep := version == "HTTP/1.1" && !closeAsked
	if p.prog.Name == "nginx" && method != "GET" && method != "HEAD" {
		// A static site answers other methods with 405.
		return p.httpError(405, "Not Allowed", keep), !keep, false
	}
	head200 := method == "HEAD"
	if !p.hasPage(path) {
		return p.httpError(404, "Not Found", keep), !keep, false
	}
	body := "hello from " + p.host.name + "\n"
	reply = p.responseHead("200 OK", "text/plain", len(body), keep)
	if !head200 {
		reply += body
	}
	return reply, !keep, false
}

// isMethod reports whether s is an HTTP method as nginx parses one:
// capital letters (a lower-case "get" is a bad request).
func isMethod(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// hasPage reports whether the server's site has a path. nginx serves its
// one page at / and /index.html and nothing else; a development server
// answers every path with its page (the fallback of single-page apps).
func (p *Process) hasPage(path string) bool {
	if p.prog.Name != "nginx" {
		return true
	}
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	return path == "/" || path == "/index.html"
}

// httpError is nginx's own error page, with its headers.
func (p *Process) httpError(code int, reason string, keep bool) string {
	body := p.httpErrorBody(code, reason)
	return p.responseHead(strconv.Itoa(code)+" "+reason, "text/html", len(body), keep) + body
}

// httpErrorBody is the page of nginx's error page.
func (p *Process) httpErrorBody(code int, reason string) string {
	status := strconv.Itoa(code) + " " + reason
	return "<html>\r\n<head><title>" + status + "</title></head>\r\n<body>\r\n<center><h1>" + status +
		"</h1></center>\r\n<hr><center>" + p.serverName() + "</center>\r\n</body>\r\n</html>\r\n"
}

// serverName is the Server header: nginx's version as Debian builds it,
// or the program's name.
func (p *Process) serverName() string {
	if p.prog.Name == "nginx" {
		return NginxVersion
	}
	return p.prog.Name
}

// responseHead is a response's status line and headers, in nginx's order.
func (p *Process) responseHead(status, ctype string, length int, keep bool) string {
	conn := "close"
	if keep {
		conn = "keep-alive"
	}
	return "HTTP/1.1 " + status + "\r\nServer: " + p.serverName() + "\r\nDate: " + HTTPDate(p.host.w.now) +
		"\r\nContent-Type: " + ctype + "\r\nContent-Length: " + strconv.Itoa(length) + "\r\nConnection: " + conn + "\r\n\r\n"
}

// HTTPDate is t on the town's wall clock as an HTTP Date header writes
// it: "Mon, 30 Nov 2026 03:00:19 GMT". The clock starts at Monday,
// November 30, 2026, 03:00:00 UTC, the date of REAL-TOOLS.md's
// transcripts, as the lab's nginx log lines do.
func HTTPDate(t Time) string {
	const weekdays, months = "MonTueWedThuFriSatSun", "NovDecJanFebMarAprMayJunJulAugSepOct"
	const lengths = "\x1e\x1f\x1f\x1c\x1f\x1e\x1f\x1e\x1f\x1f\x1e\x1f" // days from November on
	secs := int64(t/Second) + 3*3600
	days := secs / 86400
	secs %= 86400
	day, month, year := 30+days, 0, 2026
	for day > int64(lengths[month%12]) {
		day -= int64(lengths[month%12])
		month++
		if month%12 == 2 {
			year++
		}
	}
	w, m := days%7*3, month%12*3
	return fmt.Sprintf("%s, %02d %s %d %02d:%02d:%02d GMT", weekdays[w:w+3], day, months[m:m+3], year, secs/3600, secs/60%60, secs%60)
}

// httpResponse answers a lesson's shorthand request: 200 with a one-line
// page for a request line "METHOD /PATH HTTP/1.x", and 400 for anything
// else, after which the server closes the connection (nginx does). bad
// reports the 400.
func (p *Process) httpResponse(req string) (reply string, bad bool) {
	f := strings.Fields(firstLine(req))
	if len(f) >= 3 && strings.HasPrefix(f[1], "/") && strings.HasPrefix(f[2], "HTTP/1.") {
		return httpMessage("200 OK", p.prog.Name, "hello from "+p.host.name+"\n", f[0] != "HEAD"), false
	}
	return httpMessage("400 Bad Request", p.prog.Name, "400 Bad Request\n", true), true
}

// httpMessage is an HTTP/1.1 response with the headers a client needs to
// know where it ends. The answer to a HEAD request has the headers of the
// page and not the page (withBody false).
func httpMessage(status, server, body string, withBody bool) string {
	head := "HTTP/1.1 " + status + "\r\nServer: " + server + "\r\nContent-Type: text/plain\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n"
	if !withBody {
		return head
	}
	return head + body
}
