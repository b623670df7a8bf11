// Command detector watches bot packages in a local folder and/or an
// S3-compatible store and publishes every change on the DRIVE stream.
// Settings, each a flag or an environment variable ("detector --help" lists
// them; a flag wins): the shared DRIVEMON_* variables (package host; default
// DRIVEMON_HTTP_ADDR 127.0.0.1:8081) and DRIVEMON_DETECTOR_*, DRIVEMON_S3_*
// (detector.FromEnv). "detector healthcheck" checks a running instance.
package main

import (
	"context"

	"github.com/drivemon/drivemon/pkg/host"
	"github.com/drivemon/drivemon/services/detector"
)

func main() {
	host.Main("detector", "127.0.0.1:8081", detector.Settings, func(ctx context.Context, env host.Env) (host.Service, []host.Check, error) {
		cfg, err := detector.FromEnv(env.Lookup.Get)
		if err != nil {
			return nil, nil, err
		}
		if cfg.RawSubject != "" {
			env.Metrics.WatchConsumer("detector", cfg.RawStream, cfg.RawConsumer)
		}
		svc, err := detector.New(cfg, detector.Deps{JS: env.JS, Log: env.Log, Detected: env.Metrics.ChangeDetected})
		return svc, nil, err
	})
}
