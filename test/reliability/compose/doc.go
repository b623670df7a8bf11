// Package compose checks a running deploy/compose stack from outside, as
// scripts/compose-test.sh boots it: its tests carry the build tag compose
// (go test -tags compose) and read the stack's project and compose files
// from DRIVEMON_COMPOSE_PROJECT and DRIVEMON_COMPOSE_FILES; every host port
// is found with docker-compose port. Without the tag the package is empty.
package compose
