package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/basic"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// Sentinel errors.
var (
	// ErrNotFound: no live script or config at that key (never stored, or
	// deleted).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a write the store refuses before touching the database
	// (bad bot name or path, sequence 0 or beyond int64).
	ErrInvalid = errors.New("invalid store write")
)

// Write is what a write did.
type Write int

// Results of a write.
const (
	// Written: this version is now the stored one.
	Written Write = iota + 1
	// Repeated: this very version (same sequence) was already stored, as
	// when a message is redelivered after its commit; nothing changed.
	Repeated
	// Stale: a newer version (or a newer delete) is stored; nothing
	// changed.
	Stale
)

func (w Write) String() string {
	switch w {
	case Written:
		return "written"
	case Repeated:
		return "repeated"
	case Stale:
		return "stale"
	}
	return fmt.Sprintf("Write(%d)", int(w))
}

// Store holds the compiler's results. Every write carries the DRIVE stream
// sequence of the change it comes from and is applied only when that
// sequence is higher than the stored one (a delete leaves a tombstone with
// its sequence), so redelivered and out-of-order changes never move a file
// backwards. A write and the artefacts it replaces are one transaction.
// Implementations: *Postgres, *SQLite.
type Store interface {
	// PutScript stores a compiled dialog and replaces every artefact its
	// previous version produced (tool, schedules, webhooks, references,
	// tables).
	PutScript(ctx context.Context, s *Script) (Write, error)
	// DeleteScript removes every artefact of a dialog and leaves a
	// tombstone at seq.
	DeleteScript(ctx context.Context, bot, path string, seq uint64, at time.Time) (Write, error)
	// PutConfig stores a config.csv and returns the settings it replaced
	// (empty for a first version or after a delete; meaningful only when
	// Written), read in the same transaction.
	PutConfig(ctx context.Context, c *Config) (Write, []Setting, error)
	// DeleteConfig removes a config.csv's settings, leaves a tombstone at
	// seq and returns the settings it removed.
	DeleteConfig(ctx context.Context, bot, path string, seq uint64, at time.Time) (Write, []Setting, error)

	// Recheck replaces the diagnostics of the live script at bot/path
	// when it is still the version seq with that content hash (its tool
	// active when they hold no error), and reports whether it did: the
	// reference warnings of a script change when a tool it names appears
	// or disappears, without a new version of the script.
	Recheck(ctx context.Context, bot, path string, seq uint64, contentHash string, diags []diag.Diagnostic) (bool, error)

	// Bots lists every bot with at least one live script or config,
	// sorted by name.
	Bots(ctx context.Context) ([]BotSummary, error)
	// HasBot reports whether bot has a live script or config.
	HasBot(ctx context.Context, bot string) (bool, error)
	// Scripts lists a bot's live scripts sorted by path, without ASTs.
	Scripts(ctx context.Context, bot string) ([]ScriptInfo, error)
	// Script returns one live script with its AST, tool and effects;
	// ErrNotFound if it was never stored or is deleted.
	Script(ctx context.Context, bot, path string) (*Script, error)
	// Tools lists a bot's tools sorted by name then path; activeOnly
	// leaves out the tools of scripts with errors.
	Tools(ctx context.Context, bot string, activeOnly bool) ([]Tool, error)
	// ActiveToolNames returns which of names are names of bot's active
	// tools, compared as SQL lower() compares (ASCII case folded): what a
	// compile needs to check its references, found through an index
	// rather than by reading every tool of the bot.
	ActiveToolNames(ctx context.Context, bot string, names []string) ([]string, error)
	// Effects lists every artefact of a bot's live scripts, by path.
	Effects(ctx context.Context, bot string) (*BotEffects, error)
	// Referrers lists the references of one kind (RefTool, RefKB,
	// RefWebsite) that bot's live scripts make to any of names, compared
	// as SQL lower() compares, sorted by path and position: what a
	// re-check of the scripts naming a tool or KB needs, found through an
	// index rather than by reading every artefact of the bot.
	Referrers(ctx context.Context, bot, kind string, names []string) ([]RefRow, error)
	// References lists every reference of one kind that bot's live
	// scripts make, sorted by path and position, through the same index:
	// what a knowledge base appearing or going re-checks (few rows), never
	// the bot's schedules and other artefacts.
	References(ctx context.Context, bot, kind string) ([]RefRow, error)
	// Configs lists a bot's live config.csv files sorted by path.
	Configs(ctx context.Context, bot string) ([]Config, error)

	// KBDocument records that the document at bot/path of knowledge base
	// kb exists (present) or was deleted, as of seq (a change at or below
	// the stored sequence of the path changes nothing), and reports
	// whether kb may have appeared or disappeared with it: it had a
	// document before and has none after or the reverse, or the store did
	// not know the bot's knowledge bases yet (SeedKBs). KB writes of one
	// bot are serialised.
	KBDocument(ctx context.Context, bot, path, kb string, seq uint64, present bool) (bool, error)
	// KBNames returns the knowledge bases of bot that have a document,
	// sorted, and whether the store knows them: false until SeedKBs.
	KBNames(ctx context.Context, bot string) ([]string, bool, error)
	// SeedKBs records the documents of a listing of the bot's storage,
	// each unless a change of its path is stored already, and marks the
	// bot's knowledge bases known.
	SeedKBs(ctx context.Context, bot string, docs []KBDoc) error

	// Close releases the connections.
	Close() error
}

// Script is one compiled dialog.
type Script struct {
	Bot  string `json:"bot"`
	Path string `json:"path"`
	// Seq is the DRIVE stream sequence of the change compiled.
	Seq uint64 `json:"seq"`
	// ETag is the storage ETag of the content actually read and compiled.
	ETag string `json:"etag"`
	// ContentHash is the hex SHA-256 of that content.
	ContentHash string `json:"content_hash"`
	Size        int64  `json:"size"`
	// AST is the JSON form of the parsed file (null when the file could
	// not be read, e.g. too large).
	AST         json.RawMessage   `json:"ast,omitempty"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	CompiledAt  time.Time         `json:"compiled_at"`
	// Tool is the tool the file defines, nil if none.
	Tool    *Tool            `json:"tool,omitempty"`
	Effects analysis.Effects `json:"effects"`
}

// Tool is a tool definition as stored. Active is false when the script
// that defines it has errors: the tool is kept for inspection but not
// offered to the bot.
type Tool struct {
	Name   string          `json:"name"`
	Path   string          `json:"path"`
	MCP    json.RawMessage `json:"mcp"`
	OpenAI json.RawMessage `json:"openai"`
	Active bool            `json:"active"`
}

// ScriptInfo is a live script without its AST.
type ScriptInfo struct {
	Bot         string            `json:"bot"`
	Path        string            `json:"path"`
	Seq         uint64            `json:"seq"`
	ETag        string            `json:"etag"`
	ContentHash string            `json:"content_hash"`
	Size        int64             `json:"size"`
	CompiledAt  time.Time         `json:"compiled_at"`
	Errors      int               `json:"errors"`
	Warnings    int               `json:"warnings"`
	Tool        string            `json:"tool,omitempty"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
}

// BotSummary counts what a bot has.
type BotSummary struct {
	Bot string `json:"bot"`
	// Scripts counts live scripts; Failing those with errors.
	Scripts   int `json:"scripts"`
	Failing   int `json:"failing"`
	Tools     int `json:"tools"` // active tools
	Schedules int `json:"schedules"`
	Webhooks  int `json:"webhooks"`
	Configs   int `json:"configs"`
	// Seq is the highest stream sequence applied for the bot.
	Seq uint64 `json:"seq"`
}

// Config is one stored config.csv.
type Config struct {
	Bot         string            `json:"bot"`
	Path        string            `json:"path"`
	Seq         uint64            `json:"seq"`
	ETag        string            `json:"etag"`
	ContentHash string            `json:"content_hash"`
	Settings    []Setting         `json:"settings"`
	Diagnostics []diag.Diagnostic `json:"diagnostics"`
	CompiledAt  time.Time         `json:"compiled_at"`
}

// Setting is one key of a config.csv, in file order.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Line  int    `json:"line"`
}

// BotEffects are the artefacts of a bot's live scripts, sorted by path
// then declaration order.
type BotEffects struct {
	Schedules []ScheduleRow `json:"schedules"`
	Webhooks  []RefRow      `json:"webhooks"`
	KBs       []RefRow      `json:"kbs"`
	Tools     []RefRow      `json:"tools"`
	Websites  []RefRow      `json:"websites"`
	Tables    []TableRow    `json:"tables"`
}

// ScheduleRow is a schedule with the script that declares it.
type ScheduleRow struct {
	Path string `json:"path"`
	analysis.Schedule
}

// RefRow is a reference with the script that declares it.
type RefRow struct {
	Path string `json:"path"`
	analysis.Ref
}

// TableRow is a table definition with the script that declares it.
type TableRow struct {
	Path string `json:"path"`
	analysis.Table
}

// Kinds of rows in the refs table.
const (
	RefKB      = "kb"
	RefTool    = "tool"
	RefWebsite = "website"
)

// checkKey validates the identity and sequence of a write and returns the
// canonical key and the sequence as the int64 both databases store.
func checkKey(bot, path string, seq uint64) (string, int64, error) {
	if err := events.ValidBot(bot); err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := events.CleanPath(path); err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if seq == 0 || seq > math.MaxInt64 {
		return "", 0, fmt.Errorf("%w: %s: sequence %d out of range [1, 2^63)", ErrInvalid, events.Key(bot, events.DisplayPath(path)), seq)
	}
	return events.Key(bot, path), int64(seq), nil
}

// refRows flattens a script's KB, tool and website references with their
// kind, in a fixed order.
func refRows(e *analysis.Effects) []struct {
	kind string
	ref  analysis.Ref
} {
	var rows []struct {
		kind string
		ref  analysis.Ref
	}
	for _, group := range []struct {
		kind string
		refs []analysis.Ref
	}{{RefKB, e.KBs}, {RefTool, e.Tools}, {RefWebsite, e.Websites}} {
		for _, r := range group.refs {
			rows = append(rows, struct {
				kind string
				ref  analysis.Ref
			}{group.kind, r})
		}
	}
	return rows
}

// addRef appends a reference read back to the list of its kind.
func addRef(e *analysis.Effects, kind string, r analysis.Ref) {
	switch kind {
	case RefKB:
		e.KBs = append(e.KBs, r)
	case RefTool:
		e.Tools = append(e.Tools, r)
	case RefWebsite:
		e.Websites = append(e.Websites, r)
	}
}

func addRefRow(e *BotEffects, kind string, r RefRow) {
	switch kind {
	case RefKB:
		e.KBs = append(e.KBs, r)
	case RefTool:
		e.Tools = append(e.Tools, r)
	case RefWebsite:
		e.Websites = append(e.Websites, r)
	}
}

func emptyEffects() analysis.Effects {
	return analysis.Effects{
		Schedules: []analysis.Schedule{}, Webhooks: []analysis.Ref{}, KBs: []analysis.Ref{},
		Tools: []analysis.Ref{}, Websites: []analysis.Ref{}, Tables: []analysis.Table{},
	}
}

func emptyBotEffects() *BotEffects {
	return &BotEffects{
		Schedules: []ScheduleRow{}, Webhooks: []RefRow{}, KBs: []RefRow{},
		Tools: []RefRow{}, Websites: []RefRow{}, Tables: []TableRow{},
	}
}

// diagJSON encodes diagnostics, never as null.
func diagJSON(ds []diag.Diagnostic) ([]byte, error) {
	if ds == nil {
		ds = []diag.Diagnostic{}
	}
	b, err := json.Marshal(ds)
	if err != nil {
		return nil, fmt.Errorf("encoding diagnostics: %w", err)
	}
	return b, nil
}

func decodeDiags(b []byte) ([]diag.Diagnostic, error) {
	ds := []diag.Diagnostic{}
	if len(b) == 0 {
		return ds, nil
	}
	if err := json.Unmarshal(b, &ds); err != nil {
		return nil, fmt.Errorf("decoding diagnostics: %w", err)
	}
	return ds, nil
}

// text makes s storable in a text column: bytes that are not UTF-8 (a
// Latin-1 source file, a file name) and NUL, which PostgreSQL text refuses,
// become U+FFFD, as they do in the JSON forms. Keys and paths are stored as
// bytes and keep every byte.
func text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}

// jsonOrNull returns b, or the JSON null for an empty value.
func jsonOrNull(b json.RawMessage) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

func marshal(what string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", what, err)
	}
	return b, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// writeOf says what a write that changed nothing was: the same version
// again, or an older one.
func writeOf(stored, seq int64) Write {
	if stored == seq {
		return Repeated
	}
	return Stale
}

// NewScript builds the Script of a compile result: content is what was
// compiled, etag the storage ETag of exactly that content. The tool is
// active when the result has no errors. Encoding the AST stops with ctx's
// error when ctx ends first.
func NewScript(ctx context.Context, bot, path string, seq uint64, etag string, content []byte, res *analysis.Result, at time.Time) (*Script, error) {
	sc := &Script{
		Bot: bot, Path: path, Seq: seq, ETag: etag,
		ContentHash: ContentHash(content), Size: int64(len(content)),
		Diagnostics: nonNil(res.Diagnostics), CompiledAt: at.UTC(), Effects: res.Effects,
	}
	if res.AST != nil {
		ast, err := basic.EncodeJSON(ctx, res.AST)
		if err != nil {
			return nil, fmt.Errorf("encoding the AST of %s: %w", events.Key(bot, events.DisplayPath(path)), err)
		}
		sc.AST = ast
	}
	if res.Tool != nil {
		mcp, err := marshal("MCP tool", res.Tool.MCP)
		if err != nil {
			return nil, err
		}
		openai, err := marshal("OpenAI tool", res.Tool.OpenAI)
		if err != nil {
			return nil, err
		}
		sc.Tool = &Tool{Name: text(res.Tool.MCP.Name), Path: path, MCP: mcp, OpenAI: openai, Active: !res.HasErrors()}
	}
	return sc, nil
}

// ContentHash is the hex SHA-256 of content.
func ContentHash(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}
