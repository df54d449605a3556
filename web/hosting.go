package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Hosting one instance for a whole school: the app under a path of
// another site (Config.BasePath), the browser's own address and URL
// behind a reverse proxy (Config.TrustProxy), and how much of the server
// one address may take (Config.MaxSessionsPerAddr and friends, in
// fairness.go). docs/hosting.md is the user's side of this file.

// checkBasePath checks a --base-path and returns it without its trailing
// slash: "" (the root), or "/portville", "/apps/portville".
func checkBasePath(p string) (string, error) {
	if p == "" || p == "/" {
		return "", nil
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("base path %q: it must start with /, for example /portville/", p)
	}
	p = strings.TrimSuffix(p, "/")
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("base path %q: empty, . or .. segment; want a path such as /portville/", p+"/")
		}
		if !wordOf(seg, "-._~") {
			return "", fmt.Errorf("base path %q: %q is not allowed; use letters, digits and - . _ ~", p+"/", seg)
		}
	}
	return p, nil
}

// path returns the URL path of p (a path of the app, such as /join) under
// the base path.
func (s *Server) path(p string) string { return s.base + p }

// underBase serves a request whose path is under the base path: the
// prefix is taken off, so the routes see /lesson/ID. A request without
// the prefix is served as it is, for a proxy that strips the prefix
// itself (nginx's proxy_pass with a path); the links always carry it.
// The base path alone redirects to the base path with a slash.
func (s *Server) underBase(w http.ResponseWriter, r *http.Request) *http.Request {
	if s.base == "" {
		return r
	}
	p := r.URL.Path
	if p == s.base {
		u := s.base + "/"
		if r.URL.RawQuery != "" {
			u += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, u, http.StatusMovedPermanently)
		return nil
	}
	rest, ok := strings.CutPrefix(p, s.base)
	if !ok || !strings.HasPrefix(rest, "/") {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.URL = new(url.URL)
	*r2.URL = *r.URL
	r2.URL.Path = rest
	if r.URL.RawPath != "" {
		if raw, ok := strings.CutPrefix(r.URL.RawPath, s.base); ok {
			r2.URL.RawPath = raw
		} else {
			r2.URL.RawPath = ""
		}
	}
	return r2
}

// The browser behind a proxy.

// parseTrustProxy reads --trust-proxy: CIDR prefixes (10.0.0.0/8) or
// single addresses (127.0.0.1, ::1).
func parseTrustProxy(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trust proxy %q: want an address or a CIDR prefix, for example 127.0.0.1 or 10.0.0.0/8", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientInfo is what the server knows of the browser behind a request.
type clientInfo struct {
	// addr is the browser's address: the peer's, or the one a trusted
	// proxy names. It is invalid when the peer's address does not parse.
	addr netip.Addr
	// proxied: a trusted proxy forwarded the request, so addr came from
	// its header. forwardedBy: a peer that is not trusted sent proxy
	// headers; addr is then the peer, which may be a proxy on this
	// machine standing for remote browsers.
	proxied     bool
	forwardedBy bool
	// scheme and host are those of the URL the browser asked for: the
	// proxy's X-Forwarded-Proto and -Host (or Forwarded proto= and
	// host=) when it is trusted, else the request's own.
	scheme, host string
}

type clientKey struct{}

// clientOf returns the client of a request that went through
// withClient; a request that did not (a test's) gets the peer.
func clientOf(r *http.Request) clientInfo {
	if c, ok := r.Context().Value(clientKey{}).(clientInfo); ok {
		return c
	}
	return clientInfo{addr: peerAddr(r.RemoteAddr), scheme: schemeOf(r), host: r.Host}
}

func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(remote)
	return a.Unmap()
}

func schemeOf(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.trust {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// withClient works out the request's client and sets r.RemoteAddr to its
// address, so that every later step (limits, logs, the live view's
// loopback rule) sees the browser rather than the proxy.
func (s *Server) withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := s.clientFor(r)
		if c.proxied {
			r.RemoteAddr = net.JoinHostPort(c.addr.String(), "0")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientKey{}, c)))
	})
}

func (s *Server) clientFor(r *http.Request) clientInfo {
	c := clientInfo{addr: peerAddr(r.RemoteAddr), scheme: schemeOf(r), host: r.Host}
	fwd, xff := r.Header.Values("Forwarded"), r.Header.Values("X-Forwarded-For")
	if len(fwd) == 0 && len(xff) == 0 {
		return c
	}
	if !c.addr.IsValid() || !s.trusted(c.addr) {
		c.forwardedBy = true
		return c
	}
	// A header that does not parse counts up to its first bad entry.
	var hops []hop
	if len(fwd) > 0 {
		hops = parseForwarded(fwd)
	} else {
		hops = parseXFF(xff)
		if len(hops) > 0 {
			hops[len(hops)-1].proto = lastValue(r.Header.Values("X-Forwarded-Proto"))
			hops[len(hops)-1].host = lastValue(r.Header.Values("X-Forwarded-Host"))
		}
	}
	// From the nearest hop outwards: the first address that is not a
	// trusted proxy is the browser. A hop that does not parse ends the
	// walk at the proxy that passed it on.
	var pick *hop
	for i := len(hops) - 1; i >= 0; i-- {
		if !hops[i].addr.IsValid() {
			break
		}
		pick = &hops[i]
		if !s.trusted(pick.addr) {
			break
		}
	}
	if pick == nil {
		return c
	}
	c.addr, c.proxied = pick.addr, true
	// The scheme and host are the nearest hop's: the proxy this server
	// trusts wrote them.
	near := hops[len(hops)-1]
	if near.proto == "http" || near.proto == "https" {
		c.scheme = near.proto
	}
	if near.host != "" && validHost(near.host) {
		c.host = near.host
	}
	return c
}

// hop is one proxy's entry in Forwarded or X-Forwarded-For.
type hop struct {
	addr        netip.Addr
	proto, host string
}

// parseXFF reads X-Forwarded-For ("client, proxy1, proxy2").
func parseXFF(values []string) []hop {
	var hops []hop
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			// An entry that is not an address stays, invalid, so the
			// walk stops there.
			a, _ := parseNode(strings.TrimSpace(f))
			hops = append(hops, hop{addr: a})
		}
	}
	return hops
}

// parseForwarded reads RFC 7239 Forwarded headers
// (for=192.0.2.60;proto=https;host=example.org, for="[2001:db8::1]:4711"),
// up to the first element that does not parse. A for= that is not an
// address (an obfuscated identifier, "unknown") leaves the hop's address
// invalid.
func parseForwarded(values []string) []hop {
	var hops []hop
	for _, v := range values {
		for _, elem := range splitQuoted(v, ',') {
			var h hop
			for _, pair := range splitQuoted(elem, ';') {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok {
					return hops
				}
				val = strings.Trim(strings.TrimSpace(val), `"`)
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "for":
					h.addr, _ = parseNode(val) // invalid for unknown or _hidden
				case "proto":
					h.proto = strings.ToLower(val)
				case "host":
					h.host = val
				}
			}
			hops = append(hops, h)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case sep:
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseNode reads an address as forwarding headers write it: 192.0.2.1,
// 192.0.2.1:4711, 2001:db8::1, [2001:db8::1] or [2001:db8::1]:4711.
func parseNode(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

func lastValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// validHost reports whether h can be the host of an origin: letters,
// digits and . - _ : [ ], at most 255 bytes.
func validHost(h string) bool { return len(h) <= 255 && wordOf(h, ".-_:[]") }

// wordOf reports whether s is not empty and has only ASCII letters,
// digits and the bytes of extra.
func wordOf(s, extra string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}
