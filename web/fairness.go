package web

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Fair shares: how much of the server one network address may hold.
// A school's classroom reaches the server from one public address (its
// NAT), so the defaults leave room for a class of 40 with a few tabs
// each; a script or a student's loop from one address still cannot take
// every slot. docs/hosting.md lists them with their flags.
const (
	DefaultMaxSessionsPerAddr = 125 // a quarter of DefaultMaxSessions
	DefaultMaxClassesPerAddr  = 10  // a fifth of DefaultMaxClasses
	DefaultMaxConnsPerAddr    = 500 // websockets at once: a tenth of DefaultMaxFollowers
)

// reclaimAfter is how long a session has had no viewer before a full
// server (or a full address) may end it to make room: long enough for a
// phone that lost its network to come back and resume.
const reclaimAfter = 30 * time.Second

// Refusals of the fair shares; errorTable words them for the user.
var (
	errAddrSessions = errors.New("the address has as many sessions as one address may")
	errAddrClasses  = errors.New("the address has as many classes as one address may")
	errAddrConns    = errors.New("the address has as many connections as one address may")
)

// addrUse is what one address holds; Server.mu guards it.
type addrUse struct{ sessions, classes, conns int }

// addrKey returns the address a remote address (host:port) counts as: an
// IPv4 address, or an IPv6 /64, which one machine or one home often has
// whole. "" (no limit) for a remote that is not an address.
func addrKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// use returns key's counts, creating them; s.mu is held.
func (s *Server) useLocked(key string) *addrUse {
	u := s.perAddr[key]
	if u == nil {
		u = &addrUse{}
		s.perAddr[key] = u
	}
	return u
}

// releaseLocked gives back one of what f picks for key; s.mu is held.
func (s *Server) releaseLocked(key string, f func(*addrUse) *int) {
	if key == "" {
		return
	}
	u := s.perAddr[key]
	if u == nil {
		return
	}
	if n := f(u); *n > 0 {
		*n--
	}
	if *u == (addrUse{}) {
		delete(s.perAddr, key)
	}
}

func sessionsOf(u *addrUse) *int { return &u.sessions }
func classesOf(u *addrUse) *int  { return &u.classes }
func connsOf(u *addrUse) *int    { return &u.conns }

// admitSessionLocked makes room for a new session of owner, or says why
// there is none: the owner's share is full, or the server is. A session
// that nobody has watched for reclaimAfter gives its place up first (the
// owner's own, then anyone's). s.mu is held.
func (s *Server) admitSessionLocked(owner string) error {
	if u := s.perAddr[owner]; owner != "" && u != nil && u.sessions >= s.cfg.MaxSessionsPerAddr && !s.reclaimLocked(owner) {
		return fmt.Errorf("open session for %s (%d open there): %w", owner, s.perAddr[owner].sessions, errAddrSessions)
	}
	if len(s.sessions) >= s.cfg.MaxSessions && !s.reclaimLocked("") {
		return fmt.Errorf("open session (%d open): %w", len(s.sessions), errSessionLimit)
	}
	return nil
}

// reclaimLocked ends the session of owner ("" for any owner) that has
// gone unwatched longest, if one has for reclaimAfter; a class is never
// reclaimed. It reports whether it ended one. s.mu is held.
func (s *Server) reclaimLocked(owner string) bool {
	now := s.clock.Now().UnixNano()
	var oldest *session
	var since int64
	for _, sess := range s.sessions {
		if owner != "" && sess.owner != owner || sess.viewerCount.Load() != 0 || sess.inClass.Load() {
			continue
		}
		at := sess.unwatchedAt.Load()
		if at == 0 || now-at < int64(reclaimAfter) {
			continue
		}
		if oldest == nil || at < since {
			oldest, since = sess, at
		}
	}
	if oldest == nil {
		return false
	}
	s.dropSessionLocked(oldest)
	oldest.shutdown()
	s.metrics.reclaimed.Inc()
	s.log.Info("session reclaimed", "session", oldest.id, "owner", oldest.owner, "unwatched", time.Duration(now-since).Round(time.Second))
	return true
}

// dropSessionLocked takes sess out of the registry and its owner's
// share; s.mu is held.
func (s *Server) dropSessionLocked(sess *session) {
	if s.sessions[sess.id] != sess {
		return
	}
	delete(s.sessions, sess.id)
	s.releaseLocked(sess.owner, sessionsOf)
}

// admitConnLocked counts a new connection of key against its share;
// s.mu is held.
func (s *Server) admitConnLocked(key string) error {
	if key == "" {
		return nil
	}
	u := s.useLocked(key)
	if u.conns >= s.cfg.MaxConnsPerAddr {
		return fmt.Errorf("connection from %s (%d open there): %w", key, u.conns, errAddrConns)
	}
	u.conns++
	return nil
}
