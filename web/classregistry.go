package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"unicode"

	"portville/web/wire"
)

// The classroom's server side (class.go has the hub's): join codes,
// presenter tokens and the class's URLs, and the registry of the
// classes by code.

// Codes, tokens and URLs.

// newClassCode returns a random join code: classCodeLen characters of
// classCodeAlphabet, each uniform (bytes that would favour some
// characters are drawn again).
func newClassCode() string {
	const n = len(classCodeAlphabet)
	const limit = 256 - 256%n // bytes below it map evenly onto the alphabet
	code := make([]byte, 0, classCodeLen)
	var buf [2 * classCodeLen]byte
	for len(code) < classCodeLen {
		rand.Read(buf[:])
		for _, b := range buf {
			if int(b) < limit && len(code) < classCodeLen {
				code = append(code, classCodeAlphabet[int(b)%n])
			}
		}
	}
	return string(code)
}

// normalizeCode returns a typed join code in its canonical form: upper
// case, without spaces or dashes. It reports false when s cannot be a
// code (wrong length, or a character not in the alphabet).
func normalizeCode(s string) (string, bool) {
	if len(s) > maxCodeInputBytes {
		return "", false
	}
	out := make([]byte, 0, classCodeLen)
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.Is(unicode.Dash, r) {
			continue
		}
		r = unicode.ToUpper(r)
		if r >= unicode.MaxASCII || strings.IndexByte(classCodeAlphabet, byte(r)) < 0 || len(out) == classCodeLen {
			return "", false
		}
		out = append(out, byte(r))
	}
	if len(out) != classCodeLen {
		return "", false
	}
	return string(out), true
}

// newToken returns a presenter token: classTokenBytes random bytes,
// base64url.
func newToken() string {
	var b [classTokenBytes]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func joinPath(code string) string { return "/join/" + code }

// remotePath is the teacher's remote for a class: the presenter token
// goes in the fragment, which browsers never send to a server.
func remotePath(code string) string { return "/remote/" + code }
func qrPath(code string) string     { return "/class/" + code + "/qr.svg" }

// requestOrigin returns scheme://host of the URL the browser asked for,
// or "" when the Host header is not a plain host name or address.
func requestOrigin(r *http.Request) string {
	c := clientOf(r)
	if !validHost(c.host) {
		return ""
	}
	return c.scheme + "://" + strings.ToLower(c.host)
}

// isLoopbackOrigin reports whether an origin names this machine in a way
// other devices cannot reach: localhost, a loopback or unspecified address.
func isLoopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && (a.IsLoopback() || a.IsUnspecified())
}

// The registry.

// registerClass gives sess a join code, for a presenter at the address
// owner (addrKey) whose page came from origin.
func (s *Server) registerClass(sess *session, origin, owner string) (*classEntry, error) {
	base := s.cfg.PublicURL
	if base == "" {
		base = origin
	}
	if base != "" {
		base += s.base
	}
	if base == "" {
		return nil, userErrorf(wire.CodeBadValue, "the page's address has no usable host name; start the server with --public-url")
	}
	full := func(open int) error {
		switch {
		case s.cluster == nil && open >= s.cfg.MaxClasses:
			return fmt.Errorf("start class (%d open): %w", open, errClassLimit)
		case s.cluster != nil && s.cluster.classCount() >= s.cfg.MaxClasses:
			return fmt.Errorf("start class (%d open on every instance): %w", s.cluster.classCount(), errClassLimit)
		case s.cluster != nil && !s.cluster.connected():
			return fmt.Errorf("start class: %w", errClusterDown)
		}
		return nil
	}
	return s.reg.addClass(owner, full, func(code string) *classEntry {
		return &classEntry{code: code, base: base, url: base + joinPath(code), loopback: isLoopbackOrigin(base), owner: owner, sess: sess}
	})
}

func (s *Server) unregisterClass(e *classEntry) { s.reg.removeClass(e) }

// classCount returns how many classes are open.
func (s *Server) classCount() int { return s.reg.classCount() }

// findClass returns the class with the code (canonical form), for a
// browser at remote. Wrong codes are limited per address: an address
// that has sent too many gets errJoinRateLimited before the code is
// looked at, so a guess that would have been right is refused too.
func (s *Server) findClass(remote, code string) (*classEntry, error) {
	now := s.clock.Now()
	key := joinKey(remote)
	if !s.joins.allowed(key, now) {
		return nil, fmt.Errorf("join from %s: %w", key, errJoinRateLimited)
	}
	e := s.localClass(code)
	if e == nil && s.cluster != nil {
		// Another instance may play it (cluster.go).
		var err error
		if e, err = s.cluster.mirror(code); err != nil && !errors.Is(err, errUnknownClass) {
			return nil, err
		}
	}
	if e == nil {
		s.joins.spend(key, now)
		return nil, fmt.Errorf("class %q: %w", code, errUnknownClass)
	}
	return e, nil
}

// localClass returns the class with the code this instance holds, or nil.
func (s *Server) localClass(code string) *classEntry { return s.reg.class(code) }

// localClasses returns the classes this instance holds.
func (s *Server) localClasses() []*classEntry { return s.reg.classList() }

// registerMirror adds this instance's copy of another instance's class
// (cluster.go) to the registry. It counts against no address.
func (s *Server) registerMirror(e *classEntry) error { return s.reg.addMirror(e) }

// attachFollower joins v to the class its URL names:
// ?class=CODE[&follower=FID&after=N&timeline=T], or as a presenter with
// ?class=CODE&token=T[&after=N&timeline=T].
func (s *Server) attachFollower(v *viewer, q url.Values) (*session, error) {
	code, ok := normalizeCode(q.Get("class"))
	if !ok {
		return nil, userErrorf(wire.CodeUnknownClass, "a class code has %d letters and digits", classCodeLen)
	}
	e, err := s.findClass(v.remote, code)
	if err != nil {
		return nil, err
	}
	if q.Has("token") {
		// A presenter that knows the class by its code: the teacher's
		// remote (/remote/CODE#TOKEN). The token decides, as for
		// ?session=SID&token=T.
		j := joinReq{v: v, token: q.Get("token")}
		if err := parseResume(q, &j); err != nil {
			return nil, err
		}
		if err := e.sess.addViewer(j); err != nil {
			if errors.Is(err, errSessionGone) {
				err = fmt.Errorf("class %s: %w", code, errUnknownClass)
			}
			return nil, err
		}
		return e.sess, nil
	}
	j := joinReq{v: v, code: code, follower: q.Get("follower")}
	if err := parseResume(q, &j); err != nil {
		return nil, err
	}
	if !s.reserveFollower() {
		return nil, fmt.Errorf("class %s: %d followers on the server: %w", code, s.cfg.MaxFollowers, errFollowerLimit)
	}
	v.counted = true
	if err := e.sess.addViewer(j); err != nil {
		// The hub did not take v: its count is ours to give back.
		v.counted = false
		s.followers.Add(-1)
		if errors.Is(err, errSessionGone) {
			err = fmt.Errorf("class %s: %w", code, errUnknownClass)
		}
		return nil, err
	}
	return e.sess, nil
}

// reserveFollower counts one more follower, unless the server has as many
// as it allows.
func (s *Server) reserveFollower() bool {
	for {
		n := s.followers.Load()
		others := 0
		if s.cluster != nil {
			others = s.cluster.othersFollowingAll()
		}
		if n+int64(others) >= int64(s.cfg.MaxFollowers) {
			return false
		}
		if s.followers.CompareAndSwap(n, n+1) {
			return true
		}
	}
}
