// Package deps holds the dependency rules of the tree as a test over
// `go list` (run by `make test` like every module's tests):
//
//   - no service imports another service, in its code or its tests;
//   - nothing under pkg/ or internal/ imports a service or cmd/;
//   - pkg/botpkg imports the standard library only;
//   - in pkg/events only the bus plumbing files (publish.go, streams.go,
//     origin.go) and the packages worker, deadletter and natsembed import
//     NATS; the contract files (change, classify, id, outcome, path,
//     subjects) do not. Once the plumbing moves out of pkg/events the rule
//     becomes: `go list -deps ./pkg/events` lists no NATS package.
package deps
