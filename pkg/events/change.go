package events

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Version is the version of the JSON form of Change and Outcome. A reader
// rejects a message with a higher major version than it knows.
const Version = 1

// Op is what happened to a path.
type Op string

// Operations.
const (
	OpCreated Op = "created"
	OpUpdated Op = "updated"
	OpDeleted Op = "deleted"
	// OpMoved: Path is the new path, From the old one.
	OpMoved Op = "moved"
	// OpTargetLost: a watched package or root vanished (deleted, or
	// replaced by a file). Deleted events follow for what it held.
	OpTargetLost Op = "target_lost"
	// OpTargetFound: a watched package or root (re)appeared.
	OpTargetFound Op = "target_found"
)

// Source says which kind of storage a change was seen in.
type Source string

// Sources.
const (
	SourceS3  Source = "s3"
	SourceDir Source = "dir"
)

// Detection says how a change was seen.
type Detection string

// Detections.
const (
	DetectedByNotify    Detection = "notify"    // a storage notification (S3 event)
	DetectedByWatch     Detection = "watch"     // a file system watch (inotify)
	DetectedByReconcile Detection = "reconcile" // a listing or rescan diffed against state
)

// Change is one change to one file of one bot package, as published on the
// DRIVE stream. Path and From are canonical package paths (CleanPath) and may
// hold bytes that are not UTF-8; their JSON form stays exact (see
// MarshalJSON).
type Change struct {
	V          int       `json:"v"`
	ID         string    `json:"id"`
	Bot        string    `json:"bot"`
	Kind       Kind      `json:"kind"`
	KB         string    `json:"kb,omitempty"`
	Op         Op        `json:"op"`
	Path       string    `json:"path"`
	From       string    `json:"from,omitempty"`
	ETag       string    `json:"etag,omitempty"`
	Size       int64     `json:"size"`
	MTime      int64     `json:"mtime"`
	Source     Source    `json:"source"`
	DetectedBy Detection `json:"detected_by"`
	// Base is the revision of the detector's per-file state the change was
	// computed from (0: none). It is part of ID, so the same transition seen
	// twice has one id, while a later identical transition (delete, then
	// the same content again) gets a new one.
	Base uint64 `json:"base,omitempty"`
	// Seq is the DRIVE stream sequence: the cursor. It is not sent; Decode
	// fills it from the message metadata.
	Seq uint64 `json:"seq,omitempty"`
	// Origin names the writer when drivemon itself made the change (a
	// sandboxed write), so that writer can ignore its own echo.
	Origin string `json:"origin,omitempty"`
}

// ErrBadChange is wrapped by every error Validate and Unmarshal return.
var ErrBadChange = errors.New("invalid change event")

// Validate checks a change before it is published or after it is read.
func (c *Change) Validate() error {
	if c.V < 1 || c.V > Version {
		return fmt.Errorf("%w: version %d, this build reads 1..%d", ErrBadChange, c.V, Version)
	}
	if err := ValidBot(c.Bot); err != nil {
		return fmt.Errorf("%w: %w", ErrBadChange, err)
	}
	switch c.Op {
	case OpCreated, OpUpdated, OpDeleted, OpMoved:
		if _, err := CleanPath(c.Path); err != nil {
			return fmt.Errorf("%w: path: %w", ErrBadChange, err)
		}
		if want := Classify(c.Path); c.Kind != want.Kind || c.KB != want.KB {
			return fmt.Errorf("%w: %q is kind %q kb %q, event says %q kb %q", ErrBadChange, c.Path, want.Kind, want.KB, c.Kind, c.KB)
		}
	case OpTargetLost, OpTargetFound:
		if c.Path != "" {
			if _, err := CleanPath(c.Path); err != nil {
				return fmt.Errorf("%w: path: %w", ErrBadChange, err)
			}
		}
	default:
		return fmt.Errorf("%w: unknown op %q", ErrBadChange, c.Op)
	}
	if c.Op == OpMoved {
		if _, err := CleanPath(c.From); err != nil {
			return fmt.Errorf("%w: from: %w", ErrBadChange, err)
		}
		// A move is seen on one subject: the new path's. Across kinds (or
		// knowledge bases) the old kind's consumers would miss it, so it
		// must be published as a delete and a create. (Between knowledge
		// bases the kind, and so the subject filter, is the same.)
		if Classify(c.From).Kind != Classify(c.Path).Kind {
			return fmt.Errorf("%w: move from %q to %q crosses kinds; publish deleted + created", ErrBadChange, c.From, c.Path)
		}
	} else if c.From != "" {
		return fmt.Errorf("%w: from is only for %q, not %q", ErrBadChange, OpMoved, c.Op)
	}
	switch c.Source {
	case SourceS3, SourceDir:
	default:
		return fmt.Errorf("%w: unknown source %q", ErrBadChange, c.Source)
	}
	switch c.DetectedBy {
	case DetectedByNotify, DetectedByWatch, DetectedByReconcile:
	default:
		return fmt.Errorf("%w: unknown detected_by %q", ErrBadChange, c.DetectedBy)
	}
	if c.Size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrBadChange, c.Size)
	}
	return nil
}

// NewChange returns a change for bot and a canonical path with V, Kind and KB
// filled in. Publish computes its ID.
func NewChange(bot string, op Op, path string) Change {
	c := Change{V: Version, Bot: bot, Op: op, Path: path}
	if path != "" && op != OpTargetLost && op != OpTargetFound {
		cl := Classify(path)
		c.Kind, c.KB = cl.Kind, cl.KB
	} else {
		c.Kind = KindPackage
	}
	return c
}

// changeJSON is the wire form: Change plus base64 copies of Path, From and
// KB when they are not valid UTF-8 (JSON strings cannot carry such bytes).
type changeJSON struct {
	changeAlias
	PathB64 string `json:"path_b64,omitempty"`
	FromB64 string `json:"from_b64,omitempty"`
	KBB64   string `json:"kb_b64,omitempty"`
}

type changeAlias Change

// MarshalJSON writes Path and From as JSON strings. A path that is not valid
// UTF-8 is written twice: "path" with each bad byte as U+FFFD (for people and
// tools that only display it) and "path_b64" with the exact bytes, which
// readers use instead; so are From ("from_b64") and the KB name, a folder
// name ("kb_b64").
func (c Change) MarshalJSON() ([]byte, error) {
	w := changeJSON{changeAlias: changeAlias(c)}
	w.Path, w.PathB64 = PathToJSON(c.Path)
	w.From, w.FromB64 = PathToJSON(c.From)
	w.KB, w.KBB64 = PathToJSON(c.KB)
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (c *Change) UnmarshalJSON(data []byte) error {
	var w changeJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	var err error
	if w.Path, err = PathFromJSON(w.Path, w.PathB64); err != nil {
		return fmt.Errorf("%w: path_b64: %w", ErrBadChange, err)
	}
	if w.From, err = PathFromJSON(w.From, w.FromB64); err != nil {
		return fmt.Errorf("%w: from_b64: %w", ErrBadChange, err)
	}
	if w.KB, err = PathFromJSON(w.KB, w.KBB64); err != nil {
		return fmt.Errorf("%w: kb_b64: %w", ErrBadChange, err)
	}
	*c = Change(w.changeAlias)
	return nil
}

// DisplayPath returns p with each run of bytes that are not valid UTF-8
// replaced by U+FFFD, for logs and UIs. Never use it as a key.
func DisplayPath(p string) string { return strings.ToValidUTF8(p, "\uFFFD") }

// PathToJSON splits a path into its JSON form: the string to show (each run
// of bytes that are not UTF-8 as U+FFFD) and, only when that loses bytes,
// their exact base64 ("path_b64" next to "path"). Every JSON form of a path
// in drivemon uses it.
func PathToJSON(p string) (shown, b64 string) {
	if utf8.ValidString(p) {
		return p, ""
	}
	return DisplayPath(p), base64.StdEncoding.EncodeToString([]byte(p))
}

// PathFromJSON is the inverse of PathToJSON.
func PathFromJSON(shown, b64 string) (string, error) {
	if b64 == "" {
		return shown, nil
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	return string(b), err
}

// LogAttrs are the fields every service logs about a change: bot, path,
// etag (plus op and seq), so one query finds a file's story across
// services.
func (c *Change) LogAttrs() []any {
	return []any{"bot", c.Bot, "path", DisplayPath(c.Path), "etag", c.ETag, "op", c.Op, "seq", c.Seq}
}
