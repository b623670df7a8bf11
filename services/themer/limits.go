package themer

import (
	"fmt"
	"net"
	"net/http"
	"sync"
)

// limiter counts open streams in total and per client address.
type limiter struct {
	max, maxPerIP int

	mu    sync.Mutex
	total int
	perIP map[string]int
}

func newLimiter(max, maxPerIP int) *limiter {
	return &limiter{max: max, maxPerIP: maxPerIP, perIP: map[string]int{}}
}

// acquire takes a slot for ip. It returns a release function, or the HTTP
// status (503 when the replica is full, 429 when that address is) and the
// reason.
func (l *limiter) acquire(ip string) (release func(), status int, reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max {
		return nil, http.StatusServiceUnavailable, fmt.Sprintf("this themer serves its maximum of %d streams", l.max)
	}
	if l.perIP[ip] >= l.maxPerIP {
		return nil, http.StatusTooManyRequests, fmt.Sprintf("address %s has its maximum of %d streams open", ip, l.maxPerIP)
	}
	l.total++
	l.perIP[ip]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.perIP[ip]--; l.perIP[ip] <= 0 {
				delete(l.perIP, ip)
			}
		})
	}, 0, ""
}

// clientIP is the address the limit per IP counts: the peer of the TCP
// connection. Forwarding headers are not trusted: behind a proxy, limit
// per IP at the proxy.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
