package themer

import (
	"net/http"
	"testing"
)

func TestLimiter(t *testing.T) {
	type step struct {
		ip         string
		wantStatus int // 0: admitted
		release    int // release the n-th admitted slot (1-based) before this step, 0: none
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{
			name: "per address first",
			steps: []step{
				{ip: "a"}, {ip: "a"}, {ip: "a", wantStatus: http.StatusTooManyRequests}, {ip: "b"},
			},
		},
		{
			name: "global limit",
			steps: []step{
				{ip: "a"}, {ip: "b"}, {ip: "c"}, {ip: "d", wantStatus: http.StatusServiceUnavailable},
			},
		},
		{
			name: "a released slot is reusable",
			steps: []step{
				{ip: "a"}, {ip: "a"}, {ip: "a", release: 1}, {ip: "a", wantStatus: http.StatusTooManyRequests},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(3, 2)
			var releases []func()
			for i, s := range tt.steps {
				if s.release > 0 {
					releases[s.release-1]()
					releases[s.release-1]() // twice: counted once
				}
				rel, status, reason := l.acquire(s.ip)
				if status != s.wantStatus {
					t.Fatalf("step %d (%s): status %d (%s), want %d", i, s.ip, status, reason, s.wantStatus)
				}
				if s.wantStatus == 0 {
					releases = append(releases, rel)
				} else if rel != nil || reason == "" {
					t.Fatalf("step %d: refused without a reason or with a release", i)
				}
			}
		})
	}
}
