package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/drivemon/drivemon/pkg/drive"
)

// mergeRoutes combines the chi routers of several services (each with
// absolute paths) into one router, refusing a route two of them claim;
// every route goes through mw (devGuard) first.
func mergeRoutes(routers map[string]http.Handler, mw ...func(http.Handler) http.Handler) (chi.Router, error) {
	top := chi.NewRouter()
	top.Use(mw...)
	owner := map[string]string{}
	for name, h := range routers {
		routes, ok := h.(chi.Routes)
		if !ok {
			return nil, fmt.Errorf("service %s: its routes are a %T, not a chi router", name, h)
		}
		err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			key := method + " " + route
			if other, dup := owner[key]; dup {
				return fmt.Errorf("route %s is claimed by both %s and %s", key, other, name)
			}
			owner[key] = name
			top.Method(method, route, h)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return top, nil
}

// knownBots answers 404 for the pages of a bot that has no package
// (/bots/{bot}/…), instead of a demo page for a bot that is not there.
func knownBots(store interface {
	PackageDir(bot string) (string, error)
}) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if rest, ok := strings.CutPrefix(r.URL.Path, "/bots/"); ok {
				bot, _, _ := strings.Cut(rest, "/")
				if _, err := store.PackageDir(bot); bot != "" && errors.Is(err, drive.ErrNotFound) {
					http.Error(w, "no bot "+bot+": no "+bot+".gbai package", http.StatusNotFound)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}
