package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"portville/web/internal/classbus"
	"portville/web/wire"
)

// Classes across instances (docs/hosting.md, "Several instances"). With
// Config.NATS set, a class's small state lives in NATS JetStream
// key-value and its moves travel on a subject per class
// (internal/classbus). The instance whose hub plays the class (its
// owner: where the presenter started it, or took it over) publishes a
// move for everything its viewers are sent; every other instance with
// followers of the class (a mirror) rebuilds the same timeline from the
// class's source (the simulator is deterministic) and turns the moves
// into the same messages for its own followers. The event stream itself
// never travels. This file and its siblings are the server's side: the
// keys and the view of the bucket every instance keeps (here), the
// writer (clusterwriter.go), opening a mirror (clustermirror.go), and
// what a class's hub asks of the cluster (clusterlink.go). classlink.go
// and classmirror.go are the hub's side.
//
// Keys of the bucket:
//
//	class.CODE         classRecord: the class
//	sid.SID            CODE: a presenter's session, to find the class again after a failover
//	count.CODE.INST    countEntry: an instance's followers of the class, rewritten every heartbeat
//	answer.CODE.FID    answerEntry: one follower's answers
//	src.HASH           a scenario's text or a lab's script (classSource.Hash is its SHA-256)

// Cluster timings.
const (
	clusterHeartbeat = 2 * time.Second // counts are rewritten this often
	countStale       = 3 * clusterHeartbeat
	recordEvery      = 100 * time.Millisecond // a class's record is written at most this often
	controlTimeout   = 3 * time.Second        // a control forwarded to the owner
	ownerPingTimeout = 750 * time.Millisecond // is the owner still there?
	maxForwards      = 16                     // controls a mirror holds for its owner
	maxSourceBytes   = classbus.MaxValueBytes // a class's scenario text or lab script
	sidRefresh       = time.Hour              // a presenter's sid key is written again this often
)

// classSource is what a class's timeline is built from.
type classSource struct {
	Kind   string `json:"kind"`             // "lesson", "scenario" or "lab"
	Lesson string `json:"lesson,omitempty"` // the lesson, or the lab's base town ("": the default town)
	OS     string `json:"os"`
	Seed   uint64 `json:"seed"`
	// SeedSet is a lab's: whether its seed was chosen.
	SeedSet bool   `json:"seed_set,omitempty"`
	Lang    string `json:"lang,omitempty"`
	Hash    string `json:"hash,omitempty"` // src.HASH: the scenario's text or the lab's script
}

// classRecord is a class in the bucket.
type classRecord struct {
	Code      string      `json:"code"`
	Owner     string      `json:"owner"` // the instance that plays it
	Base      string      `json:"base"`
	URL       string      `json:"url"`
	Loopback  bool        `json:"loopback,omitempty"`
	TokenHash string      `json:"token_hash"` // SHA-256 of the presenter token, hex
	Source    classSource `json:"source"`
	Timeline  uint64      `json:"timeline"`
	Cursor    uint64      `json:"cursor"`
	Playing   bool        `json:"playing,omitempty"`
	Speed     float64     `json:"speed"`
	Mode      string      `json:"mode"`
	Active    int64       `json:"active"` // Unix ms: a presenter's last word
	Epoch     uint64      `json:"epoch"`  // takeovers so far
	Move      uint64      `json:"move"`   // the last move this record includes, within Epoch
	Entries   int         `json:"entries,omitempty"`
}

// countEntry is one instance's followers of a class.
type countEntry struct {
	N  int       `json:"n"`
	at time.Time // when the server stored it
}

// answerEntry is one follower's answers on one of the class's timelines.
type answerEntry struct {
	Timeline uint64            `json:"timeline"`
	Answers  map[uint64]string `json:"answers"`
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func sourceHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// validFollowerID reports whether id could be one rand.Text made (26
// characters of base32), so that a follower who moves to another
// instance keeps its id and its answers.
func validFollowerID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// ErrNATS is New's error when --nats is set and NATS cannot be used: no
// server answers, the credentials are refused, JetStream is off.
var ErrNATS = errors.New("NATS")

// errClusterDown refuses what needs the other instances while NATS is
// unreachable.
var errClusterDown = errors.New("NATS is unreachable")

// cluster is one instance's part in the classes shared through NATS.
type cluster struct {
	srv *Server
	bus *classbus.Bus
	id  string // this instance

	mu sync.Mutex
	bucketView
	synced chan struct{} // closed once the watch has first read the bucket
	once   sync.Once
	gen    uint64 // the watch's generation, under wmu

	wmu     sync.Mutex
	pending map[string]pendingWrite
	order   []string
	revs    map[string]uint64 // class.CODE -> the revision this instance last wrote
	wake    chan struct{}
	srcs    sync.Map // src hashes written

	stopWatch func()
	closeOnce sync.Once
	quit      chan struct{}
	done      sync.WaitGroup
}

// pendingWrite is the latest value for a key, not yet written.
type pendingWrite struct {
	val []byte // nil: purge
	// lost is a record's: the writer calls it when another instance
	// has taken the class over.
	lost  func(owner string)
	isRec bool
}

// newCluster connects to NATS and reads the bucket.
func newCluster(s *Server) (*cluster, error) {
	c := &cluster{
		srv: s, id: strings.ToLower(rand.Text()[:10]),
		bucketView: newBucketView(), synced: make(chan struct{}),
		pending: map[string]pendingWrite{}, revs: map[string]uint64{},
		wake: make(chan struct{}, 1), quit: make(chan struct{}),
	}
	bus, err := classbus.Connect(context.Background(), classbus.Options{
		URLs: s.cfg.NATS, CredsFile: s.cfg.NATSCreds, Token: s.cfg.NATSToken,
		Name: "portville " + c.id, Log: s.log, OnReconnect: c.reconnected,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNATS, err)
	}
	c.bus = bus
	if err = c.watch(); err != nil {
		bus.Close()
		return nil, fmt.Errorf("%w: watch the class bucket: %v", ErrNATS, err)
	}
	select {
	case <-c.synced:
	case <-time.After(10 * time.Second):
		c.stopWatch()
		bus.Close()
		return nil, fmt.Errorf("%w: the class bucket did not answer within 10 s", ErrNATS)
	}
	c.done.Add(2)
	go c.writer()
	go c.heartbeat()
	s.log.Info("classes shared through NATS", "instance", c.id, "nats", s.cfg.NATS)
	return c, nil
}

// close writes what is pending, removes this instance's counts and
// closes the connection.
func (c *cluster) close() {
	c.closeOnce.Do(c.closeNow)
}

func (c *cluster) closeNow() {
	close(c.quit)
	c.done.Wait()
	c.mu.Lock()
	var mine []string
	for code, by := range c.counts {
		if _, ok := by[c.id]; ok {
			mine = append(mine, countKey(code, c.id))
		}
	}
	c.mu.Unlock()
	for _, k := range mine {
		c.bus.Purge(k)
	}
	c.wmu.Lock()
	stop := c.stopWatch
	c.wmu.Unlock()
	stop()
	c.bus.Close()
}

// kill drops the connection as a crash would (tests).
func (c *cluster) kill() {
	c.bus.Kill()
}

func classKey(code string) string       { return "class." + code }
func sidKey(sid string) string          { return "sid." + sid }
func countKey(code, inst string) string { return "count." + code + "." + inst }
func answerKey(code, fid string) string { return "answer." + code + "." + fid }
func srcKey(hash string) string         { return "src." + hash }

// watch (re)starts the watch of the bucket. Until the watch has read
// every key, what it reads goes into a fresh view; then that view
// replaces the old one, so keys removed while NATS was away go too.
func (c *cluster) watch() error {
	c.wmu.Lock()
	c.gen++
	gen := c.gen
	c.wmu.Unlock()
	var staged *bucketView
	fresh := newBucketView()
	staged = &fresh
	stop, err := c.bus.Watch(func(e classbus.Entry) {
		c.wmu.Lock()
		current := gen == c.gen
		c.wmu.Unlock()
		if !current {
			return // a watch that has been replaced
		}
		if e.Key == "" {
			c.mu.Lock()
			if staged != nil {
				c.bucketView, staged = *staged, nil
			}
			c.mu.Unlock()
			c.once.Do(func() { close(c.synced) })
			c.pokeAll()
			return
		}
		c.mu.Lock()
		v := &c.bucketView
		if staged != nil {
			v = staged
		}
		code, changed := v.apply(e)
		c.mu.Unlock()
		if changed && staged == nil {
			if e := c.srv.localClass(code); e != nil {
				e.sess.poke()
			}
		}
	})
	if err != nil {
		return err
	}
	c.wmu.Lock()
	old := c.stopWatch
	c.stopWatch = stop
	c.wmu.Unlock()
	if old != nil {
		go old()
	}
	return nil
}

// pokeAll tells every local class that the counts may have changed.
func (c *cluster) pokeAll() {
	for _, e := range c.srv.localClasses() {
		e.sess.poke()
	}
}

// bucketView is what an instance knows of the bucket.
type bucketView struct {
	records map[string]classRecord            // by code
	counts  map[string]map[string]countEntry  // code -> instance -> followers
	answers map[string]map[string]answerEntry // code -> follower -> answers
	sids    map[string]map[string]bool        // code -> presenters' sessions, on any instance
}

func newBucketView() bucketView {
	return bucketView{records: map[string]classRecord{}, counts: map[string]map[string]countEntry{}, answers: map[string]map[string]answerEntry{}, sids: map[string]map[string]bool{}}
}

// apply takes one change into the view; it reports the class and whether
// its counts or answers changed.
func (v *bucketView) apply(e classbus.Entry) (string, bool) {
	kind, rest, _ := strings.Cut(e.Key, ".")
	code, sub, _ := strings.Cut(rest, ".")
	switch kind {
	case "class":
		if e.Value == nil {
			delete(v.records, code)
			return code, false
		}
		var r classRecord
		if json.Unmarshal(e.Value, &r) == nil {
			v.records[code] = r
		}
		return code, false
	case "count":
		var ce countEntry
		if e.Value == nil || json.Unmarshal(e.Value, &ce) != nil {
			dropIn(v.counts, code, sub)
			return code, true
		}
		ce.at = e.Created
		putIn(v.counts, code, sub, ce)
		return code, true
	case "sid":
		// The key is sid.SID, the value the class's code.
		sid := code
		if e.Value == nil {
			for c := range v.sids {
				dropIn(v.sids, c, sid)
			}
			return "", false
		}
		putIn(v.sids, string(e.Value), sid, true)
		return string(e.Value), false
	case "answer":
		var ae answerEntry
		if e.Value == nil || json.Unmarshal(e.Value, &ae) != nil {
			dropIn(v.answers, code, sub)
			return code, true
		}
		putIn(v.answers, code, sub, ae)
		return code, true
	}
	return code, false
}

// othersFollowing returns the followers of a class on every instance but
// this one, as their latest counts say.
func (c *cluster) othersFollowing(code string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.othersLocked(code)
}

func (c *cluster) othersLocked(code string) int {
	n := 0
	for inst, ce := range c.counts[code] {
		if inst != c.id && time.Since(ce.at) < countStale {
			n += ce.N
		}
	}
	return n
}

// othersFollowingAll returns the followers of every class on the other
// instances: with this instance's own, what Config.MaxFollowers bounds.
func (c *cluster) othersFollowingAll() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for code := range c.counts {
		n += c.othersLocked(code)
	}
	return n
}

// classCount returns how many classes the bucket holds.
func (c *cluster) classCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.records)
}

// tally counts the answers of a class's timeline tl, over every
// instance; mine is one follower's.
func (c *cluster) tally(code string, tl uint64) map[uint64]map[string]uint32 {
	out := map[uint64]map[string]uint32{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ae := range c.answers[code] {
		if ae.Timeline != tl {
			continue
		}
		for n, choice := range ae.Answers {
			if out[n] == nil {
				out[n] = map[string]uint32{}
			}
			out[n][choice]++
		}
	}
	return out
}

// answersOf returns a follower's answers on timeline tl, as any instance
// took them.
func (c *cluster) answersOf(code, fid string, tl uint64) map[uint64]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ae, ok := c.answers[code][fid]; ok && ae.Timeline == tl {
		return ae.Answers
	}
	return nil
}

func (c *cluster) record(code string) (classRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.records[code]
	return r, ok
}

// putSource writes a scenario's text or a lab's script under its hash,
// once.
func (c *cluster) putSource(hash, text string) error {
	if _, done := c.srcs.Load(hash); done {
		return nil
	}
	if len(text) > maxSourceBytes {
		return userErrorf(wire.CodeBadValue, "this class's scenario is %d KiB, more than the %d KiB the servers share", len(text)>>10, maxSourceBytes>>10)
	}
	if err := c.bus.Put(srcKey(hash), []byte(text)); err != nil {
		return err
	}
	c.srcs.Store(hash, true)
	return nil
}

func (c *cluster) getRecord(code string) (classRecord, uint64, error) {
	data, rev, err := c.bus.Get(classKey(code))
	if err != nil {
		return classRecord{}, 0, err
	}
	var r classRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return classRecord{}, 0, fmt.Errorf("class %s: its record: %w", code, err)
	}
	return r, rev, nil
}

// classOfSession returns the class a presenter's session (on any
// instance) belongs to.
func (c *cluster) classOfSession(sid string) (string, error) {
	data, _, err := c.bus.Get(sidKey(sid))
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// putIn sets m[a][b], making m[a] when needed.
func putIn[V any](m map[string]map[string]V, a, b string, v V) {
	if m[a] == nil {
		m[a] = map[string]V{}
	}
	m[a][b] = v
}

// dropIn deletes m[a][b], and m[a] when it is left empty.
func dropIn[V any](m map[string]map[string]V, a, b string) {
	if by := m[a]; by != nil {
		if delete(by, b); len(by) == 0 {
			delete(m, a)
		}
	}
}
