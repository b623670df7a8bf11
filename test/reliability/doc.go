// Package reliability is drivemon's fault, load and bad-input suite: tests
// named TestIntegration… that run the real services (detector, compiler,
// indexer, themer, file service) in this process, several replicas where a
// scenario calls for them, against an embedded JetStream server, the real
// MinIO and the real PostgreSQL of scripts/testenv.sh, inject a fault or a
// load, and end with one convergence check: what the compiler stored, what
// the indexer indexed and what every themer serves must be what the
// storage holds. docs/RELIABILITY.md records every scenario with its
// figures. The package holds tests only.
package reliability
