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

// addrUse is what one address holds; registry.mu guards it.
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

// useLocked returns key's counts, creating them; r.mu is held.
func (r *registry) useLocked(key string) *addrUse {
	u := r.perAddr[key]
	if u == nil {
		u = &addrUse{}
		r.perAddr[key] = u
	}
	return u
}

// releaseLocked gives back one of what f picks for key; r.mu is held.
func (r *registry) releaseLocked(key string, f func(*addrUse) *int) {
	if key == "" {
		return
	}
	u := r.perAddr[key]
	if u == nil {
		return
	}
	if n := f(u); *n > 0 {
		*n--
	}
	if *u == (addrUse{}) {
		delete(r.perAddr, key)
	}
}

func sessionsOf(u *addrUse) *int { return &u.sessions }
func classesOf(u *addrUse) *int  { return &u.classes }
func connsOf(u *addrUse) *int    { return &u.conns }

// admitSessionLocked makes room for a new session of owner, or says why
// there is none: the owner's share is full, or the server is. A session
// that nobody has watched for reclaimAfter gives its place up first (the
// owner's own, then anyone's). r.mu is held.
func (r *registry) admitSessionLocked(owner string) error {
	if u := r.perAddr[owner]; owner != "" && u != nil && u.sessions >= r.maxSessionsPerAddr && !r.reclaimLocked(owner) {
		return fmt.Errorf("open session for %s (%d open there): %w", owner, r.perAddr[owner].sessions, errAddrSessions)
	}
	if len(r.sessions) >= r.maxSessions && !r.reclaimLocked("") {
		return fmt.Errorf("open session (%d open): %w", len(r.sessions), errSessionLimit)
	}
	return nil
}

// reclaimLocked ends the session of owner ("" for any owner) that has
// gone unwatched longest, if one has for reclaimAfter; a class is never
// reclaimed. It reports whether it ended one. r.mu is held.
func (r *registry) reclaimLocked(owner string) bool {
	now := r.now().UnixNano()
	var oldest *session
	var since int64
	for _, sess := range r.sessions {
		if owner != "" && sess.owner != owner || sess.viewerCount() != 0 || sess.inClass.Load() {
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
	r.dropSessionLocked(oldest)
	r.reclaimed(oldest, time.Duration(now-since))
	return true
}

// dropSessionLocked takes sess out of the registry and its owner's
// share; r.mu is held.
func (r *registry) dropSessionLocked(sess *session) {
	if r.sessions[sess.id] != sess {
		return
	}
	delete(r.sessions, sess.id)
	r.releaseLocked(sess.owner, sessionsOf)
}

// admitConnLocked counts a new connection of key against its share;
// r.mu is held.
func (r *registry) admitConnLocked(key string) error {
	if key == "" {
		return nil
	}
	u := r.useLocked(key)
	if u.conns >= r.maxConnsPerAddr {
		return fmt.Errorf("connection from %s (%d open there): %w", key, u.conns, errAddrConns)
	}
	u.conns++
	return nil
}

// sessionReclaimed ends a session the registry took out to make room
// for another; the registry's lock is held.
func (s *Server) sessionReclaimed(sess *session, unwatched time.Duration) {
	sess.shutdown()
	s.metrics.reclaimed.Inc()
	s.log.Info("session reclaimed", "session", sess.id, "owner", sess.owner, "unwatched", unwatched.Round(time.Second))
}
