package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"portville/sim"
	"portville/sim/scenario"
)

// curlVersion is the curl of REAL-TOOLS.md's transcripts.
const curlVersion = "curl/7.88.1"

const curlTryHelp = "curl: try 'curl --help' or 'curl --manual' for more information"

// curlOpts are the curl options the lab takes.
type curlOpts struct {
	_                                         noCompare
	verbose, silent, showError, head, include bool
	fail, headMethod                          bool // -f; -X HEAD
	output, writeOut                          string
	outputSet, writeOutSet                    bool
	localPort                                 uint16
	url                                       string
}

// curlRealShort are curl 7.88's one-letter options (tool_getparam.c); the
// ones the lab does not take get its word, the rest "is unknown".
const curlRealShort = "0123456:#aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwxXyYzZ"

// curlRealLong are the long options of curl 7.88 a course meets, which
// the lab does not model.
var curlRealLong = []string{
	"--data", "--data-raw", "--data-binary", "--data-urlencode", "--json", "--form", "--get", "--header",
	"--user-agent", "--referer", "--cookie", "--cookie-jar", "--user", "--insecure", "--cacert",
	"--max-time", "--connect-timeout", "--retry", "--resolve", "--connect-to", "--interface",
	"--http1.0", "--http1.1", "--http2", "--http3", "--ipv6", "--proxy", "--noproxy", "--dump-header",
	"--remote-name", "--trace", "--trace-ascii", "--limit-rate", "--range", "--fail-with-body",
	"--unix-socket", "--dns-servers", "--keepalive-time", "--no-keepalive", "--tcp-nodelay",
	"--stderr", "--create-dirs", "--parallel", "--progress-bar", "--continue-at", "--upload-file",
}

// curlTry is what the lab's word for curl suggests instead.
const curlTry = "the lab's curl takes -v, -s, -S, -i, -I, -f, -o FILE, -w FORMAT, -X GET|HEAD and --local-port N"

// curlMethod takes -X: GET is the default, HEAD is what -I asks for (curl
// warns, and waits for a body HEAD never brings), others the lab does not
// model.
func (r *run) curlMethod(o *curlOpts, m string) bool {
	switch m {
	case "GET":
		return true
	case "HEAD":
		r.outln("Warning: Setting custom HTTP method to HEAD with -X/--request may not work the ", "Warning: way you want. Consider using -I/--head instead.")
		o.headMethod = true
		return true
	}
	r.outln(r.notModelled("curl", "-X "+m, "nginx answers GET and HEAD here; "+curlTry))
	r.status(2)
	return false
}

// parseCurl reads curl's options; a problem is printed and ok is false.
func (r *run) parseCurl(args []string) (o curlOpts, ok bool) {
	fail := func(msg string) (curlOpts, bool) {
		r.outln("curl: "+msg, curlTryHelp)
		r.status(2)
		return o, false
	}
	value := func(i *int, name string) (string, bool) {
		if *i+1 >= len(args) {
			return "", false
		}
		*i++
		return args[*i], true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a, "=")
			take := func() (string, bool) {
				if hasVal {
					return val, true
				}
				return value(&i, name)
			}
			var v string
			var okv bool
			switch name {
			case "--verbose":
				o.verbose = true
			case "--silent":
				o.silent = true
			case "--show-error":
				o.showError = true
			case "--head":
				o.head = true
			case "--include":
				o.include = true
			case "--output":
				if o.output, okv = take(); !okv {
					return fail("option --output: requires parameter")
				}
				o.outputSet = true
			case "--write-out":
				if o.writeOut, okv = take(); !okv {
					return fail("option --write-out: requires parameter")
				}
				o.writeOutSet = true
			case "--local-port":
				if v, okv = take(); !okv {
					return fail("option --local-port: requires parameter")
				}
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 65535 {
					return fail("option --local-port: expected a proper numerical parameter")
				}
				o.localPort = uint16(n)
			case "--url":
				if o.url, okv = take(); !okv {
					return fail("option --url: requires parameter")
				}
			case "--fail":
				o.fail = true
			case "--request":
				if v, okv = take(); !okv {
					return fail("option --request: requires parameter")
				}
				if !r.curlMethod(&o, v) {
					return o, false
				}
			case "--location", "--ipv4", "--compressed", "--no-progress-meter":
				if name == "--no-progress-meter" {
					o.silent = o.silent || !o.showError
				}
			case "--help", "--manual", "--version":
				if name == "--version" {
					r.outln("curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1", "Protocols: http", "Features: the lab's own curl speaks plain HTTP")
					return o, false
				}
				r.outln("Usage: curl [options...] <url>", " -o, --output <file>      Write to file instead of stdout", " -s, --silent             Silent mode",
					" -v, --verbose            Make the operation more talkative", " -w, --write-out <format> Use output FORMAT after completion",
					" -I, --head               Show document info only", " -i, --include            Include protocol response headers in the output",
					"     --local-port <num>   Force use of RANGE for local port numbers")
				return o, false
			default:
				if slices.Contains(curlRealLong, name) {
					r.outln(r.notModelled("curl", name, curlTry))
					r.status(2)
					return o, false
				}
				return fail("option " + name + ": is unknown")
			}
			continue
		}
		if len(a) > 1 && a[0] == '-' {
			for k := 1; k < len(a); k++ {
				c := a[k]
				switch c {
				case 'v':
					o.verbose = true
				case 's':
					o.silent = true
				case 'S':
					o.showError = true
				case 'I':
					o.head = true
				case 'i':
					o.include = true
				case 'L', '4':
				case 'f':
					o.fail = true
				case 'X':
					v := a[k+1:]
					if v == "" {
						var okv bool
						if v, okv = value(&i, "X"); !okv {
							return fail("option -X: requires parameter")
						}
					}
					if !r.curlMethod(&o, v) {
						return o, false
					}
					k = len(a)
				case 'o', 'w':
					v := a[k+1:]
					if v == "" {
						var okv bool
						if v, okv = value(&i, string(c)); !okv {
							return fail(fmt.Sprintf("option -%c: requires parameter", c))
						}
					}
					if c == 'o' {
						o.output, o.outputSet = v, true
					} else {
						o.writeOut, o.writeOutSet = v, true
					}
					k = len(a)
				default:
					if strings.IndexByte(curlRealShort, c) >= 0 {
						r.outln(r.notModelled("curl", "-"+string(c), curlTry))
						r.status(2)
						return o, false
					}
					return fail(fmt.Sprintf("option -%c: is unknown", c))
				}
			}
			continue
		}
		if o.url != "" {
			// curl fetches every URL given; the lab takes one.
			r.outln("lab: the lab's curl fetches one URL at a time")
			r.status(2)
			return o, false
		}
		o.url = a
	}
	if o.url == "" {
		r.outln("curl: no URL specified!", curlTryHelp)
		r.status(2)
		return o, false
	}
	return o, true
}

// curlURL is the part of a URL curl needs.
type curlURL struct {
	_        noCompare
	host     string // as written: a name or an address
	port     uint16
	path     string
	hostPort string // the Host header: host, and :port unless 80
}

// parseURL reads http://HOST[:PORT][/PATH] (the scheme may be left out,
// as curl allows).
func (r *run) parseURL(raw string) (curlURL, bool) {
	u := raw
	if scheme, rest, found := strings.Cut(u, "://"); found {
		switch strings.ToLower(scheme) {
		case "http":
		case "https":
			r.outln("lab: the lab's curl speaks plain HTTP; to watch HTTPS (TLS on port 443) and HTTP/3, play the lesson a-web-page")
			r.status(1)
			return curlURL{}, false
		default:
			r.outln("curl: (1) Protocol \"" + scheme + "\" not supported or disabled in libcurl")
			r.status(1)
			return curlURL{}, false
		}
		u = rest
	}
	hostPort, path, _ := strings.Cut(u, "/")
	path = "/" + path
	if i := strings.IndexAny(path, "?#"); i >= 0 && path[i] == '#' {
		path = path[:i]
	}
	out := curlURL{host: hostPort, port: 80, path: path, hostPort: hostPort}
	if h, p, found := strings.Cut(hostPort, ":"); found {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			r.outln("curl: (3) URL using bad/illegal format or missing URL")
			r.status(3)
			return curlURL{}, false
		}
		out.host, out.port = h, uint16(n)
		if n == 80 {
			out.hostPort = h
		}
	}
	if out.host == "" {
		r.outln("curl: (3) URL using bad/illegal format or missing URL")
		r.status(3)
		return curlURL{}, false
	}
	return out, true
}

// curl fetches one page over HTTP. Its lines (with -v), its errors and
// what -w prints come from what the town did: the port the OS lent it,
// the time the connection took, the response the server sent.
func (r *run) curl(t *terminal, args []string) error {
	o, ok := r.parseCurl(args)
	if !ok {
		return nil
	}
	u, ok := r.parseURL(o.url)
	if !ok {
		return nil
	}
	c := &curlJob{opts: o, url: u, host: r.in.Host}
	addr, _, found := r.lab.hostAddr(u.host)
	if !found {
		c.fail(r, 6, "Could not resolve host: "+u.host)
		return nil
	}
	c.addr = netip.AddrPortFrom(addr, u.port)
	if u.port == 0 {
		c.fail(r, 3, "URL using bad/illegal format or missing URL")
		return nil
	}
	alias, p, err := r.start("curl", nil)
	if err != nil {
		return err
	}
	t.tty[p.PID()] = true
	c.alias, c.pid = alias, p.PID()
	c.started = r.world().Now()
	if o.localPort != 0 {
		ref := c.ref()
		if err := r.step(scenario.Step{Action: "bind", Proc: alias, Sock: ref, Addr: scenario.Endpoint{Addr: netip.IPv4Unspecified(), Port: o.localPort}}); err != nil {
			return err
		}
		if s := r.lab.live.Socket(ref); s == nil || !s.Bound() {
			c.verbose(r, "* bind failed with errno 98: Address already in use")
			return c.end(r, 45, "bind failed with errno 98: Address already in use")
		}
	}
	before := len(r.events)
	_, fail, err := r.connect(alias, "s", sim.TCP, u.host, c.addr)
	if err != nil {
		return err
	}
	if resolveFailed(fail) {
		// curl resolves the name before it tries an address.
		c.verbose(r, "* Could not resolve host: "+u.host, "* Closing connection 0")
		return c.end(r, 6, "Could not resolve host: "+u.host)
	}
	c.verboseAt(r, eventSeq(r.eventsSince(before), func(e *sim.Event) bool {
		return e.Kind == sim.KindSocketConnect && e.PID == c.pid
	}, r.seq()), fmt.Sprintf("*   Trying %s...", c.addr))
	if fail != "" {
		ms := int64((r.world().Now() - c.started) / sim.Millisecond)
		c.verbose(r, fmt.Sprintf("* connect to %s port %d failed: %s", addr, u.port, fail))
		msg := fmt.Sprintf("Failed to connect to %s port %d after %d ms: Couldn't connect to server", u.host, u.port, ms)
		c.verbose(r, "* "+msg, "* Closing connection 0")
		return c.end(r, 7, msg)
	}
	c.connectedAt = eventSeq(r.eventsSince(before), func(e *sim.Event) bool {
		return e.Kind == sim.KindSocketState && e.PID == c.pid && e.To == "ESTABLISHED"
	}, r.seq())
	if s := r.lab.live.Socket(c.ref()); s != nil {
		c.local = s.Local()
	}
	c.verboseAt(r, c.connectedAt, fmt.Sprintf("* Connected to %s (%s) port %d (#0)", u.host, addr, u.port))
	method := "GET"
	if o.head || o.headMethod {
		method = "HEAD"
	}
	req := []string{method + " " + u.path + " HTTP/1.1", "Host: " + u.hostPort, "User-Agent: " + curlVersion, "Accept: */*", ""}
	before = len(r.events)
	if err := r.step(scenario.Step{Action: "send", Proc: alias, Sock: c.ref(), Data: strings.Join(req, "\r\n") + "\r\n"}); err != nil {
		return err
	}
	sentAt := eventSeq(r.eventsSince(before), func(e *sim.Event) bool {
		return e.Kind == sim.KindPacketSend && e.PID == c.pid && e.Len > 0
	}, r.seq())
	for _, line := range req {
		c.verboseAt(r, sentAt, "> "+line)
	}
	c.seen = before
	done, err := c.progress(r)
	if err != nil || done {
		return err
	}
	// No whole response yet: curl waits, and so does the terminal.
	t.fg = c
	return nil
}

// eventSeq returns the seq of the first event for which match holds, or
// def.
func eventSeq(events []sim.Event, match func(*sim.Event) bool, def uint64) uint64 {
	for i := range events {
		if match(&events[i]) {
			return events[i].Seq
		}
	}
	return def
}

// curlJob is a curl run: while its response is incomplete the terminal
// waits for it, as it would for the real one.
type curlJob struct {
	_           noCompare
	opts        curlOpts
	url         curlURL
	addr, local netip.AddrPort
	alias       string
	host        string // where curl runs
	pid         int
	started     sim.Time
	connectedAt uint64
	seen        int    // events already read for the response
	resp        string // what arrived so far
	respAt      uint64 // the event the first part arrived with
	done        bool
	errors      bool // printed an error already
}

func (c *curlJob) name() string      { return "curl" }
func (c *curlJob) prompt() string    { return "" }
func (c *curlJob) procID() int       { return c.pid }
func (c *curlJob) procAlias() string { return c.alias }
func (c *curlJob) ended() bool       { return c.done }
func (c *curlJob) ref() scenario.Ref { return scenario.Ref{Proc: c.alias, Name: "s"} }

func (c *curlJob) input(r *run, line string) error { return nil }

func (c *curlJob) key(r *run, key string) error {
	if key != KeyInterrupt {
		return nil
	}
	c.done = true
	r.status(130)
	return r.exit(c.alias, 0, "INT")
}

func (c *curlJob) react(r *run) (bool, error) {
	if c.done {
		return false, nil
	}
	if p := r.lab.live.Process(c.alias); p == nil || !p.Alive() {
		c.done = true
		return true, nil
	}
	n := len(c.resp)
	done, err := c.progress(r)
	return done || len(c.resp) != n, err
}

// progress reads what arrived for curl and, once the response is whole
// (or the server closed), prints it and ends curl. done reports the end.
func (c *curlJob) progress(r *run) (bool, error) {
	for ; c.seen < len(r.events); c.seen++ {
		e := &r.events[c.seen]
		if e.Host == c.host && e.PID == c.pid && e.Kind == sim.KindSocketRecv {
			if c.resp == "" {
				c.respAt = e.Seq
			}
			c.resp += e.Data
		}
	}
	head, body, complete := splitResponse(c.resp, c.opts.head)
	s := r.lab.live.Socket(c.ref())
	closed := s == nil || s.State() == sim.StateCloseWait || s.State() == sim.StateClosed
	switch {
	case complete:
	case closed && c.resp == "":
		return true, c.end(r, 52, "Empty reply from server")
	case closed && head != "":
		c.printResponse(r, head, body)
		return true, c.end(r, 18, fmt.Sprintf("transfer closed with %d bytes remaining to read", contentLength(head)-len(body)))
	case closed:
		return true, c.end(r, 1, "Received HTTP/0.9 when not allowed")
	default:
		return false, nil
	}
	if code := statusCode(head); c.opts.fail && code >= 400 {
		// -f: no page, curl's error 22.
		if c.opts.verbose {
			for _, line := range strings.Split(head, "\r\n") {
				r.printAt(c.host, "< "+line+"\n", c.respAt)
			}
		}
		c.verbose(r, fmt.Sprintf("* The requested URL returned error: %d", code), "* Closing connection 0")
		return true, c.end(r, 22, fmt.Sprintf("The requested URL returned error: %d", code))
	}
	c.printResponse(r, head, body)
	c.verbose(r, "* Connection #0 to host "+c.url.host+" left intact")
	if err := r.closeSock(c.alias, "s"); err != nil {
		return true, err
	}
	return true, c.end(r, 0, "")
}

// statusCode reads the status code of a response head, or 0.
func statusCode(head string) int {
	f := strings.Fields(head)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// splitResponse cuts an HTTP response into its head and body; complete
// reports that the body is all there (Content-Length says how much).
func splitResponse(resp string, head bool) (string, string, bool) {
	h, body, found := strings.Cut(resp, "\r\n\r\n")
	if !found {
		return "", "", false
	}
	if head {
		return h, "", true
	}
	return h, body, len(body) >= contentLength(h)
}

// contentLength reads Content-Length from a response head.
func contentLength(head string) int {
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// printResponse prints the response as curl shows it: the head with "< "
// under -v (or bare with -i and -I), the body unless -o sends it to a
// file, and the progress meter when the body goes to a file.
func (c *curlJob) printResponse(r *run, head, body string) {
	at := c.respAt
	o := c.opts
	if o.verbose {
		for _, line := range strings.Split(head, "\r\n") {
			r.printAt(c.host, "< "+line+"\n", at)
		}
		r.printAt(c.host, "< \n", at)
	}
	shown := body
	if o.include || o.head {
		shown = strings.ReplaceAll(head, "\r\n", "\n") + "\n\n" + body
	}
	if o.outputSet {
		if !o.silent {
			r.printAt(c.host, progressMeter(len(body), r.world().Now()-c.started), at)
		}
		return
	}
	// A terminal shows a CRLF as a line break (nginx's error pages have
	// them).
	shown = strings.ReplaceAll(shown, "\r\n", "\n")
	if shown != "" {
		r.printAt(c.host, shown, at)
		if !strings.HasSuffix(shown, "\n") && !o.writeOutSet {
			r.printAt(c.host, "\n", at)
		}
	}
}

// progressMeter is curl's table when it writes to a file.
func progressMeter(n int, took sim.Time) string {
	speed := 0
	if ms := int64(took / sim.Millisecond); ms > 0 {
		speed = int(int64(n) * 1000 / ms)
	} else {
		speed = n * 1000
	}
	return "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n" +
		"                                 Dload  Upload   Total   Spent    Left  Speed\n" +
		fmt.Sprintf("100 %5d  100 %5d    0     0  %5d      0 --:--:-- --:--:-- --:--:-- %5d\n", n, n, speed, speed)
}

// end finishes curl: the error line (unless -s), what -w asks for, and
// the process's exit with curl's code.
func (c *curlJob) end(r *run, code int, msg string) error {
	c.done = true
	if code != 0 && (!c.opts.silent || c.opts.showError) {
		r.outln(fmt.Sprintf("curl: (%d) %s", code, msg))
	}
	if c.opts.writeOutSet {
		r.out(c.writeOut(r, code, msg))
	}
	r.status(code)
	if c.alias == "" {
		return nil
	}
	if err := r.closeSock(c.alias, "s"); err != nil {
		return err
	}
	return r.exit(c.alias, code, "")
}

// fail ends a curl that never started a process (a host that does not
// resolve).
func (c *curlJob) fail(r *run, code int, msg string) { _ = c.end(r, code, msg) }

// verbose prints -v lines now.
func (c *curlJob) verbose(r *run, lines ...string) {
	if !c.opts.verbose {
		return
	}
	r.outln(lines...)
}

// verboseAt prints a -v line at an event.
func (c *curlJob) verboseAt(r *run, seq uint64, line string) {
	if c.opts.verbose {
		r.printAt(c.host, line+"\n", seq)
	}
}

// writeOut expands -w's format: %{variable} and backslash escapes.
func (c *curlJob) writeOut(r *run, code int, msg string) string {
	f := c.opts.writeOut
	var b strings.Builder
	head, body, _ := splitResponse(c.resp, c.opts.head)
	for i := 0; i < len(f); i++ {
		switch {
		case f[i] == '\\' && i+1 < len(f):
			// curl knows \n, \t, \r and \\; others stay as typed.
			i++
			if e, ok := escaped(f[i]); ok && f[i] != 'a' {
				b.WriteByte(e)
			} else {
				b.WriteByte('\\')
				b.WriteByte(f[i])
			}
		case f[i] == '%' && i+1 < len(f) && f[i+1] == '%':
			b.WriteByte('%')
			i++
		case f[i] == '%' && i+1 < len(f) && f[i+1] == '{':
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				b.WriteString(f[i:])
				i = len(f)
				continue
			}
			name := f[i+2 : i+end]
			i += end
			v, ok := c.variable(r, name, code, msg, head, body)
			if !ok {
				r.outln("curl: unknown --write-out variable: '" + name + "'")
				continue
			}
			b.WriteString(v)
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

func (c *curlJob) variable(r *run, name string, code int, msg, head, body string) (string, bool) {
	status := "000"
	if f := strings.Fields(head); len(f) >= 2 {
		status = f[1]
	}
	switch name {
	case "local_port":
		return strconv.Itoa(int(c.local.Port())), true
	case "local_ip":
		if !c.local.IsValid() {
			return "", true
		}
		return c.local.Addr().String(), true
	case "remote_ip":
		if !c.addr.IsValid() || c.connectedAt == 0 {
			return "", true
		}
		return c.addr.Addr().String(), true
	case "remote_port":
		if c.connectedAt == 0 {
			return "0", true
		}
		return strconv.Itoa(int(c.addr.Port())), true
	case "http_code", "response_code":
		return status, true
	case "size_download":
		return strconv.Itoa(len(body)), true
	case "size_header":
		if head == "" {
			return "0", true
		}
		return strconv.Itoa(len(head) + 4), true
	case "num_connects":
		if c.connectedAt == 0 {
			return "0", true
		}
		return "1", true
	case "url_effective", "url":
		return "http://" + c.url.hostPort + c.url.path, true
	case "time_total":
		return fmt.Sprintf("%.6f", float64(r.world().Now()-c.started)/float64(sim.Second)), true
	case "exitcode":
		return strconv.Itoa(code), true
	case "errormsg":
		return msg, true
	}
	return "", false
}
