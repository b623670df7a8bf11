package host

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Value is where Load puts a setting: Set parses the text of the
// variable, flag or default, and its error says what was wanted.
type Value interface {
	Set(s string) error
}

type valueFunc func(string) error

func (f valueFunc) Set(s string) error { return f(s) }

// String stores the text as it is (trimmed).
func String(p *string) Value {
	return valueFunc(func(s string) error { *p = s; return nil })
}

// List stores comma-separated items, each trimmed (an empty one is kept,
// for the service to refuse by name).
func List(p *[]string) Value {
	return valueFunc(func(s string) error {
		*p = nil
		for _, f := range strings.Split(s, ",") {
			*p = append(*p, strings.TrimSpace(f))
		}
		return nil
	})
}

// parsed is a Value parsing with parse; want says what a bad value
// should have been.
func parsed[T any](p *T, parse func(string) (T, error), want string) Value {
	return valueFunc(func(s string) error {
		v, err := parse(s)
		if err != nil {
			return errors.New(want)
		}
		*p = v
		return nil
	})
}

// Words stores comma-separated items, each trimmed, the empty ones left
// out.
func Words(p *[]string) Value {
	return valueFunc(func(s string) error {
		*p = nil
		for _, f := range strings.Split(s, ",") {
			if f = strings.TrimSpace(f); f != "" {
				*p = append(*p, f)
			}
		}
		return nil
	})
}

// Int stores a whole number.
func Int(p *int) Value { return parsed(p, strconv.Atoi, "want a whole number") }

// Int64 stores a whole number (a size in bytes, say).
func Int64(p *int64) Value {
	return parsed(p, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, "want a whole number")
}

// Duration stores a Go duration ("15s", "2m").
func Duration(p *time.Duration) Value {
	return parsed(p, time.ParseDuration, "want a duration such as 10s or 2m")
}

// Bool stores true or false (also 1, 0, t, f).
func Bool(p *bool) Value { return parsed(p, strconv.ParseBool, "want true or false") }

// Load fills every setting that has a Dest: from its variable (env is the
// environment with the flags in front, Args.Lookup), else from its
// Default; a setting with neither keeps its zero value. Values are
// trimmed. A bad value is an error naming the service, the variable, the
// value and what was wanted: `files: FILES_MAX_BYTES="10MB": want a whole
// number` (without the "files: " when name is ""); every bad value is
// reported.
func Load(name string, settings []Setting, env Lookup) error {
	var errs []error
	for _, s := range settings {
		if s.Dest == nil {
			continue
		}
		v, _ := env(s.Env)
		v = strings.TrimSpace(v)
		if v == "" {
			v = s.Default
		}
		if v == "" {
			continue
		}
		if err := s.Dest.Set(v); err != nil {
			err = fmt.Errorf("%s=%q: %w", s.Env, v, err)
			if name != "" {
				err = fmt.Errorf("%s: %w", name, err)
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DurationText is d as a default is typed: 2m rather than 2m0s.
func DurationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
