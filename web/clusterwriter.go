package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"portville/web/internal/classbus"
)

// The writer. Every write but a class's creation and a takeover goes
// through it: the latest value per key, in the order the keys were first
// queued, retried while NATS is away.

// queue schedules a write of val to key (nil: purge).
func (c *cluster) queue(key string, val []byte) { c.queueFor(key, val, nil) }

// queueRecord schedules a class record, written with the revision this
// instance last wrote: when another instance has taken the class over,
// the writer calls lost with that instance's id, on its own
// goroutine.
func (c *cluster) queueRecord(r classRecord, lost func(owner string)) {
	c.queueFor(classKey(r.Code), mustJSON(r), lost)
}

// queueFor schedules a write of val to key; a record comes with its lost
// callback, any other value with nil.
func (c *cluster) queueFor(key string, val []byte, lost func(owner string)) {
	c.wmu.Lock()
	if _, ok := c.pending[key]; !ok {
		c.order = append(c.order, key)
	}
	c.pending[key] = pendingWrite{val: val, lost: lost, isRec: lost != nil}
	c.wmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *cluster) writer() {
	defer c.done.Done()
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		select {
		case <-c.wake:
		case <-retry.C:
		case <-c.quit:
			c.flush()
			return
		}
		if !c.flush() {
			retry.Reset(250 * time.Millisecond)
		}
		// Records are written at most every recordEvery: a class that
		// plays 20 events a second writes 10 times a second.
		select {
		case <-time.After(recordEvery):
		case <-c.quit:
			c.flush()
			return
		}
	}
}

// flush writes what is pending; false when something must be tried again.
func (c *cluster) flush() bool {
	c.wmu.Lock()
	keys, writes := c.order, c.pending
	c.order, c.pending = nil, map[string]pendingWrite{}
	c.wmu.Unlock()
	for i, key := range keys {
		w := writes[key]
		if err := c.write(key, w); err != nil {
			if errors.Is(err, classbus.ErrDisconnected) || !c.bus.Connected() {
				// Put back what is left, unless newer values came.
				c.wmu.Lock()
				for _, k := range keys[i:] {
					if _, newer := c.pending[k]; !newer {
						c.pending[k] = writes[k]
						c.order = append(c.order, k)
					}
				}
				c.wmu.Unlock()
				return false
			}
			c.srv.log.Warn("class bucket write", "key", key, "err", err)
		}
	}
	return true
}

func (c *cluster) write(key string, w pendingWrite) error {
	if w.val == nil {
		err := c.bus.Purge(key)
		c.wmu.Lock()
		delete(c.revs, key)
		c.wmu.Unlock()
		return err
	}
	if !w.isRec {
		return c.bus.Put(key, w.val)
	}
	c.wmu.Lock()
	rev, known := c.revs[key]
	c.wmu.Unlock()
	for range 3 {
		if !known {
			_, r, err := c.bus.Get(key)
			if errors.Is(err, classbus.ErrNotFound) {
				return nil // the class has ended
			}
			if err != nil {
				return err
			}
			rev, known = r, true
		}
		n, err := c.bus.Update(key, w.val, rev)
		if err == nil {
			c.wmu.Lock()
			c.revs[key] = n
			c.wmu.Unlock()
			return nil
		}
		if !errors.Is(err, classbus.ErrConflict) {
			return err
		}
		// Someone else wrote the class: still ours?
		cur, r, err := c.bus.Get(key)
		if err != nil {
			return err
		}
		var rec classRecord
		if json.Unmarshal(cur, &rec) == nil && rec.Owner != c.id {
			w.lost(rec.Owner)
			return nil
		}
		rev = r
	}
	return fmt.Errorf("write %s: it keeps changing", key)
}

// setRev notes the revision of a record this instance wrote itself.
func (c *cluster) setRev(code string, rev uint64) {
	c.wmu.Lock()
	c.revs[classKey(code)] = rev
	c.wmu.Unlock()
}

// heartbeat rewrites this instance's counts, so that the others know they
// are current, and its presenters' sid keys now and then.
func (c *cluster) heartbeat() {
	defer c.done.Done()
	t := time.NewTicker(clusterHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-c.quit:
			return
		}
		for _, e := range c.srv.localClasses() {
			e.sess.heartbeat()
		}
	}
}

// reconnected runs when NATS is back: every class catches up with what it
// missed meanwhile.
func (c *cluster) reconnected() {
	// A watch across a restart of the server may miss what changed
	// meanwhile: read the bucket again.
	if err := c.watch(); err != nil {
		c.srv.log.Warn("class bucket: watch again", "err", err)
	}
	for _, e := range c.srv.localClasses() {
		if r, _, err := c.getRecord(e.code); err == nil {
			c.sync(e.sess, r)
		}
	}
}
