// Command compiler compiles the dialogs and config.csv files of bot packages
// as they change and serves the results (see package compiler). Settings,
// each a flag or an environment variable ("compiler --help" lists them; a
// flag wins): the shared DRIVEMON_* variables (package host; default
// DRIVEMON_HTTP_ADDR 127.0.0.1:8082) and COMPILER_* (compiler.FromEnv:
// COMPILER_PG_DSN for PostgreSQL or COMPILER_DATA_DIR for the embedded
// store, …). "compiler healthcheck" checks a running instance.
package main

import (
	"context"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/compiler"
)

func main() {
	host.Main("compiler", "127.0.0.1:8082", compiler.Settings, func(ctx context.Context, env host.Env) (host.Service, []host.Check, error) {
		cfg, err := compiler.FromEnv(env.Lookup)
		if err != nil {
			return nil, nil, err
		}
		st, err := compiler.OpenStore(ctx, cfg)
		if err != nil {
			return nil, nil, err
		}
		env.AtExit(st.Close)
		env.Metrics.WatchConsumer(compiler.Name, events.StreamDrive, cfg.Consumer)
		svc, err := compiler.New(cfg, compiler.Deps{JS: env.JS, Storage: env.Storage, Store: st, Log: env.Log, Observe: env.Metrics.Observer(compiler.Name)})
		database := host.Check{Name: "database", Fn: func(ctx context.Context) error {
			_, err := st.HasBot(ctx, "readyz")
			return err
		}}
		return svc, []host.Check{database}, err
	})
}
