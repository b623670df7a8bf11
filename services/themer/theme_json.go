package themer

import (
	"encoding/json"
	"fmt"

	"github.com/drivemon/drivemon/pkg/events"
)

// The JSON forms of File, CSSEvent and ReloadEvent (stream data, snapshot
// entries included) write their path as events.PathToJSON does: "path" to
// show, with bytes that are not UTF-8 as U+FFFD, and, only then,
// "path_b64" with the exact bytes (standard base64), so two names that
// differ only in such bytes stay distinct. UnmarshalJSON reads the exact
// path back. In Go the Path fields always hold the exact bytes.

// exactPath holds the "path_b64" of a JSON form.
type exactPath struct {
	PathB64 string `json:"path_b64,omitempty"`
}

// path returns the exact path of a decoded "path" and "path_b64".
func (e exactPath) path(shown string) (string, error) {
	p, err := events.PathFromJSON(shown, e.PathB64)
	if err != nil {
		return "", fmt.Errorf("decoding path_b64 %q: %w", e.PathB64, err)
	}
	return p, nil
}

type (
	fileJSON   File
	cssJSON    CSSEvent
	reloadJSON ReloadEvent
)

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (f File) MarshalJSON() ([]byte, error) {
	w := struct {
		fileJSON
		exactPath
	}{fileJSON: fileJSON(f)}
	w.Path, w.PathB64 = events.PathToJSON(f.Path)
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (f *File) UnmarshalJSON(b []byte) error {
	w := struct {
		*fileJSON
		exactPath
	}{fileJSON: (*fileJSON)(f)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var err error
	f.Path, err = w.path(f.Path)
	return err
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (e CSSEvent) MarshalJSON() ([]byte, error) {
	w := struct {
		cssJSON
		exactPath
	}{cssJSON: cssJSON(e)}
	w.Path, w.PathB64 = events.PathToJSON(e.Path)
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (e *CSSEvent) UnmarshalJSON(b []byte) error {
	w := struct {
		*cssJSON
		exactPath
	}{cssJSON: (*cssJSON)(e)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var err error
	e.Path, err = w.path(e.Path)
	return err
}

// MarshalJSON adds "path_b64" when Path is not valid UTF-8.
func (e ReloadEvent) MarshalJSON() ([]byte, error) {
	w := struct {
		reloadJSON
		exactPath
	}{reloadJSON: reloadJSON(e)}
	w.Path, w.PathB64 = events.PathToJSON(e.Path)
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (e *ReloadEvent) UnmarshalJSON(b []byte) error {
	w := struct {
		*reloadJSON
		exactPath
	}{reloadJSON: (*reloadJSON)(e)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var err error
	e.Path, err = w.path(e.Path)
	return err
}
