// Package classbus is what Portville's instances share through NATS
// (DESIGN.md "More than one machine", docs/hosting.md): one JetStream
// key-value bucket for the classes' small state, and two subjects per
// class, one for its moves and one for controls sent to the instance that
// owns it. It knows nothing of sessions or timelines; package web says
// what the keys and messages hold.
package classbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Bounds of what the bucket holds.
const (
	// Bucket is the key-value bucket's name.
	Bucket = "portville_classes"
	// MaxValueBytes bounds one value (a lab's script is the largest).
	MaxValueBytes = 512 << 10
	// MaxBucketBytes bounds the whole bucket.
	MaxBucketBytes = 256 << 20
	// MaxAge is how long a key lives after its last write: keys an
	// instance that died left behind go by themselves.
	MaxAge = 24 * time.Hour
	// opTimeout bounds one key-value operation.
	opTimeout = 5 * time.Second
)

// Errors a caller tells apart.
var (
	// ErrNotFound: no such key.
	ErrNotFound = errors.New("no such key")
	// ErrExists: Create found the key there already.
	ErrExists = errors.New("key exists")
	// ErrConflict: Update's revision is no longer the key's last.
	ErrConflict = errors.New("the key changed since it was read")
	// ErrNoOwner: nobody answers on the class's control subject.
	ErrNoOwner = errors.New("no instance owns the class")
	// ErrDisconnected: NATS is unreachable right now.
	ErrDisconnected = errors.New("NATS is unreachable")
)

// Options say where NATS is and how to log in.
type Options struct {
	URLs      string // nats://host:port[,nats://...]
	CredsFile string // a .creds file (JWT and seed), or ""
	Token     string // a token, or ""
	Name      string // the connection's name, shown by the server
	Log       *slog.Logger
	// OnReconnect runs (on the client library's goroutine) once the
	// connection is back after a loss.
	OnReconnect func()
}

// Bus is one instance's connection to NATS and the class bucket.
type Bus struct {
	nc  *nats.Conn
	kv  jetstream.KeyValue
	log *slog.Logger
}

// Connect connects to NATS and opens (or makes) the class bucket. It
// fails at once when no server answers or JetStream is off; once it has
// connected, the client library reconnects by itself after a loss.
func Connect(ctx context.Context, o Options) (*Bus, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.Timeout(3 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			o.Log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			o.Log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
			if o.OnReconnect != nil {
				o.OnReconnect()
			}
		}),
	}
	if o.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.Token != "" {
		opts = append(opts, nats.Token(o.Token))
	}
	nc, err := nats.Connect(o.URLs, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", redact(o.URLs), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS at %s: %w", redact(o.URLs), err)
	}
	cctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	kv, err := js.CreateOrUpdateKeyValue(cctx, jetstream.KeyValueConfig{
		Bucket:       Bucket,
		Description:  "Portville classes shared by its instances",
		History:      1,
		TTL:          MaxAge,
		MaxValueSize: MaxValueBytes,
		MaxBytes:     MaxBucketBytes,
		Storage:      jetstream.FileStorage,
	})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS at %s: open the key-value bucket %s (is JetStream on?): %w", redact(o.URLs), Bucket, err)
	}
	return &Bus{nc: nc, kv: kv, log: o.Log}, nil
}

// redact drops passwords from URLs, for messages.
func redact(urls string) string {
	var out []string
	for _, u := range strings.Split(urls, ",") {
		if at := strings.LastIndexByte(u, '@'); at >= 0 {
			if i := strings.Index(u, "://"); i >= 0 && i < at {
				u = u[:i+3] + "***" + u[at:]
			}
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}

// Connected reports whether NATS is reachable now.
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

// Close closes the connection, flushing what it has buffered.
func (b *Bus) Close() {
	if !b.nc.IsClosed() {
		b.nc.Drain()
		deadline := time.Now().Add(2 * time.Second)
		for !b.nc.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		b.nc.Close()
	}
}

// Kill closes the connection at once, buffered messages lost: an instance
// that dies (tests).
func (b *Bus) Kill() { b.nc.Close() }

// Stats are the connection's message counts.
func (b *Bus) Stats() nats.Statistics { return b.nc.Stats() }

func (b *Bus) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

func (b *Bus) kvErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return ErrNotFound
	case errors.Is(err, jetstream.ErrKeyExists):
		return ErrExists
	case !b.nc.IsConnected():
		return fmt.Errorf("%w: %v", ErrDisconnected, err)
	}
	return err
}

// Get returns a key's value and revision.
func (b *Bus) Get(key string) ([]byte, uint64, error) {
	ctx, cancel := b.ctx()
	defer cancel()
	e, err := b.kv.Get(ctx, key)
	if err != nil {
		return nil, 0, b.kvErr(err)
	}
	return e.Value(), e.Revision(), nil
}

// Create writes a key that must not exist yet.
func (b *Bus) Create(key string, val []byte) (uint64, error) {
	ctx, cancel := b.ctx()
	defer cancel()
	rev, err := b.kv.Create(ctx, key, val)
	return rev, b.kvErr(err)
}

// Update writes a key whose last revision is rev.
func (b *Bus) Update(key string, val []byte, rev uint64) (uint64, error) {
	ctx, cancel := b.ctx()
	defer cancel()
	n, err := b.kv.Update(ctx, key, val, rev)
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return 0, ErrConflict
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, ErrConflict
	}
	return n, b.kvErr(err)
}

// Put writes a key.
func (b *Bus) Put(key string, val []byte) error {
	ctx, cancel := b.ctx()
	defer cancel()
	_, err := b.kv.Put(ctx, key, val)
	return b.kvErr(err)
}

// Purge removes a key and its history.
func (b *Bus) Purge(key string) error {
	ctx, cancel := b.ctx()
	defer cancel()
	return b.kvErr(b.kv.Purge(ctx, key))
}

// Entry is one change the watcher saw: a key's new value, or its removal
// (Value nil).
type Entry struct {
	Key     string
	Value   []byte
	Created time.Time // when the server stored it
}

// Watch calls f with every key's value, then with every change, on one
// goroutine, until stop is called. A nil Entry.Key marks the end of the
// initial values. After a loss of NATS the watch goes on by itself.
func (b *Bus) Watch(f func(Entry)) (stop func(), err error) {
	w, err := b.kv.WatchAll(context.Background())
	if err != nil {
		return nil, b.kvErr(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range w.Updates() {
			if e == nil {
				f(Entry{})
				continue
			}
			ent := Entry{Key: e.Key(), Created: e.Created()}
			if e.Operation() == jetstream.KeyValuePut {
				ent.Value = e.Value()
			}
			f(ent)
		}
	}()
	return func() {
		w.Stop()
		select {
		case <-done:
		case <-time.After(time.Second): // a connection that is gone may never close the channel
		}
	}, nil
}

// Subjects.

func movesSubject(code string) string   { return "portville.class." + code + ".moves" }
func controlSubject(code string) string { return "portville.class." + code + ".control" }

// Publish sends a class's move to every instance that follows it. While
// NATS is away the client library buffers it.
func (b *Bus) Publish(code string, data []byte) error {
	return b.nc.Publish(movesSubject(code), data)
}

// Sub is a subscription; Stop ends it.
type Sub struct{ s *nats.Subscription }

// Stop ends the subscription.
func (s *Sub) Stop() {
	if s != nil && s.s != nil {
		s.s.Unsubscribe()
	}
}

// maxPendingMsgs bounds the moves an instance holds for one class before
// it drops some (then the next move carries the cursor, and the instance
// catches up from its own timeline).
const maxPendingMsgs = 4096

// Follow calls f with each move of the class, in order, on one goroutine.
func (b *Bus) Follow(code string, f func([]byte)) (*Sub, error) {
	s, err := b.nc.Subscribe(movesSubject(code), func(m *nats.Msg) { f(m.Data) })
	if err != nil {
		return nil, err
	}
	s.SetPendingLimits(maxPendingMsgs, 64<<20)
	return &Sub{s}, nil
}

// Serve answers the class's controls with f's reply: the owner's side.
func (b *Bus) Serve(code string, f func(req []byte) []byte) (*Sub, error) {
	s, err := b.nc.Subscribe(controlSubject(code), func(m *nats.Msg) {
		if reply := f(m.Data); reply != nil {
			m.Respond(reply)
		}
	})
	if err != nil {
		return nil, err
	}
	s.SetPendingLimits(maxPendingMsgs, 64<<20)
	return &Sub{s}, nil
}

// Request sends a control to the class's owner and returns its reply;
// ErrNoOwner when no instance serves the class.
func (b *Bus) Request(code string, data []byte, timeout time.Duration) ([]byte, error) {
	if !b.nc.IsConnected() {
		return nil, ErrDisconnected
	}
	m, err := b.nc.Request(controlSubject(code), data, timeout)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, ErrNoOwner
	case err != nil:
		return nil, err
	}
	return m.Data, nil
}
