package events

import (
	"encoding/json"
	"fmt"

	"github.com/drivemon/drivemon/pkg/botpkg"
)

// Status is the result of processing one change.
type Status string

// Statuses.
const (
	StatusOK      Status = "ok"
	StatusFailed  Status = "failed"
	StatusDeleted Status = "deleted"
	// StatusSkipped: the change was not for this service to act on (an
	// older version than what it already holds, or its own echo).
	StatusSkipped Status = "skipped"
)

// Outcome is what a service publishes on OutcomeSubject(service, bot) after
// processing a change, successful or not. Fields after Error are set by the
// services they concern and omitted otherwise.
type Outcome struct {
	V       int    `json:"v"`
	Service string `json:"service"`
	Bot     string `json:"bot"`
	Kind    Kind   `json:"kind"`
	KB      string `json:"kb,omitempty"`
	Path    string `json:"path"`
	ETag    string `json:"etag"`
	Status  Status `json:"status"`
	Error   string `json:"error"`
	// ChangeID and ChangeSeq name the change this outcome answers.
	ChangeID  string `json:"change_id,omitempty"`
	ChangeSeq uint64 `json:"change_seq,omitempty"`
	// At is when processing ended, unix ms; Millis how long it took.
	At     int64 `json:"at"`
	Millis int64 `json:"ms"`
	// Attempt is the delivery attempt that produced this outcome (1-based).
	Attempt int `json:"attempt,omitempty"`

	// Compiler.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	Tool        string       `json:"tool,omitempty"`
	Config      *ConfigDiff  `json:"config,omitempty"`

	// Indexer.
	ChunksTotal    *int `json:"chunks_total,omitempty"`
	ChunksEmbedded *int `json:"chunks_embedded,omitempty"`
	ChunksDeleted  *int `json:"chunks_deleted,omitempty"`
}

// Diagnostic is a message about a position in a file.
type Diagnostic struct {
	Severity string `json:"severity"` // "error" or "warning"
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Message  string `json:"message"`
}

// ConfigDiff is what changed in a bot's config.csv: keys added, changed (new
// values) and removed. The themer applies the theme-* keys from it.
type ConfigDiff struct {
	Added   map[string]string `json:"added,omitempty"`
	Changed map[string]string `json:"changed,omitempty"`
	Removed []string          `json:"removed,omitempty"`
}

// Validate checks an outcome before it is published.
func (o *Outcome) Validate() error {
	if o.V < 1 || o.V > Version {
		return fmt.Errorf("outcome: version %d, this build reads 1..%d", o.V, Version)
	}
	if o.Service == "" {
		return fmt.Errorf("outcome: no service")
	}
	if err := ValidBot(o.Bot); err != nil {
		return fmt.Errorf("outcome: %w", err)
	}
	switch o.Status {
	case StatusOK, StatusDeleted, StatusSkipped:
	case StatusFailed:
		if o.Error == "" {
			return fmt.Errorf("outcome: status failed without an error")
		}
	default:
		return fmt.Errorf("outcome: unknown status %q", o.Status)
	}
	return nil
}

// OutcomeFor starts the outcome of service processing c.
func OutcomeFor(service string, c *Change) Outcome {
	return Outcome{
		V: Version, Service: service, Bot: c.Bot, Kind: c.Kind, KB: c.KB,
		Path: c.Path, ETag: c.ETag, ChangeID: c.ID, ChangeSeq: c.Seq,
	}
}

// outcomeJSON is the wire form of Outcome, as changeJSON is of Change.
type outcomeJSON struct {
	outcomeAlias
	PathB64 string `json:"path_b64,omitempty"`
	KBB64   string `json:"kb_b64,omitempty"`
}

type outcomeAlias Outcome

// MarshalJSON keeps a non-UTF-8 path and KB name exact, as Change does,
// and never writes a secret setting's value (botpkg.IsSecretKey).
func (o Outcome) MarshalJSON() ([]byte, error) {
	o.Config = o.Config.redacted()
	w := outcomeJSON{outcomeAlias: outcomeAlias(o)}
	w.Path, w.PathB64 = PathToJSON(o.Path)
	w.KB, w.KBB64 = PathToJSON(o.KB)
	return json.Marshal(w)
}

// UnmarshalJSON reads the form MarshalJSON writes; a secret's value in an
// outcome stored before secrets were redacted is redacted on reading.
func (o *Outcome) UnmarshalJSON(data []byte) error {
	var w outcomeJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	var err error
	if w.Path, err = PathFromJSON(w.Path, w.PathB64); err != nil {
		return fmt.Errorf("outcome: path_b64: %w", err)
	}
	if w.KB, err = PathFromJSON(w.KB, w.KBB64); err != nil {
		return fmt.Errorf("outcome: kb_b64: %w", err)
	}
	*o = Outcome(w.outcomeAlias)
	o.Config = o.Config.redacted()
	return nil
}

// redacted is a copy of d with every secret's value replaced by
// botpkg.Redacted (a changed secret still shows that it changed).
func (d *ConfigDiff) redacted() *ConfigDiff {
	if d == nil {
		return nil
	}
	return &ConfigDiff{Added: redactMap(d.Added), Changed: redactMap(d.Changed), Removed: d.Removed}
}

func redactMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = botpkg.Redact(k, v)
	}
	return out
}
