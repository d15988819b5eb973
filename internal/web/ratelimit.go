package web

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"escudo"
	"escudo/internal/store"
)

// AddrLimiter limits requests per client address with one token bucket per
// address. The map is bounded: when full, idle buckets (already refilled, so
// forgetting them changes nothing) go first, then the least recently seen.
type AddrLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	max     int
	now     func() time.Time
	buckets map[string]*addrBucket
}

type addrBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewAddrLimiter allows perMinute requests a minute per address, in bursts
// of up to perMinute, remembering at most max addresses.
func NewAddrLimiter(perMinute, max int, now func() time.Time) *AddrLimiter {
	if perMinute <= 0 {
		perMinute = 5
	}
	if max <= 0 {
		max = 10000
	}
	if now == nil {
		now = time.Now
	}
	return &AddrLimiter{every: rate.Limit(float64(perMinute) / 60), burst: perMinute, max: max, now: now, buckets: map[string]*addrBucket{}}
}

// allow takes one token for addr, or reports how long until one is free.
func (l *AddrLimiter) Allow(addr string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &addrBucket{lim: rate.NewLimiter(l.every, l.burst)}
		l.buckets[addr] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// evict drops idle buckets, or the least recently seen one if none is idle.
func (l *AddrLimiter) evict(now time.Time) {
	refill := time.Duration(float64(l.burst) / float64(l.every) * float64(time.Second))
	var oldest string
	var oldestSeen time.Time
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= refill {
			delete(l.buckets, k)
			continue
		}
		if oldest == "" || b.seen.Before(oldestSeen) {
			oldest, oldestSeen = k, b.seen
		}
	}
	if len(l.buckets) >= l.max && oldest != "" {
		delete(l.buckets, oldest)
	}
}

// size is the number of addresses remembered.
func (l *AddrLimiter) Size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ClientAddr is the key of the client's address for rate limits and
// lockouts: the IPv4 address, or the /64 network of an IPv6 one, since a
// single subscriber commonly holds a whole /64 (store.AddressKey). The
// address is the one the server's middleware put in the context, which
// believes forwarding headers only from configured trusted proxies; a
// request that did not pass the middleware counts by its peer.
func ClientAddr(r *http.Request) string {
	if a := store.RemoteFromContext(r.Context()); a != "" {
		return store.AddressKey(a)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return store.AddressKey(host)
}

// rateLimited wraps a public handler with the per-address limit.
func (s *Core) RateLimited(l *AddrLimiter, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.Allow(ClientAddr(r)); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			s.APIError(w, r, escudo.Errorf(escudo.ETOOMANY, "error.too_many"))
			return
		}
		next(w, r)
	}
}
