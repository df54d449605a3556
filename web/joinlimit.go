package web

import (
	"sync"
	"time"
)

// The limit on wrong join codes.

// joinLimiter is a token bucket of wrong join codes per network address
// (an IPv4 address, or an IPv6 /64, which one machine often has whole).
// Only wrong codes spend tokens. It tracks at most maxJoinAddrs addresses;
// when it has that many, it forgets those whose bucket is full again, and
// if none is, the new address shares one bucket with every other such.
type joinLimiter struct {
	rate, burst float64
	mu          sync.Mutex
	addrs       map[string]*bucket
	shared      bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newJoinLimiter(rate float64, burst int) *joinLimiter {
	return &joinLimiter{rate: rate, burst: float64(burst), addrs: map[string]*bucket{}}
}

// joinKey returns the address a remote address (host:port) counts as.
func joinKey(remote string) string {
	if k := addrKey(remote); k != "" {
		return k
	}
	return remote
}

// get returns key's bucket, refilled to now; l.mu is held.
func (l *joinLimiter) get(key string, now time.Time) *bucket {
	b := l.addrs[key]
	if b == nil {
		if len(l.addrs) >= maxJoinAddrs {
			for k, old := range l.addrs {
				if l.refill(old, now); old.tokens >= l.burst {
					delete(l.addrs, k)
				}
			}
		}
		if len(l.addrs) >= maxJoinAddrs {
			b = &l.shared
		} else {
			b = &bucket{tokens: l.burst, last: now}
			l.addrs[key] = b
		}
	}
	l.refill(b, now)
	return b
}

func (l *joinLimiter) refill(b *bucket, now time.Time) {
	if b.last.IsZero() {
		b.tokens = l.burst
	} else if d := now.Sub(b.last); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
	}
	b.last = now
}

// allowed reports whether key may try a code.
func (l *joinLimiter) allowed(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.get(key, now).tokens >= 1
}

// spend counts a wrong code from key.
func (l *joinLimiter) spend(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.get(key, now)
	b.tokens = max(0, b.tokens-1)
}
