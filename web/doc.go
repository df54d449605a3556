// Package web serves Portville in a browser: the lesson pages (templ
// components), the static front end, and the websocket sessions that
// stream a simulation to it. routes.go lists every route; protocol.go is
// the Go side of the websocket contract, docs/protocol.md.
//
// # Sessions
//
// Each browser that opens a lesson gets a session. A session holds a
// timeline, the whole event stream of one scenario with one OS profile
// and one seed, computed once when the session loads it, with every
// event's JSON encoded once. A cursor says how many events the viewers
// have been shown. The player paces the cursor in wall time against an
// injected Clock: per-kind delays divided by the speed; a checkpoint event
// pauses. Stepping back and seeking re-run the deterministic scenario to
// the target event and send a snapshot of the world there.
//
// # Concurrency
//
// Each session has one hub goroutine (hub.go). It alone owns the
// session's timeline, cursor, player, idle timer and viewers; other
// goroutines reach it only through its channels, so none of that state
// has a lock. Each viewer (a websocket) has a reader goroutine, which
// decodes and checks messages (and runs the scenario of a load, so a big
// inline scenario does not stall the hub) and hands them to the hub, and
// a writer goroutine, which writes what the hub queued for it and pings
// the browser. A session with no viewer for the idle timeout ends itself.
// Server.Shutdown ends every session; each viewer then gets a close frame
// with status 1001 (going away).
//
// # Slow viewers
//
// The simulation never waits for a browser. The hub encodes each message
// once (a websocket.PreparedMessage shared by every viewer) and puts it
// on each viewer's send queue without blocking. A viewer is dropped:
//
//   - when its queue is full (the lag bound: sendQueueLen messages not yet
//     written). The hub closes that connection at once, without a close
//     frame a viewer this far behind would not read;
//   - when a write does not finish within writeWait (the write deadline).
//     The writer closes the connection;
//   - when nothing, not even a pong, arrives for pongWait.
//
// Neither the session nor its other viewers wait for a dropped viewer. A
// browser that was dropped may reconnect with ?session=SID&after=N: it gets
// the events it missed, exactly once, or a snapshot when they are gone or
// too many.
//
// # Classroom
//
// A session becomes a class when its viewer sends class.start (class.go,
// docs/protocol.md "Classroom"). The class is hub state like the rest:
// the hub owns its followers, their answers, the mode and two timers (the
// class idle time, and the pacing of the class.stats it sends the
// presenters, at most one per classStatsInterval). Followers are viewers
// without control: they get the very frames the presenter gets, so a
// class of 2,000 costs one encoding per message and 2,000 queue sends,
// and a slow follower is dropped like any viewer. The server's registry
// maps each join code to its session for the HTTP routes (the join page,
// a follower's page, the QR code); the hub adds and removes the entry.
// A follower's private copy (free mode) is an ordinary session on the
// class's immutable timeline, which the class ends when the presenter
// takes control back.
//
// # Limits
//
// Config bounds the sessions per server, the viewers per session, the
// idle time of a session, the size of an incoming message (a larger one
// closes the connection with 1009) and the control messages a viewer may
// send per second (a token bucket; extra messages get a rate_limited
// error and are ignored), the classes per server, the followers of all
// classes together and the idle time of a class. The constants in
// server.go and class.go bound everything else: queues, batches,
// timeouts, follower ids per class, wrong join codes per address.
package web
