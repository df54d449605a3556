package web

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// registry is what the server has open: its sessions, its classes by
// join code, its websockets, and what each client address holds of them
// (fairness.go). The Server reaches these only through its methods.
type registry struct {
	// Set by newRegistry, then only read.
	maxSessions        int // Config.MaxSessions
	maxSessionsPerAddr int
	maxClassesPerAddr  int
	maxConnsPerAddr    int
	now                func() time.Time
	// reclaimed is told of a session reclaimLocked took out to make
	// room, with mu held; it ends the session.
	reclaimed func(sess *session, unwatched time.Duration)

	// mu guards every field below. It is one lock for all of them
	// because admission is atomic across them: a limit's check and the
	// insert it allows happen in one hold, and once closed is set
	// nothing is added and no goroutine of the server starts
	// (whileOpen), so that Shutdown's wait covers every one.
	mu       sync.Mutex
	closed   bool                   // Shutdown has begun
	sessions map[string]*session    // by id
	classes  map[string]*classEntry // by join code
	conns    map[*viewer]struct{}   // open websockets, which Shutdown may have to close
	perAddr  map[string]*addrUse    // by addrKey: what each address holds
}

func newRegistry(cfg *Config, clock Clock, reclaimed func(*session, time.Duration)) *registry {
	return &registry{
		maxSessions: cfg.MaxSessions, maxSessionsPerAddr: cfg.MaxSessionsPerAddr,
		maxClassesPerAddr: cfg.MaxClassesPerAddr, maxConnsPerAddr: cfg.MaxConnsPerAddr,
		now: clock.Now, reclaimed: reclaimed,
		sessions: map[string]*session{},
		classes:  map[string]*classEntry{},
		conns:    map[*viewer]struct{}{},
		perAddr:  map[string]*addrUse{},
	}
}

// close makes the registry take nothing more, and returns the sessions
// open; first is whether this call closed it.
func (r *registry) close() (sessions []*session, first bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	first = !r.closed
	r.closed = true
	for _, sess := range r.sessions {
		sessions = append(sessions, sess)
	}
	return sessions, first
}

// whileOpen runs f with the lock held, unless the registry is closed,
// and reports whether it ran. Server.spawn starts goroutines so.
func (r *registry) whileOpen(f func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	f()
	return true
}

// Sessions.

// addSession admits sess, against the server's and its owner's shares
// (fairness.go), adds it, and calls started (which starts its hub): all
// in one hold of the lock.
func (r *registry) addSession(sess *session, started func()) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errShuttingDown
	}
	if err := r.admitSessionLocked(sess.owner); err != nil {
		return err
	}
	r.sessions[sess.id] = sess
	if sess.owner != "" {
		r.useLocked(sess.owner).sessions++
	}
	started()
	return nil
}

// session returns the open session with the ID, or nil.
func (r *registry) session(id string) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessions[id]
}

func (r *registry) removeSession(sess *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropSessionLocked(sess)
}

// sessionCount returns how many sessions are open.
func (r *registry) sessionCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sessions)
}

// sessionsOf lists the sessions an address (addrKey) owns.
func (r *registry) sessionsOf(owner string) []*session {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*session
	for _, sess := range r.sessions {
		if sess.owner == owner {
			out = append(out, sess)
		}
	}
	return out
}

// Classes.

// addClass adds the class newEntry makes for a free join code, for a
// presenter at the address owner (addrKey), unless the registry is
// closed, the owner's share is full, or full (called with the classes
// open here, with the lock held) says the server is.
func (r *registry) addClass(owner string, full func(open int) error, newEntry func(code string) *classEntry) (*classEntry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errShuttingDown
	}
	if u := r.perAddr[owner]; owner != "" && u != nil && u.classes >= r.maxClassesPerAddr {
		return nil, fmt.Errorf("start class for %s (%d open there): %w", owner, u.classes, errAddrClasses)
	}
	if err := full(len(r.classes)); err != nil {
		return nil, err
	}
	for range maxCodeTries {
		code := newClassCode()
		if _, taken := r.classes[code]; taken {
			continue
		}
		e := newEntry(code)
		r.classes[code] = e
		if owner != "" {
			r.useLocked(owner).classes++
		}
		return e, nil
	}
	return nil, errors.New("start class: no free join code")
}

// addMirror adds this instance's copy of another instance's class
// (cluster.go). It counts against no address.
func (r *registry) addMirror(e *classEntry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errShuttingDown
	}
	if _, taken := r.classes[e.code]; taken {
		return fmt.Errorf("class %s: mirrored twice", e.code)
	}
	r.classes[e.code] = e
	return nil
}

func (r *registry) removeClass(e *classEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.classes[e.code] == e {
		delete(r.classes, e.code)
		r.releaseLocked(e.owner, classesOf)
	}
}

// class returns the class with the code, or nil.
func (r *registry) class(code string) *classEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.classes[code]
}

// classList returns the open classes.
func (r *registry) classList() []*classEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*classEntry, 0, len(r.classes))
	for _, e := range r.classes {
		out = append(out, e)
	}
	return out
}

// classCount returns how many classes are open.
func (r *registry) classCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.classes)
}

// Connections.

// addConn counts v, a new websocket, against its address's share.
func (r *registry) addConn(v *viewer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errShuttingDown
	}
	if err := r.admitConnLocked(v.key); err != nil {
		return err
	}
	r.conns[v] = struct{}{}
	return nil
}

// removeConn takes v out, and gives its address's share back.
func (r *registry) removeConn(v *viewer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.conns[v]; ok {
		delete(r.conns, v)
		r.releaseLocked(v.key, connsOf)
	}
}

// closeConns closes every open websocket's connection at once, without
// a close frame.
func (r *registry) closeConns() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for v := range r.conns {
		v.conn.NetConn().Close()
	}
}

// connCount returns how many websockets are open.
func (r *registry) connCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// addrCount returns how many addresses hold something.
func (r *registry) addrCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.perAddr)
}

// addrUse returns what the address key holds.
func (r *registry) addrUse(key string) addrUse {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u := r.perAddr[key]; u != nil {
		return *u
	}
	return addrUse{}
}
