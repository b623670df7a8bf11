// Command themer serves live theme updates of bot packages: it follows the
// DRIVE stream's theme and config changes and streams them to browsers (see
// package themer). Settings, each a flag or an environment variable ("themer
// --help" lists them; a flag wins): the shared DRIVEMON_* variables (package
// host; default DRIVEMON_HTTP_ADDR 127.0.0.1:8084) and THEMER_*
// (themer.FromEnv). "themer healthcheck" checks a running instance.
package main

import (
	"context"
	"errors"

	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/themer"
)

func main() {
	host.Main("themer", "127.0.0.1:8084", themer.Settings, func(ctx context.Context, env host.Env) (host.Service, []host.Check, error) {
		cfg, err := themer.FromEnv(env.Lookup)
		if err != nil {
			return nil, nil, err
		}
		svc, err := themer.New(cfg, themer.Deps{JS: env.JS, Storage: env.Storage, Log: env.Log, SSEClients: env.Metrics.SSEClients})
		if err != nil {
			return nil, nil, err
		}
		replayed := host.Check{Name: "theme state", Fn: func(context.Context) error {
			select {
			case <-svc.Ready():
				return nil
			default:
				return errors.New("still replaying DRIVE")
			}
		}}
		return svc, []host.Check{replayed}, nil
	})
}
