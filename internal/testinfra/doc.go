// Package testinfra gives tests the real servers they run against: an
// embedded JetStream server, and the PostgreSQL and MinIO servers started by
// scripts/testenv.sh. A test that needs a server it cannot find is skipped on
// a developer's laptop and fails when CI=true, so CI never goes green by
// skipping. EnvConstants reads the variables a package's configuration
// loader declares (its Env* constants), for tests that keep settings,
// deployment files and documentation in line with the code.
package testinfra
