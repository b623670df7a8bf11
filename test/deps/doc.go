// Package deps holds the dependency rules of the tree as a test over
// `go list` (run by `make test` like every module's tests):
//
//   - no service imports another service, in its code or its tests;
//   - nothing under pkg/ or internal/ imports a service or cmd/;
//   - pkg/botpkg imports the standard library only;
//   - the contract imports no transport: `go list -deps ./pkg/events`
//     lists no NATS package (the bus plumbing is pkg/events/bus).
package deps
