package store

import (
	"encoding/json"
	"fmt"

	"github.com/drivemon/drivemon/pkg/events"
)

// The JSON forms of the store's types (Script, Tool, ScriptInfo, Config,
// ScheduleRow, RefRow, TableRow) carry their path as events.PathToJSON
// writes it: "path" to show (bytes that are not UTF-8 as U+FFFD) and, only
// when that loses bytes, "path_b64" with the exact bytes (base64, standard
// encoding). UnmarshalJSON reads them back exactly. The stored data is not
// affected: the databases keep paths as bytes.

// The alias types have the fields of the store types without their
// methods, so encoding them does not recurse.
type (
	scriptJSON      Script
	toolJSON        Tool
	scriptInfoJSON  ScriptInfo
	configJSON      Config
	scheduleRowJSON ScheduleRow
	refRowJSON      RefRow
	tableRowJSON    TableRow
)

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (s Script) MarshalJSON() ([]byte, error) {
	shown, b64 := events.PathToJSON(s.Path)
	s.Path = shown
	return withPathB64(scriptJSON(s), b64)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (s *Script) UnmarshalJSON(b []byte) error {
	return withExactPath(b, (*scriptJSON)(s), &s.Path)
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (t Tool) MarshalJSON() ([]byte, error) {
	shown, b64 := events.PathToJSON(t.Path)
	t.Path = shown
	return withPathB64(toolJSON(t), b64)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (t *Tool) UnmarshalJSON(b []byte) error {
	return withExactPath(b, (*toolJSON)(t), &t.Path)
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (s ScriptInfo) MarshalJSON() ([]byte, error) {
	shown, b64 := events.PathToJSON(s.Path)
	s.Path = shown
	return withPathB64(scriptInfoJSON(s), b64)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (s *ScriptInfo) UnmarshalJSON(b []byte) error {
	return withExactPath(b, (*scriptInfoJSON)(s), &s.Path)
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (c Config) MarshalJSON() ([]byte, error) {
	shown, b64 := events.PathToJSON(c.Path)
	c.Path = shown
	return withPathB64(configJSON(c), b64)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (c *Config) UnmarshalJSON(b []byte) error {
	return withExactPath(b, (*configJSON)(c), &c.Path)
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (r ScheduleRow) MarshalJSON() ([]byte, error) {
	shown, b64 := events.PathToJSON(r.Path)
	r.Path = shown
	return withPathB64(scheduleRowJSON(r), b64)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (r *ScheduleRow) UnmarshalJSON(b []byte) error {
	return withExactPath(b, (*scheduleRowJSON)(r), &r.Path)
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (r RefRow) MarshalJSON() ([]byte, error) {
	shown, b64 := events.PathToJSON(r.Path)
	r.Path = shown
	return withPathB64(refRowJSON(r), b64)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (r *RefRow) UnmarshalJSON(b []byte) error {
	return withExactPath(b, (*refRowJSON)(r), &r.Path)
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (r TableRow) MarshalJSON() ([]byte, error) {
	shown, b64 := events.PathToJSON(r.Path)
	r.Path = shown
	return withPathB64(tableRowJSON(r), b64)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (r *TableRow) UnmarshalJSON(b []byte) error {
	return withExactPath(b, (*tableRowJSON)(r), &r.Path)
}

// withPathB64 encodes v, a struct, and adds "path_b64": b64 to the object
// when b64 is not empty.
func withPathB64(v any, b64 string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || b64 == "" {
		return b, err
	}
	if len(b) < 2 || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("encoding %T: not a JSON object", v)
	}
	sep := ","
	if len(b) == 2 {
		sep = ""
	}
	// Base64 needs no JSON escaping.
	return append(b[:len(b)-1], sep+`"path_b64":"`+b64+`"}`...), nil
}

// withExactPath decodes b into v, whose "path" lands in *path, then
// replaces *path by the exact bytes of "path_b64" when there is one.
func withExactPath(b []byte, v any, path *string) error {
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	var exact struct {
		PathB64 string `json:"path_b64"`
	}
	if err := json.Unmarshal(b, &exact); err != nil {
		return err
	}
	p, err := events.PathFromJSON(*path, exact.PathB64)
	if err != nil {
		return fmt.Errorf("decoding path_b64 %q: %w", exact.PathB64, err)
	}
	*path = p
	return nil
}
