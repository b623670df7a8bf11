package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
)

// headerDev is the header the dashboard sends with every request. A web
// page of another site cannot add it without a CORS preflight, which
// drivemon dev never approves, so a request that changes something and
// carries it came from the dashboard or a tool, not from a cross-site form.
const headerDev = "X-Drivemon"

// devGuard protects drivemon dev's HTTP server, which trusts loopback
// clients, from the other web pages its author visits:
//   - every route refuses a Host that is not the listen host, localhost,
//     127.0.0.1 or ::1, so a name rebound to 127.0.0.1 (DNS rebinding)
//     reads nothing;
//   - a request that may change something (any method but GET, HEAD,
//     OPTIONS) needs "X-Drivemon: 1" and is refused when its Origin or
//     Sec-Fetch-Site names another site (http.CrossOriginProtection).
func devGuard(listen string) func(http.Handler) http.Handler {
	hosts := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	if h, _, err := net.SplitHostPort(listen); err == nil {
		if ip := net.ParseIP(h); h != "" && (ip == nil || !ip.IsUnspecified()) {
			hosts[strings.ToLower(h)] = true
		}
	}
	cross := http.NewCrossOriginProtection()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !hosts[hostOnly(r.Host)] {
				refuse(w, "Host "+r.Host+" is not this server's (use localhost, 127.0.0.1 or the --http address)")
				return
			}
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if r.Header.Get(headerDev) != "1" {
					refuse(w, "a request that changes something needs the header "+headerDev+": 1")
					return
				}
				if err := cross.Check(r); err != nil {
					refuse(w, "cross-origin request refused: "+err.Error())
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// hostOnly is the lower-cased host of a Host header, without port or
// brackets.
func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
	}
	return strings.ToLower(h)
}

func refuse(w http.ResponseWriter, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": reason})
}
