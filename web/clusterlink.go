package web

import (
	"encoding/json"
	"errors"
	"fmt"

	"portville/web/internal/classbus"
)

// What a class's hub (classlink.go) asks of the other instances: the
// cluster's side of a class's link. The hub calls these and never the
// bus, the cluster's lock or its view of the bucket.

// errNoOwner: no instance answers a class's controls; its owner is gone.
var errNoOwner = errors.New("no instance plays the class")

// instance returns this instance's id, the Owner of the records and
// moves it writes.
func (c *cluster) instance() string { return c.id }

// connected reports whether NATS is reachable now.
func (c *cluster) connected() bool { return c.bus.Connected() }

// createClass writes a new class's record, which claims its code across
// instances: errCodeTaken when another instance holds a class with the
// code.
func (c *cluster) createClass(r classRecord) error {
	rev, err := c.bus.Create(classKey(r.Code), mustJSON(r))
	if errors.Is(err, classbus.ErrExists) {
		return errCodeTaken
	}
	if err != nil {
		return fmt.Errorf("share the class: %w: %v", errClusterDown, err)
	}
	c.setRev(r.Code, rev)
	return nil
}

// claimClass writes r, which names this instance the class's owner, if
// the class's record is still at revision rev: a compare-and-set, so
// two instances cannot both take a class over.
func (c *cluster) claimClass(r classRecord, rev uint64) error {
	n, err := c.bus.Update(classKey(r.Code), mustJSON(r), rev)
	if err != nil {
		return err
	}
	c.setRev(r.Code, n)
	return nil
}

// stopFunc ends a subscription; nil is none.
type stopFunc func()

func (f stopFunc) stop() {
	if f != nil {
		f()
	}
}

// followMoves calls f with each move of the class that another instance
// sent, in order, on the subscription's goroutine.
func (c *cluster) followMoves(code string, f func(classMove)) (stopFunc, error) {
	sub, err := c.bus.Follow(code, func(data []byte) {
		var m classMove
		if json.Unmarshal(data, &m) != nil || m.Owner == c.id {
			return
		}
		f(m)
	})
	if err != nil {
		return nil, err
	}
	return sub.Stop, nil
}

// serveControls answers the class's controls from other instances (the
// owner's side) with handle's messages, on the subscription's goroutine;
// a ping gets "{}" without handle. handle reports false when it has no
// answer, and the control then gets none.
func (c *cluster) serveControls(code string, handle func(*ctlReq) ([]json.RawMessage, bool)) (stopFunc, error) {
	sub, err := c.bus.Serve(code, func(data []byte) []byte {
		var req ctlReq
		if json.Unmarshal(data, &req) != nil {
			return nil
		}
		if req.Ping || req.Cmd == nil {
			return []byte("{}")
		}
		msgs, ok := handle(&req)
		if !ok {
			return nil
		}
		return mustJSON(msgs)
	})
	if err != nil {
		return nil, err
	}
	return sub.Stop, nil
}

// sendControl hands a mirror presenter's control to the class's owner,
// waiting up to controlTimeout, and returns the messages the owner sent
// back for that presenter; errNoOwner when no instance answers.
func (c *cluster) sendControl(code string, req ctlReq) ([]json.RawMessage, error) {
	data, err := c.bus.Request(code, mustJSON(req), controlTimeout)
	if errors.Is(err, classbus.ErrNoOwner) {
		return nil, errNoOwner
	}
	if err != nil {
		return nil, fmt.Errorf("class %s: %w: %v", code, errClusterDown, err)
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(data, &msgs); err != nil {
		return msgs, fmt.Errorf("class %s: the owner's reply: %w", code, err)
	}
	return msgs, nil
}

// ownerThere reports whether the class's owner answers a ping within
// ownerPingTimeout.
func (c *cluster) ownerThere(code string) bool {
	_, err := c.bus.Request(code, []byte(`{"ping":true}`), ownerPingTimeout)
	return err == nil
}

// publishMove sends a move of a class this instance owns to the
// instances that mirror it.
func (c *cluster) publishMove(code string, m classMove) error {
	return c.bus.Publish(code, mustJSON(m))
}

// writeCount queues this instance's followers of the class, n; none
// when n is 0.
func (c *cluster) writeCount(code string, n int) {
	if n == 0 {
		c.queue(countKey(code, c.id), nil)
	} else {
		c.queue(countKey(code, c.id), mustJSON(countEntry{N: n}))
	}
}

// writeSid queues the key by which a presenter of the session sid finds
// the class again from any instance.
func (c *cluster) writeSid(sid, code string) {
	c.queue(sidKey(sid), []byte(code))
}

// unshare ends this instance's part in the class: its count goes. With
// ending, the class is over for every instance, and its record and every
// key of it this instance knows of go too.
func (c *cluster) unshare(code string, ending bool) {
	c.queue(countKey(code, c.id), nil)
	if !ending {
		// The sid key stays: a presenter of this session that reconnects
		// to another instance finds the class by it.
		return
	}
	c.queue(classKey(code), nil)
	c.mu.Lock()
	var keys []string
	for sid := range c.sids[code] {
		keys = append(keys, sidKey(sid))
	}
	for fid := range c.answers[code] {
		keys = append(keys, answerKey(code, fid))
	}
	for inst := range c.counts[code] {
		keys = append(keys, countKey(code, inst))
	}
	c.mu.Unlock()
	for _, k := range keys {
		c.queue(k, nil)
	}
}
