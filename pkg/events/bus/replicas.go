package bus

import "context"

// replicasKey carries the deployment's stream replicas in a context.
type replicasKey struct{}

// WithReplicas returns ctx carrying n, the replicas of the deployment's
// streams: EnsureStream, EnsureStreams and EnsureKeyValue called with it
// create every stream and KV bucket with at least n replicas (3 on a
// three-node JetStream cluster), and scale up one that has fewer. pkg/host
// sets it from DRIVEMON_STREAM_REPLICAS, so the streams and buckets the
// services create themselves are replicated too. n < 1 is ignored.
func WithReplicas(ctx context.Context, n int) context.Context {
	if n < 1 {
		return ctx
	}
	return context.WithValue(ctx, replicasKey{}, n)
}

// ReplicasFrom is the replicas WithReplicas put in ctx, or 0.
func ReplicasFrom(ctx context.Context) int {
	n, _ := ctx.Value(replicasKey{}).(int)
	return n
}

// replicas is how many replicas a stream or bucket gets: what its
// definition asks, at least what ctx carries, and never fewer than it
// has (have, 0 when it is new): an operator who scaled a stream up keeps
// it scaled after every restart of every service.
func replicas(ctx context.Context, want, have int) int {
	return max(want, ReplicasFrom(ctx), have, 1)
}
