// Command files runs drivemon's file service: the change journal, sandboxed
// writes (HTTP and NATS) and the optional audit log. Settings, each a flag
// or an environment variable ("files --help" lists them; a flag wins): the
// shared DRIVEMON_* variables (package host; default DRIVEMON_HTTP_ADDR
// 127.0.0.1:8085) and FILES_* (files.FromEnv). "files healthcheck" checks a
// running instance.
package main

import (
	"context"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/files"
	"github.com/drivemon/drivemon/services/files/audit"
)

func main() {
	host.Main("files", "127.0.0.1:8085", files.Settings, func(ctx context.Context, env host.Env) (host.Service, []host.Check, error) {
		cfg, err := files.FromEnv(env.Lookup)
		if err != nil {
			return nil, nil, err
		}
		if cfg.Audit.Dir != "" {
			env.Metrics.WatchConsumer("files", events.StreamDrive, audit.ConsumerChanges)
			env.Metrics.WatchConsumer("files", events.StreamOutcomes, audit.ConsumerOutcomes)
		}
		svc, err := files.New(ctx, cfg, files.Deps{JS: env.JS, NC: env.NC, Store: env.Storage, Log: env.Log})
		return svc, nil, err
	})
}
