package bus

import (
	"context"
	"testing"
)

func TestReplicas(t *testing.T) {
	bg := context.Background()
	three := WithReplicas(bg, 3)
	for _, tt := range []struct {
		name       string
		ctx        context.Context
		want, have int
		got        int
	}{
		{"nothing asked: one", bg, 0, 0, 1},
		{"the definition's", bg, 2, 0, 2},
		{"the deployment's over the definition's", three, 1, 0, 3},
		{"the definition's over the deployment's", three, 5, 0, 5},
		{"never scaled down", bg, 1, 3, 3},
		{"scaled up", three, 0, 1, 3},
		{"zero ignored", WithReplicas(bg, 0), 0, 0, 1},
		{"negative ignored", WithReplicas(three, -1), 0, 0, 3},
	} {
		if got := replicas(tt.ctx, tt.want, tt.have); got != tt.got {
			t.Errorf("%s: replicas(want %d, have %d) = %d, want %d", tt.name, tt.want, tt.have, got, tt.got)
		}
	}
	if got := ReplicasFrom(bg); got != 0 {
		t.Errorf("ReplicasFrom(background) = %d, want 0", got)
	}
}
