// Command indexer keeps the vector index of bots' knowledge bases in line
// with their documents and serves the KB search API (see package indexer).
// Settings, each a flag or an environment variable ("indexer --help" lists
// them; a flag wins): the shared DRIVEMON_* variables (package host; default
// DRIVEMON_HTTP_ADDR 127.0.0.1:8083) and INDEXER_*, QDRANT_*
// (indexer.FromEnv). "indexer healthcheck" checks a running instance.
package main

import (
	"context"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/indexer"
)

func main() {
	host.Main(indexer.ServiceName, "127.0.0.1:8083", indexer.Settings, func(ctx context.Context, env host.Env) (host.Service, []host.Check, error) {
		cfg, err := indexer.FromEnv(env.Lookup.Get)
		if err != nil {
			return nil, nil, err
		}
		env.Metrics.WatchConsumer(indexer.ServiceName, events.StreamDrive, cfg.Consumer)
		svc, err := indexer.New(cfg, indexer.Deps{JetStream: env.JS, Reader: env.Storage, Logger: env.Log, Observe: env.Metrics.Observer(indexer.ServiceName)})
		if err != nil {
			return nil, nil, err
		}
		env.AtExit(svc.Close)
		return svc, []host.Check{{Name: "index", Fn: svc.Ping}, svc.WritesCheck()}, nil
	})
}
