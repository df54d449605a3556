package web

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The limit on wrong join codes.

// joinLimiter is a token bucket (golang.org/x/time/rate) of wrong join
// codes per network address (an IPv4 address, or an IPv6 /64, which one
// machine often has whole). Only wrong codes spend tokens. It tracks at
// most maxJoinAddrs addresses; when it has that many, it forgets those
// whose bucket is full again, and if none is, the new address shares one
// bucket with every other such.
type joinLimiter struct {
	rate   rate.Limit
	burst  int
	mu     sync.Mutex
	addrs  map[string]*rate.Limiter
	shared *rate.Limiter
}

func newJoinLimiter(perSecond float64, burst int) *joinLimiter {
	return &joinLimiter{rate: rate.Limit(perSecond), burst: burst, addrs: map[string]*rate.Limiter{}, shared: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

// joinKey returns the address a remote address (host:port) counts as.
func joinKey(remote string) string {
	if k := addrKey(remote); k != "" {
		return k
	}
	return remote
}

// get returns key's bucket; l.mu is held.
func (l *joinLimiter) get(key string, now time.Time) *rate.Limiter {
	if b := l.addrs[key]; b != nil {
		return b
	}
	if len(l.addrs) >= maxJoinAddrs {
		for k, old := range l.addrs {
			if old.TokensAt(now) >= float64(l.burst) {
				delete(l.addrs, k)
			}
		}
	}
	if len(l.addrs) >= maxJoinAddrs {
		return l.shared
	}
	b := rate.NewLimiter(l.rate, l.burst)
	l.addrs[key] = b
	return b
}

// allowed reports whether key may try a code.
func (l *joinLimiter) allowed(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.get(key, now).TokensAt(now) >= 1
}

// spend counts a wrong code from key (none left: nothing more to spend).
func (l *joinLimiter) spend(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.get(key, now).AllowN(now, 1)
}
