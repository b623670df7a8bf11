// Package testinfra gives tests the real servers they run against: an
// embedded JetStream server, and the PostgreSQL and MinIO servers started by
// scripts/testenv.sh. A test that needs a server it cannot find is skipped on
// a developer's laptop and fails when CI=true, so CI never goes green by
// skipping.
package testinfra
