package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// The contract every Store implementation passes. open returns a fresh,
// empty store for one subtest.
func runContract(t *testing.T, open func(t *testing.T) Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"RoundTrip", contractRoundTrip},
		{"NeverBackwards", contractNeverBackwards},
		{"RecompileReplacesArtefacts", contractRecompile},
		{"DeleteCascadesAndTombstones", contractDelete},
		{"DeleteUnknownFile", contractDeleteUnknown},
		{"InvalidWrites", contractInvalid},
		{"Config", contractConfig},
		{"InactiveTool", contractInactiveTool},
		{"Recheck", contractRecheck},
		{"ActiveToolNames", contractActiveToolNames},
		{"Referrers", contractReferrers},
		{"Bots", contractBots},
		{"NonUTF8Path", contractNonUTF8},
		{"ConcurrentWritersConverge", contractConcurrent},
		{"KBDocuments", contractKBDocuments},
		{"KBConcurrentLast", contractKBConcurrentLast},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tc.run(t, s)
		})
	}
}

const toolSrc = `PARAM name AS STRING LIKE "Ana" DESCRIPTION "Who"
PARAM when AS DATE DESCRIPTION "Day" OPTIONAL
PARAM zeta AS INTEGER DESCRIPTION "Last declared, first alphabetically after jsonb" OPTIONAL
DESCRIPTION "Books a visit"
SET SCHEDULE "0 9 * * *"
SET SCHEDULE "*/5 * * * *"
WEBHOOK "orders"
USE KB "manuals"
USE TOOL "other"
USE WEBSITE "https://example.org"
TABLE visits
  who AS STRING(80)
  day AS DATE
END TABLE
TALK "Booked " + name
`

var at0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// compiled compiles src as bot/path at seq.
func compiled(t *testing.T, bot, path, src string, seq uint64) *Script {
	t.Helper()
	res := analysis.Compile(path, []byte(src), nil)
	sc, err := NewScript(context.Background(), bot, path, seq, fmt.Sprintf("etag-%d", seq), []byte(src), &res, at0.Add(time.Duration(seq)*time.Second))
	if err != nil {
		t.Fatalf("NewScript: %v", err)
	}
	return sc
}

func put(t *testing.T, s Store, sc *Script, want Write) {
	t.Helper()
	got, err := s.PutScript(context.Background(), sc)
	if err != nil {
		t.Fatalf("PutScript(%s seq %d): %v", sc.Path, sc.Seq, err)
	}
	if got != want {
		t.Fatalf("PutScript(%s seq %d) = %s, want %s", sc.Path, sc.Seq, got, want)
	}
}

func del(t *testing.T, s Store, bot, path string, seq uint64, want Write) {
	t.Helper()
	got, err := s.DeleteScript(context.Background(), bot, path, seq, at0)
	if err != nil {
		t.Fatalf("DeleteScript(%s seq %d): %v", path, seq, err)
	}
	if got != want {
		t.Fatalf("DeleteScript(%s seq %d) = %s, want %s", path, seq, got, want)
	}
}

func mustScript(t *testing.T, s Store, bot, path string) *Script {
	t.Helper()
	sc, err := s.Script(context.Background(), bot, path)
	if err != nil {
		t.Fatalf("Script(%s): %v", path, err)
	}
	return sc
}

func mustEffects(t *testing.T, s Store, bot string) *BotEffects {
	t.Helper()
	e, err := s.Effects(context.Background(), bot)
	if err != nil {
		t.Fatalf("Effects(%s): %v", bot, err)
	}
	return e
}

func mustTools(t *testing.T, s Store, bot string, activeOnly bool) []Tool {
	t.Helper()
	tools, err := s.Tools(context.Background(), bot, activeOnly)
	if err != nil {
		t.Fatalf("Tools(%s): %v", bot, err)
	}
	return tools
}

func jsonEq(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func contractRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	want := compiled(t, "harbor", "harbor.gbdialog/book.bas", toolSrc, 7)
	put(t, s, want, Written)

	got := mustScript(t, s, "harbor", "harbor.gbdialog/book.bas")
	if got.Seq != 7 || got.ETag != "etag-7" || got.ContentHash != ContentHash([]byte(toolSrc)) || got.Size != int64(len(toolSrc)) {
		t.Fatalf("identity: seq %d etag %q hash %q size %d", got.Seq, got.ETag, got.ContentHash, got.Size)
	}
	if !got.CompiledAt.Equal(want.CompiledAt) {
		t.Fatalf("compiled_at %v, want %v", got.CompiledAt, want.CompiledAt)
	}
	// The AST and the tool are kept byte for byte: key order matters
	// (properties in declaration order), so no reordering JSON type.
	if !bytes.Equal(got.AST, want.AST) {
		t.Fatalf("AST changed in storage:\n got %.200s\nwant %.200s", got.AST, want.AST)
	}
	if got.Tool == nil || !bytes.Equal(got.Tool.MCP, want.Tool.MCP) || !bytes.Equal(got.Tool.OpenAI, want.Tool.OpenAI) || !got.Tool.Active || got.Tool.Name != "book" {
		t.Fatalf("tool: %+v, want %+v", got.Tool, want.Tool)
	}
	if !bytes.Contains(got.Tool.MCP, []byte(`"properties":{"name":`)) {
		t.Fatalf("MCP properties lost their declaration order: %s", got.Tool.MCP)
	}
	jsonEq(t, "diagnostics", got.Diagnostics, want.Diagnostics)
	jsonEq(t, "effects", got.Effects, want.Effects)
	if len(got.Effects.Schedules) != 2 || len(got.Effects.Tables) != 1 || len(got.Effects.Webhooks) != 1 {
		t.Fatalf("fixture effects not as written: %+v", got.Effects)
	}

	infos, err := s.Scripts(ctx, "harbor")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Path != want.Path || infos[0].Tool != "book" || infos[0].Seq != 7 || infos[0].Errors != 0 {
		t.Fatalf("Scripts = %+v", infos)
	}
	tools := mustTools(t, s, "harbor", true)
	if len(tools) != 1 || tools[0].Path != want.Path || !bytes.Equal(tools[0].OpenAI, want.Tool.OpenAI) {
		t.Fatalf("Tools = %+v", tools)
	}
	e := mustEffects(t, s, "harbor")
	if len(e.Schedules) != 2 || e.Schedules[0].Cron != "0 9 * * *" || e.Schedules[1].Expr != "*/5 * * * *" || e.Schedules[0].Path != want.Path {
		t.Fatalf("Effects.Schedules = %+v", e.Schedules)
	}
	if len(e.Webhooks) != 1 || e.Webhooks[0].Name != "orders" || len(e.KBs) != 1 || e.KBs[0].Name != "manuals" ||
		len(e.Tools) != 1 || e.Tools[0].Name != "other" || len(e.Websites) != 1 || len(e.Tables) != 1 || len(e.Tables[0].Columns) != 2 {
		t.Fatalf("Effects = %+v", e)
	}
	if ok, err := s.HasBot(ctx, "harbor"); err != nil || !ok {
		t.Fatalf("HasBot(harbor) = %v, %v", ok, err)
	}
	if ok, err := s.HasBot(ctx, "nobody"); err != nil || ok {
		t.Fatalf("HasBot(nobody) = %v, %v", ok, err)
	}
	if _, err := s.Script(ctx, "harbor", "harbor.gbdialog/missing.bas"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Script(missing) error = %v, want ErrNotFound", err)
	}
}

func contractNeverBackwards(t *testing.T, s Store) {
	const path = "harbor.gbdialog/start.bas"
	put(t, s, compiled(t, "harbor", path, `TALK "five"`+"\nSET SCHEDULE \"@daily\"", 5), Written)
	put(t, s, compiled(t, "harbor", path, `TALK "three"`+"\nSET SCHEDULE \"@hourly\"\nWEBHOOK \"old\"", 3), Stale)
	put(t, s, compiled(t, "harbor", path, `TALK "five"`+"\nSET SCHEDULE \"@daily\"", 5), Repeated)
	got := mustScript(t, s, "harbor", path)
	if got.Seq != 5 || got.ETag != "etag-5" || !bytes.Contains(got.AST, []byte(`"five"`)) {
		t.Fatalf("an older write changed the script: seq %d etag %s", got.Seq, got.ETag)
	}
	e := mustEffects(t, s, "harbor")
	if len(e.Schedules) != 1 || e.Schedules[0].Expr != "@daily" || len(e.Webhooks) != 0 {
		t.Fatalf("an older write changed the artefacts: %+v", e)
	}
	del(t, s, "harbor", path, 4, Stale)
	mustScript(t, s, "harbor", path)
}

func contractRecompile(t *testing.T, s Store) {
	const path = "harbor.gbdialog/book.bas"
	put(t, s, compiled(t, "harbor", path, toolSrc, 1), Written)
	put(t, s, compiled(t, "harbor", path, "SET SCHEDULE \"@weekly\"\nTALK \"no tool now\"", 2), Written)
	got := mustScript(t, s, "harbor", path)
	if got.Tool != nil {
		t.Fatalf("tool survived a recompile without PARAMs: %+v", got.Tool)
	}
	if tools := mustTools(t, s, "harbor", false); len(tools) != 0 {
		t.Fatalf("Tools after recompile = %+v", tools)
	}
	e := mustEffects(t, s, "harbor")
	if len(e.Schedules) != 1 || e.Schedules[0].Expr != "@weekly" || len(e.Webhooks)+len(e.KBs)+len(e.Tools)+len(e.Websites)+len(e.Tables) != 0 {
		t.Fatalf("stale artefacts after recompile: %+v", e)
	}
}

func contractDelete(t *testing.T, s Store) {
	ctx := context.Background()
	const path = "harbor.gbdialog/book.bas"
	put(t, s, compiled(t, "harbor", path, toolSrc, 2), Written)
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/other.bas", "PARAM x AS STRING\nSET SCHEDULE \"@daily\"", 3), Written)
	del(t, s, "harbor", path, 4, Written)
	del(t, s, "harbor", path, 4, Repeated)

	if _, err := s.Script(ctx, "harbor", path); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Script after delete: %v, want ErrNotFound", err)
	}
	tools := mustTools(t, s, "harbor", false)
	if len(tools) != 1 || tools[0].Name != "other" {
		t.Fatalf("Tools after delete = %+v, want only other", tools)
	}
	e := mustEffects(t, s, "harbor")
	if len(e.Schedules) != 1 || e.Schedules[0].Path != "harbor.gbdialog/other.bas" || len(e.Webhooks)+len(e.KBs)+len(e.Tools)+len(e.Websites)+len(e.Tables) != 0 {
		t.Fatalf("artefacts of the deleted file remain: %+v", e)
	}
	infos, err := s.Scripts(ctx, "harbor")
	if err != nil || len(infos) != 1 || infos[0].Path != "harbor.gbdialog/other.bas" {
		t.Fatalf("Scripts after delete = %+v, %v", infos, err)
	}

	// The tombstone keeps an older create from resurrecting the file.
	put(t, s, compiled(t, "harbor", path, toolSrc, 3), Stale)
	if _, err := s.Script(ctx, "harbor", path); !errors.Is(err, ErrNotFound) {
		t.Fatalf("older create resurrected a deleted file: %v", err)
	}
	// A newer create does bring it back.
	put(t, s, compiled(t, "harbor", path, toolSrc, 9), Written)
	if got := mustScript(t, s, "harbor", path); got.Seq != 9 || got.Tool == nil {
		t.Fatalf("re-created script = %+v", got)
	}

	// Deleting the last file of a bot removes the bot.
	del(t, s, "harbor", path, 10, Written)
	del(t, s, "harbor", "harbor.gbdialog/other.bas", 11, Written)
	if ok, err := s.HasBot(ctx, "harbor"); err != nil || ok {
		t.Fatalf("HasBot after deleting everything = %v, %v", ok, err)
	}
	bots, err := s.Bots(ctx)
	if err != nil || len(bots) != 0 {
		t.Fatalf("Bots after deleting everything = %+v, %v", bots, err)
	}
}

func contractDeleteUnknown(t *testing.T, s Store) {
	const path = "harbor.gbdialog/ghost.bas"
	del(t, s, "harbor", path, 5, Written)
	put(t, s, compiled(t, "harbor", path, "TALK 1", 4), Stale)
	if _, err := s.Script(context.Background(), "harbor", path); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a create older than the delete of a never-seen file was stored: %v", err)
	}
}

func contractInvalid(t *testing.T, s Store) {
	ctx := context.Background()
	good := func() *Script { return compiled(t, "harbor", "harbor.gbdialog/a.bas", "TALK 1", 1) }
	tests := []struct {
		name  string
		write func() error
	}{
		{"seq zero", func() error { sc := good(); sc.Seq = 0; _, err := s.PutScript(ctx, sc); return err }},
		{"seq beyond int64", func() error { sc := good(); sc.Seq = 1 << 63; _, err := s.PutScript(ctx, sc); return err }},
		{"bad bot", func() error { sc := good(); sc.Bot = "no/slash"; _, err := s.PutScript(ctx, sc); return err }},
		{"traversal path", func() error { sc := good(); sc.Path = "../x.bas"; _, err := s.PutScript(ctx, sc); return err }},
		{"delete empty path", func() error { _, err := s.DeleteScript(ctx, "harbor", "", 1, at0); return err }},
		{"config seq zero", func() error {
			_, _, err := s.PutConfig(ctx, &Config{Bot: "harbor", Path: "harbor.gbot/config.csv"})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.write(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("error = %v, want ErrInvalid", err)
			}
		})
	}
	if bots, err := s.Bots(ctx); err != nil || len(bots) != 0 {
		t.Fatalf("invalid writes left rows: %+v, %v", bots, err)
	}
}

func contractConfig(t *testing.T, s Store) {
	ctx := context.Background()
	const path = "harbor.gbot/config.csv"
	v1 := &Config{Bot: "harbor", Path: path, Seq: 2, ETag: "e1", ContentHash: "h1", CompiledAt: at0,
		Settings: []Setting{{"theme-color1", "#000", 2}, {"Answer Mode", "direct, short", 3}}}
	w, prev, err := s.PutConfig(ctx, v1)
	if err != nil || w != Written || len(prev) != 0 {
		t.Fatalf("first PutConfig = %s, %v, %v", w, prev, err)
	}
	v2 := &Config{Bot: "harbor", Path: path, Seq: 5, ETag: "e2", ContentHash: "h2", CompiledAt: at0,
		Settings: []Setting{{"theme-color1", "#fff", 2}, {"llm-model", "m", 3}}}
	w, prev, err = s.PutConfig(ctx, v2)
	if err != nil || w != Written {
		t.Fatalf("second PutConfig = %s, %v", w, err)
	}
	jsonEq(t, "settings replaced", prev, v1.Settings)

	w, _, err = s.PutConfig(ctx, v1) // older, redelivered
	if err != nil || w != Stale {
		t.Fatalf("older PutConfig = %s, %v, want stale", w, err)
	}
	w, _, err = s.PutConfig(ctx, v2)
	if err != nil || w != Repeated {
		t.Fatalf("repeated PutConfig = %s, %v, want repeated", w, err)
	}
	cfgs, err := s.Configs(ctx, "harbor")
	if err != nil || len(cfgs) != 1 {
		t.Fatalf("Configs = %+v, %v", cfgs, err)
	}
	if cfgs[0].Seq != 5 || cfgs[0].ETag != "e2" || cfgs[0].Path != path {
		t.Fatalf("Configs[0] = %+v", cfgs[0])
	}
	jsonEq(t, "stored settings", cfgs[0].Settings, v2.Settings)
	if ok, _ := s.HasBot(ctx, "harbor"); !ok {
		t.Fatal("a bot with only a config.csv is not known")
	}

	w, prev, err = s.DeleteConfig(ctx, "harbor", path, 6, at0)
	if err != nil || w != Written {
		t.Fatalf("DeleteConfig = %s, %v", w, err)
	}
	jsonEq(t, "settings removed", prev, v2.Settings)
	if cfgs, err := s.Configs(ctx, "harbor"); err != nil || len(cfgs) != 0 {
		t.Fatalf("Configs after delete = %+v, %v", cfgs, err)
	}
	w, _, err = s.PutConfig(ctx, v2) // older than the delete
	if err != nil || w != Stale {
		t.Fatalf("PutConfig older than the delete = %s, %v", w, err)
	}
	v3 := &Config{Bot: "harbor", Path: path, Seq: 8, CompiledAt: at0, Settings: []Setting{{"x", "1", 1}}}
	w, prev, err = s.PutConfig(ctx, v3)
	if err != nil || w != Written || len(prev) != 0 {
		t.Fatalf("PutConfig after delete = %s, %+v, %v (want no previous settings)", w, prev, err)
	}
}

func contractInactiveTool(t *testing.T, s Store) {
	sc := compiled(t, "harbor", "harbor.gbdialog/broken.bas", "PARAM x AS STRING\nIF x THEN\nTALK 1\n", 1)
	if sc.Tool == nil || sc.Tool.Active {
		t.Fatalf("fixture: a script with errors should define an inactive tool: %+v %v", sc.Tool, sc.Diagnostics)
	}
	put(t, s, sc, Written)
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/good.bas", "PARAM y AS STRING", 2), Written)
	active := mustTools(t, s, "harbor", true)
	if len(active) != 1 || active[0].Name != "good" {
		t.Fatalf("active tools = %+v", active)
	}
	all := mustTools(t, s, "harbor", false)
	if len(all) != 2 || all[0].Name != "broken" || all[0].Active {
		t.Fatalf("all tools = %+v", all)
	}
	infos, err := s.Scripts(context.Background(), "harbor")
	if err != nil || len(infos) != 2 || infos[0].Errors == 0 || len(infos[0].Diagnostics) == 0 {
		t.Fatalf("Scripts = %+v, %v", infos, err)
	}
}

// contractRecheck: Recheck replaces the diagnostics of exactly the stored
// version (seq and content hash) and sets its tool's state with them;
// another version is left alone.
func contractRecheck(t *testing.T, s Store) {
	ctx := context.Background()
	sc := compiled(t, "harbor", "harbor.gbdialog/t.bas", "PARAM y AS STRING\nDESCRIPTION \"d\"\n", 3)
	put(t, s, sc, Written)
	bad := []diag.Diagnostic{diag.Errorf(1, 1, "rechecked")}
	for _, tc := range []struct {
		seq  uint64
		hash string
	}{{2, sc.ContentHash}, {4, sc.ContentHash}, {3, "other"}} {
		if done, err := s.Recheck(ctx, "harbor", sc.Path, tc.seq, tc.hash, bad); err != nil || done {
			t.Fatalf("Recheck of another version (seq %d, hash %q): %v, %v", tc.seq, tc.hash, done, err)
		}
	}
	if done, err := s.Recheck(ctx, "harbor", sc.Path, 3, sc.ContentHash, bad); err != nil || !done {
		t.Fatalf("Recheck of the stored version: %v, %v", done, err)
	}
	got := mustScript(t, s, "harbor", sc.Path)
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Message != "rechecked" || got.Seq != 3 {
		t.Fatalf("after Recheck: seq %d, diagnostics %+v", got.Seq, got.Diagnostics)
	}
	if active := mustTools(t, s, "harbor", true); len(active) != 0 {
		t.Fatalf("a tool with an error is still active: %+v", active)
	}
	if done, err := s.Recheck(ctx, "harbor", sc.Path, 3, sc.ContentHash, nil); err != nil || !done {
		t.Fatalf("Recheck back to clean: %v, %v", done, err)
	}
	if active := mustTools(t, s, "harbor", true); len(active) != 1 {
		t.Fatalf("the tool is not active again: %+v", active)
	}
}

// contractActiveToolNames: a compile's reference check finds the named
// active tools of the bot, without case, and nothing else: not a broken
// (inactive) tool, not another bot's, not a tool never named.
func contractActiveToolNames(t *testing.T, s Store) {
	ctx := context.Background()
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/broken.bas", "PARAM x AS STRING\nIF x THEN\nTALK 1\n", 1), Written)
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/Book.bas", "PARAM y AS STRING", 2), Written)
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/cancel.bas", "PARAM z AS STRING", 3), Written)
	put(t, s, compiled(t, "other", "other.gbdialog/quote.bas", "PARAM q AS STRING", 4), Written)
	for _, tc := range []struct {
		name  string
		names []string
		want  []string
	}{
		{"none asked", nil, []string{}},
		{"exact and folded", []string{"Book", "CANCEL"}, []string{"Book", "cancel"}},
		{"asked twice", []string{"book", "BOOK"}, []string{"Book"}},
		{"inactive", []string{"broken"}, []string{}},
		{"another bot's", []string{"quote"}, []string{}},
		{"unknown", []string{"nope", "cancel"}, []string{"cancel"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ActiveToolNames(ctx, "harbor", tc.names)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("ActiveToolNames(%q) = %q, want %q", tc.names, got, tc.want)
			}
		})
	}
}

func contractBots(t *testing.T, s Store) {
	ctx := context.Background()
	put(t, s, compiled(t, "zeta", "zeta.gbdialog/a.bas", toolSrc, 4), Written)
	put(t, s, compiled(t, "alpha", "alpha.gbdialog/a.bas", "TALK 1", 2), Written)
	put(t, s, compiled(t, "alpha", "alpha.gbdialog/b.bas", "IF x THEN\n", 3), Written)
	if _, _, err := s.PutConfig(ctx, &Config{Bot: "alpha", Path: "alpha.gbot/config.csv", Seq: 6, CompiledAt: at0}); err != nil {
		t.Fatal(err)
	}
	del(t, s, "gone", "gone.gbdialog/x.bas", 1, Written)
	bots, err := s.Bots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []BotSummary{
		{Bot: "alpha", Scripts: 2, Failing: 1, Configs: 1, Seq: 6},
		{Bot: "zeta", Scripts: 1, Tools: 1, Schedules: 2, Webhooks: 1, Seq: 4},
	}
	jsonEq(t, "Bots", bots, want)
}

func contractNonUTF8(t *testing.T, s Store) {
	path := "harbor.gbdialog/caf\xe9.bas"
	// A Latin-1 source: its strings are not UTF-8 either.
	put(t, s, compiled(t, "harbor", path, "PARAM q AS STRING\nUSE KB \"caf\xe9\"\nWEBHOOK \"a\x00b\"", 1), Written)
	e := mustEffects(t, s, "harbor")
	if len(e.KBs) != 1 || e.KBs[0].Name != "caf\uFFFD" || len(e.Webhooks) != 1 {
		t.Fatalf("Latin-1 names: %+v", e)
	}
	cfg := &Config{Bot: "harbor", Path: "harbor.gbot/config.csv", Seq: 9, CompiledAt: at0, Settings: []Setting{{"title", "Caf\xe9", 1}}}
	if _, _, err := s.PutConfig(context.Background(), cfg); err != nil {
		t.Fatalf("PutConfig with a Latin-1 value: %v", err)
	}
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/caf\uFFFD.bas", "TALK 1", 2), Written)
	got := mustScript(t, s, "harbor", path)
	if got.Path != path || got.Seq != 1 {
		t.Fatalf("non-UTF-8 path did not round-trip: %q seq %d", got.Path, got.Seq)
	}
	infos, err := s.Scripts(context.Background(), "harbor")
	if err != nil || len(infos) != 2 {
		t.Fatalf("Scripts = %+v, %v (the two paths must stay distinct)", infos, err)
	}
	del(t, s, "harbor", path, 3, Written)
	if _, err := s.Script(context.Background(), "harbor", "harbor.gbdialog/caf\uFFFD.bas"); err != nil {
		t.Fatalf("deleting the non-UTF-8 path hit its look-alike: %v", err)
	}
}

func contractConcurrent(t *testing.T, s Store) {
	const path = "harbor.gbdialog/race.bas"
	const n = 24
	seqs := rand.Perm(n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, i := range seqs {
		seq := uint64(i + 1)
		src := fmt.Sprintf("PARAM v%d AS STRING\nSET SCHEDULE \"%d 9 * * *\"\nWEBHOOK \"hook-%d\"", seq, seq%60, seq)
		sc := compiled(t, "harbor", path, src, seq)
		wg.Go(func() {
			if _, err := s.PutScript(context.Background(), sc); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := mustScript(t, s, "harbor", path)
	if got.Seq != n {
		t.Fatalf("after concurrent writes seq = %d, want %d", got.Seq, n)
	}
	e := mustEffects(t, s, "harbor")
	if len(e.Schedules) != 1 || e.Schedules[0].Expr != fmt.Sprintf("%d 9 * * *", n%60) ||
		len(e.Webhooks) != 1 || e.Webhooks[0].Name != fmt.Sprintf("hook-%d", n) {
		t.Fatalf("artefacts are not those of the newest version: %+v", e)
	}
	tools := mustTools(t, s, "harbor", false)
	if len(tools) != 1 || !bytes.Contains(tools[0].MCP, fmt.Appendf(nil, `"v%d"`, n)) {
		t.Fatalf("tool is not the newest: %+v", tools)
	}
}

// contractReferrers: the re-check of the scripts naming a tool or KB finds
// exactly the live references of that kind and name in that bot, without
// case and with a tool named by its file; not another kind's, not another
// bot's, not a deleted script's. References lists all of one kind.
func contractReferrers(t *testing.T, s Store) {
	ctx := context.Background()
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/start.bas", "ADD TOOL \"pay-fee\"\nUSE KB \"faq\"\nUSE TOOL \"Pay-Fee.bas\"\n", 1), Written)
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/menu.bas", "USE TOOL \"other\"\nUSE KB \"FAQ\"\nUSE KB \"pay-fee\"\n", 2), Written)
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/dyn.bas", "t = \"pay-fee\"\nUSE TOOL t\n", 3), Written)
	put(t, s, compiled(t, "harbor", "harbor.gbdialog/old.bas", "ADD TOOL \"pay-fee\"\nUSE KB \"faq\"\n", 4), Written)
	del(t, s, "harbor", "harbor.gbdialog/old.bas", 5, Written)
	put(t, s, compiled(t, "other", "other.gbdialog/start.bas", "ADD TOOL \"pay-fee\"\nUSE KB \"faq\"\n", 6), Written)
	type ref struct {
		path, keyword, name string
		line                int
		dynamic             bool
	}
	for _, tc := range []struct {
		name, kind string
		names      []string
		want       []ref
	}{
		{"none asked", RefTool, nil, nil},
		{"a tool by stem and by file", RefTool, []string{"pay-fee", "pay-fee.bas"}, []ref{
			{"harbor.gbdialog/start.bas", "ADD TOOL", "pay-fee", 1, false},
			{"harbor.gbdialog/start.bas", "USE TOOL", "Pay-Fee.bas", 3, false},
		}},
		{"a KB without case", RefKB, []string{"Faq"}, []ref{
			{"harbor.gbdialog/menu.bas", "USE KB", "FAQ", 2, false},
			{"harbor.gbdialog/start.bas", "USE KB", "faq", 2, false},
		}},
		{"another kind of the same name", RefKB, []string{"pay-fee"}, []ref{
			{"harbor.gbdialog/menu.bas", "USE KB", "pay-fee", 3, false},
		}},
		{"unknown", RefTool, []string{"nope"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := s.Referrers(ctx, "harbor", tc.kind, tc.names)
			if err != nil {
				t.Fatal(err)
			}
			var got []ref
			for _, r := range rows {
				got = append(got, ref{r.Path, r.Keyword, r.Name, r.Line, r.Dynamic})
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Referrers(%s, %q) = %+v, want %+v", tc.kind, tc.names, got, tc.want)
			}
		})
	}
	// Every reference of a kind, whatever its name: harbor's live KB
	// references (not other's, not the tools'), none of a kind unused.
	for kind, want := range map[string][]ref{
		RefKB: {
			{"harbor.gbdialog/menu.bas", "USE KB", "FAQ", 2, false},
			{"harbor.gbdialog/menu.bas", "USE KB", "pay-fee", 3, false},
			{"harbor.gbdialog/start.bas", "USE KB", "faq", 2, false},
		},
		RefWebsite: nil,
	} {
		rows, err := s.References(ctx, "harbor", kind)
		if err != nil {
			t.Fatal(err)
		}
		var got []ref
		for _, r := range rows {
			got = append(got, ref{r.Path, r.Keyword, r.Name, r.Line, r.Dynamic})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("References(%s) = %+v, want %+v", kind, got, want)
		}
	}
}
