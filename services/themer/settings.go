package themer

import (
	"context"
	"fmt"

	"github.com/drivemon/drivemon/pkg/events/bus"
)

// watchSettings follows the settings bucket (bus.SettingsBucket) for the
// life of ctx and returns once the view holds the values it had (each
// bot's theme has them before the DRIVE replay starts). A bot's theme
// settings are those of the config.csv that speaks for the bot
// (bus.SettingsView.Primary: <bot>.gbot/config.csv, else the first by
// path), as the compiler published them; the themer never reads
// config.csv.
func (s *Service) watchSettings(ctx context.Context) error {
	kv, err := bus.EnsureSettings(ctx, s.js)
	if err != nil {
		return fmt.Errorf("themer: %w", err)
	}
	var view *bus.SettingsView
	ready := make(chan struct{})
	view, err = bus.WatchSettings(ctx, kv, func(bot string) {
		<-ready // view is set
		s.applySettings(view, bot)
	})
	if err != nil {
		return fmt.Errorf("themer: %w", err)
	}
	close(ready)
	select {
	case <-view.Ready():
		return nil
	case <-view.Done():
		if err := view.Err(); err != nil {
			return fmt.Errorf("themer: %w", err)
		}
		return nil
	case <-ctx.Done():
		return nil
	}
}

// applySettings makes bot's published theme settings its values and
// sends theme.vars when they changed.
func (s *Service) applySettings(view *bus.SettingsView, bot string) {
	st, _ := view.Primary(bot)
	s.setValues(bot, Values(st.Theme), st.Seq)
}

// setValues makes values (of settings version seq) bot's theme settings
// and sends theme.vars to its streams when they differ from the ones it
// had.
func (s *Service) setValues(bot string, values Values, seq uint64) {
	if values == nil {
		values = Values{}
	}
	err := s.hub.updateAt(bot, func(t *Theme) []streamEvent {
		changed := !t.Values.Equal(values)
		t.Values, t.Settings = values, seq
		if !changed {
			return nil
		}
		return []streamEvent{{EventVars, varsEvent(values)}}
	})
	if err != nil {
		s.log.Warn("applying settings", "bot", bot, "err", err)
	}
}
