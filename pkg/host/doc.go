// Package host runs one drivemon service as a process: it reads the settings
// every service shares from the environment (Common), connects to NATS and
// creates the streams, opens the storage, and serves the service's routes
// together with /healthz (alive), /readyz (NATS, storage and the service's
// own checks) and /metrics (Prometheus), stopping everything together on
// SIGINT/SIGTERM; requests still running then keep their context for
// StreamGrace (1 s), so open event streams end and the stop is prompt.
// Run as "<bin> healthcheck", a service binary checks the instance beside
// it instead (Healthcheck: container health checks without
// curl).
//
// Metrics holds the Prometheus collectors every service shares and hands
// the services their hooks: Observer (worker.Config.Observe: changes
// processed by bot, kind and result, processing time), ChangeDetected (the
// detector), SSEClients (the themer) and WatchConsumer (backlog,
// redeliveries and unacknowledged messages of a durable consumer, polled
// while the service runs).
//
// Writes runs a service's writes to its stores (KV buckets, streams) with
// a deadline per try and a few tries at most, and its Check fails, naming
// each store, while the last write to one of them failed: a NATS server
// whose disk is full does not answer a publish, and a write waiting on
// its caller's context would hold a worker for minutes.
//
// Every setting is an environment variable and a flag (Setting): Main
// reads the command line with ParseArgs, a flag winning over its
// variable, and "<bin> --help" lists them with their defaults (Usage).
// A service's table of Settings, each with its Default and Dest, is also
// its loader: Load fills the Dests (default, then variable, then flag) and
// names the variable, value and reason of a bad value. CheckSettings keeps
// the table in line with the variables the service declares, and
// CheckREADME with deploy/README.md's tables.
//
// Environment (every service; flags in CommonSettings):
//
//	DRIVEMON_NATS_URL        NATS server URL (default nats://127.0.0.1:4222)
//	DRIVEMON_HTTP_ADDR       HTTP listen address (default per service)
//	DRIVEMON_LOG_LEVEL       debug, info, warn, error (default info)
//	DRIVEMON_LOG_FORMAT      json (default) or text
//	DRIVEMON_DIR             storage: a folder of <bot>.gbai packages, or
//	DRIVEMON_S3_ENDPOINT     storage: an S3-compatible server (host:port), with
//	DRIVEMON_S3_ACCESS_KEY, DRIVEMON_S3_SECRET_KEY, DRIVEMON_S3_REGION,
//	DRIVEMON_S3_SECURE (true for HTTPS), DRIVEMON_S3_BUCKET (one bucket
//	holding <bot>.gbai/ prefixes; empty: a bucket per bot)
package host
