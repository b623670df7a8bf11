package reliability

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/store"
	"github.com/drivemon/drivemon/services/indexer"
	"github.com/drivemon/drivemon/services/indexer/chunk"
	"github.com/drivemon/drivemon/services/indexer/extract"
	"github.com/drivemon/drivemon/services/indexer/vector"
	"github.com/drivemon/drivemon/services/themer"
)

// The convergence check: after any scenario, what every consumer holds must
// be what the storage holds, worked out here from the storage alone:
//
//   - compiler: one live script row per .bas and one config row per
//     config.csv, each with the storage ETag and the SHA-256 of the stored
//     bytes (nothing for files that are gone), and the tool each dialog
//     defines (compiled here with package analysis);
//   - indexer: per KB document, the status its bytes call for (indexed with
//     the chunk count package extract and package chunk give, unsupported,
//     or failed for a file over the limits or malformed) at the storage
//     ETag, that many points in the vector index, and no point of any
//     other path in the KB's collection;
//   - themer: every replica's snapshot (GET /bots/{bot}/theme/events) lists
//     exactly the theme files with their ETags and the theme settings of
//     config.csv, and serves each file's bytes.

// convergence is what a converged state looked like, for the figures.
type convergence struct {
	Took                                   time.Duration
	Polls                                  int
	Dialogs, Configs, KBDocs, Theme, Other int
	Chunks                                 int
}

func (c convergence) String() string {
	return fmt.Sprintf("converged in %s (%d checks): %d dialogs, %d configs, %d KB documents (%d chunks), %d theme files, %d other files",
		c.Took.Round(10*time.Millisecond), c.Polls, c.Dialogs, c.Configs, c.KBDocs, c.Chunks, c.Theme, c.Other)
}

// converge polls the check until it finds no difference, for at most
// limit; the test fails with the differences left when time is up.
func (r *rig) converge(limit time.Duration) convergence {
	r.t.Helper()
	start := time.Now()
	var diffs []string
	var c convergence
	for polls := 1; ; polls++ {
		diffs, c = r.diff()
		if len(diffs) == 0 {
			c.Took, c.Polls = time.Since(start), polls
			r.t.Logf("%s", c)
			return c
		}
		if time.Since(start) > limit {
			break
		}
		select {
		case <-r.ctx.Done():
			r.t.Fatal("test context ended while converging")
		case <-time.After(200 * time.Millisecond):
		}
	}
	if len(diffs) > 40 {
		diffs = append(diffs[:40], fmt.Sprintf("… and %d more", len(diffs)-40))
	}
	r.t.Fatalf("not converged within %s; %d differences:\n  %s", limit, len(diffs), strings.Join(diffs, "\n  "))
	return c
}

// cached is a file as read for the check, with what it should produce.
type cached struct {
	obj  drive.Object
	data []byte
	err  error // reading failed (too large for the check's bound, say)

	tool       string // dialogs: the tool it defines
	schedules  int    // dialogs: the schedules it declares
	kbStatus   string // KB documents: the indexer status it calls for
	kbChunks   int
	themeRel   string
	sizeTooBig bool
}

// checkReadMax bounds what the check reads: beyond every service's limit.
const checkReadMax = 80 << 20

var (
	extractor = extract.New(extract.DefaultLimits())
	chunkOpts = chunk.Options{Size: chunk.DefaultSize, Overlap: chunk.DefaultOverlap}
)

// file reads (once per version) and classifies one stored file.
func (r *rig) file(ctx context.Context, o drive.Object) cached {
	r.mu.Lock()
	c, ok := r.content[o.Path]
	r.mu.Unlock()
	if ok && ((o.ETag != "" && c.obj.ETag == o.ETag) || (o.ETag == "" && c.obj.Size == o.Size && c.obj.MTime == o.MTime)) {
		return c
	}
	c = cached{obj: o}
	data, obj, err := r.storage.Read(ctx, r.bot, o.Path, checkReadMax)
	// Over every service's limit, no service reads it either: the dialog
	// is stored empty with an error, the document failed, both against
	// this version (the refusal carries the ETag).
	tooBig := errors.Is(err, drive.ErrTooLarge)
	if err != nil && !tooBig {
		c.err = err
		return c
	}
	obj.MTime = o.MTime
	if o.ETag == "" {
		obj.Size = o.Size
	}
	c.obj, c.data = obj, data
	cl := events.Classify(o.Path)
	switch cl.Kind {
	case events.KindDialog:
		if !tooBig && int64(len(data)) <= compiler.DefaultMaxFileBytes {
			res := analysis.Compile(o.Path, data, nil)
			c.schedules = len(res.Effects.Schedules)
			if res.Tool != nil {
				// Stored as text: invalid UTF-8 and NUL become U+FFFD.
				c.tool = strings.ReplaceAll(events.DisplayPath(res.Tool.MCP.Name), "\x00", "\uFFFD")
			}
		} else {
			c.sizeTooBig = true
		}
	case events.KindKB:
		if tooBig {
			c.kbStatus, c.sizeTooBig = indexer.StatusFailed, true
			break
		}
		c.kbStatus, c.kbChunks = expectIndexed(ctx, o.Path, data)
		c.sizeTooBig = int64(len(data)) > extractor.MaxInput(o.Path)
	case events.KindTheme:
		_, c.themeRel, _ = strings.Cut(o.Path, "/")
	}
	r.mu.Lock()
	r.content[o.Path] = c
	r.mu.Unlock()
	return c
}

// expectIndexed is the indexer status and chunk count a document's bytes
// call for.
func expectIndexed(ctx context.Context, path string, data []byte) (string, int) {
	f, ok := extract.FormatOf(path)
	if !ok {
		return indexer.StatusUnsupported, 0
	}
	if int64(len(data)) > extractor.MaxInput(path) {
		return indexer.StatusFailed, 0
	}
	if f == extract.DOCX || f == extract.XLSX || f == extract.PPTX {
		// A zip that declares more than the decompression limit is a
		// bomb: failed, known without inflating it here too.
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			var total uint64
			for _, e := range zr.File {
				total += e.UncompressedSize64
			}
			if total > extract.DefaultMaxUnzipped {
				return indexer.StatusFailed, 0
			}
		}
	}
	text, err := extractor.Extract(ctx, path, data)
	switch {
	case errors.Is(err, extract.ErrUnsupported):
		return indexer.StatusUnsupported, 0
	case err != nil:
		return indexer.StatusFailed, 0
	}
	return indexer.StatusIndexed, len(chunk.Split(text, chunkOpts))
}

// diff compares storage with every consumer and returns the differences.
func (r *rig) diff() ([]string, convergence) {
	ctx, cancel := context.WithTimeout(r.ctx, 60*time.Second)
	defer cancel()
	var out []string
	var c convergence

	var dialogs, configs, kbs, theme []cached
	for o, err := range r.storage.List(ctx, r.bot, "") {
		if err != nil {
			if errors.Is(err, events.ErrBadPath) {
				continue // refused by every service alike (see the bad-input scenario)
			}
			if errors.Is(err, drive.ErrNotFound) {
				break // no package (yet)
			}
			return []string{fmt.Sprintf("listing the storage: %v", err)}, c
		}
		switch events.Classify(o.Path).Kind {
		case events.KindDialog, events.KindConfig, events.KindKB, events.KindTheme:
		default:
			c.Other++
			continue
		}
		f := r.file(ctx, o)
		if f.err != nil {
			if errors.Is(f.err, drive.ErrNotFound) || errors.Is(f.err, drive.ErrNotFile) {
				continue // deleted since the listing, or a link leading out
			}
			return []string{fmt.Sprintf("reading %s: %v", o.Path, f.err)}, c
		}
		switch events.Classify(o.Path).Kind {
		case events.KindDialog:
			dialogs = append(dialogs, f)
		case events.KindConfig:
			configs = append(configs, f)
		case events.KindKB:
			kbs = append(kbs, f)
		case events.KindTheme:
			theme = append(theme, f)
		}
	}
	c.Dialogs, c.Configs, c.KBDocs, c.Theme = len(dialogs), len(configs), len(kbs), len(theme)
	out = append(out, r.diffCompiler(ctx, dialogs, configs)...)
	idx, chunks := r.diffIndexer(ctx, kbs)
	out = append(out, idx...)
	c.Chunks = chunks
	values, problem := r.themeValues(ctx, configs)
	if problem != "" {
		out = append(out, problem)
	}
	r.mu.Lock()
	themers := slices.Clone(r.themers)
	r.mu.Unlock()
	for _, th := range themers {
		select {
		case <-th.done:
			continue // stopped or killed: not part of the state
		default:
		}
		out = append(out, r.diffThemer(ctx, th, theme, values)...)
	}
	return out, c
}

// themeValues is what the themers must show: the theme keys of the bot's
// config.csv, or, when it has errors, those of the last good version the
// compiler published (the file's own keys are not in force).
func (r *rig) themeValues(ctx context.Context, configs []cached) (themer.Values, string) {
	path := botpkg.ConfigPath(r.bot)
	for _, f := range configs {
		if !strings.EqualFold(f.obj.Path, path) {
			continue
		}
		if cfg, problems := botpkg.Validate(f.data); !botpkg.HasErrors(problems) {
			return themer.Values(cfg.Theme()), ""
		}
		kv, err := bus.EnsureSettings(ctx, r.js)
		if err != nil {
			return nil, fmt.Sprintf("settings bucket: %v", err)
		}
		st, _, err := bus.GetSettings(ctx, kv, r.bot, f.obj.Path)
		if err != nil {
			return nil, err.Error()
		}
		return themer.Values(st.Theme), ""
	}
	return themer.Values{}, ""
}

func (r *rig) diffCompiler(ctx context.Context, dialogs, configs []cached) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	scripts, err := r.checkStore.Scripts(ctx, r.bot)
	if err != nil {
		return []string{fmt.Sprintf("compiler store: %v", err)}
	}
	rows := map[string]store.ScriptInfo{}
	for _, s := range scripts {
		rows[s.Path] = s
	}
	tools, err := r.checkStore.Tools(ctx, r.bot, false)
	if err != nil {
		return []string{fmt.Sprintf("compiler store: %v", err)}
	}
	toolOf := map[string]string{}
	for _, t := range tools {
		toolOf[t.Path] = t.Name
	}
	effects, err := r.checkStore.Effects(ctx, r.bot)
	if err != nil {
		return []string{fmt.Sprintf("compiler store: %v", err)}
	}
	schedules := map[string]int{}
	for _, s := range effects.Schedules {
		schedules[s.Path]++
	}
	for _, f := range dialogs {
		p := f.obj.Path
		row, ok := rows[p]
		delete(rows, p)
		wantHash := store.ContentHash(f.data)
		if f.sizeTooBig {
			wantHash = store.ContentHash(nil)
		}
		switch {
		case !ok:
			add("compiler: no row for %q (etag %s)", p, f.obj.ETag)
		case row.ETag != f.obj.ETag || row.ContentHash != wantHash:
			add("compiler: %q row has etag %s hash %.12s, storage etag %s hash %.12s", p, row.ETag, row.ContentHash, f.obj.ETag, wantHash)
		case toolOf[p] != f.tool:
			add("compiler: %q has tool %q, its content defines %q", p, toolOf[p], f.tool)
		case schedules[p] != f.schedules && !f.sizeTooBig:
			add("compiler: %q has %d schedule rows, its content declares %d", p, schedules[p], f.schedules)
		}
	}
	for p := range rows {
		add("compiler: row for %q, which the storage does not hold", p)
	}
	cfgs, err := r.checkStore.Configs(ctx, r.bot)
	if err != nil {
		return append(out, fmt.Sprintf("compiler store: %v", err))
	}
	crow := map[string]store.Config{}
	for _, c := range cfgs {
		crow[c.Path] = c
	}
	for _, f := range configs {
		p := f.obj.Path
		row, ok := crow[p]
		delete(crow, p)
		wantHash := store.ContentHash(f.data)
		if int64(len(f.data)) > compiler.DefaultMaxFileBytes {
			wantHash = store.ContentHash(nil)
		}
		switch {
		case !ok:
			add("compiler: no config row for %q", p)
		case row.ETag != f.obj.ETag || row.ContentHash != wantHash:
			add("compiler: config %q row has etag %s, storage %s", p, row.ETag, f.obj.ETag)
		}
	}
	for p := range crow {
		add("compiler: config row for %q, which the storage does not hold", p)
	}
	return out
}

func (r *rig) diffIndexer(ctx context.Context, kbs []cached) ([]string, int) {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	listing, err := r.frontIndexer.List(ctx, r.bot)
	if err != nil {
		return []string{fmt.Sprintf("indexer state: %v", err)}, 0
	}
	state := map[string]indexer.DocListing{}
	cols := map[string]bool{}
	for _, kb := range listing {
		cols[kb.Name] = true
		for _, d := range kb.Documents {
			state[d.Path] = d
		}
	}
	perKB := map[string]int{} // points of stored documents, by KB
	pathsOf := map[string][]string{}
	chunks := 0
	for _, f := range kbs {
		p := f.obj.Path
		kb := events.Classify(p).KB
		cols[kb] = true
		d, ok := state[p]
		delete(state, p)
		n, err := r.index.Count(ctx, vector.Collection{Bot: r.bot, KB: kb}, p)
		if err != nil {
			add("index: counting %q: %v", p, err)
			continue
		}
		perKB[kb] += n
		pathsOf[kb] = append(pathsOf[kb], p)
		switch {
		case !ok:
			add("indexer: no state for %q (want %s)", p, f.kbStatus)
		case d.ETag != f.obj.ETag || d.Status != f.kbStatus:
			add("indexer: %q is %s at etag %s, want %s at etag %s (%s)", p, d.Status, d.ETag, f.kbStatus, f.obj.ETag, d.Error)
		case f.kbStatus == indexer.StatusIndexed && (d.Chunks != f.kbChunks || n != f.kbChunks):
			add("indexer: %q has %d chunks in its state and %d points, want %d", p, d.Chunks, n, f.kbChunks)
		case f.kbStatus == indexer.StatusUnsupported && n != 0:
			add("indexer: unsupported %q has %d points", p, n)
		}
		if f.kbStatus == indexer.StatusIndexed {
			chunks += f.kbChunks
		}
	}
	for p, d := range state {
		add("indexer: state %s for %q, which the storage does not hold", d.Status, p)
	}
	for kb := range cols {
		n, err := r.index.Count(ctx, vector.Collection{Bot: r.bot, KB: kb}, "")
		if err != nil {
			add("index: counting KB %q: %v", kb, err)
			continue
		}
		if n != perKB[kb] {
			add("index: KB %q holds %d points, its stored documents %d: orphans", kb, n, perKB[kb])
			continue
		}
		out = append(out, r.diffLexical(ctx, kb, pathsOf[kb])...)
	}
	return out, chunks
}

func (r *rig) diffThemer(ctx context.Context, th *themerReplica, theme []cached, values themer.Values) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	snap, err := snapshot(ctx, th.srv.URL, r.bot)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", th.name, err)}
	}
	// The snapshot names every file exactly (path_b64 when not UTF-8,
	// which themer.File decodes).
	have := map[string]string{}
	for _, f := range snap.Files {
		have[f.Path] = f.Hash
	}
	for _, f := range theme {
		h, ok := have[f.themeRel]
		delete(have, f.themeRel)
		switch {
		case !ok:
			add("%s: theme file %q missing", th.name, f.themeRel)
		case h != f.obj.ETag:
			add("%s: theme file %q at %s, storage %s", th.name, f.themeRel, h, f.obj.ETag)
		default:
			if body, err := get(ctx, th.srv.URL+themer.FileURL(r.bot, f.themeRel, "")); err != nil || string(body) != string(f.data) {
				add("%s: serving %q: %d bytes, %v; storage has %d bytes", th.name, f.themeRel, len(body), err, len(f.data))
			}
		}
	}
	for p := range have {
		add("%s: theme file %q, which the storage does not hold", th.name, p)
	}
	got := themer.Values(snap.Values)
	if got == nil {
		got = themer.Values{}
	}
	if !got.Equal(values) {
		add("%s: theme settings %v, config.csv says %v", th.name, got, values)
	}
	return out
}

// snapshot opens a theme stream and reads its first event, the snapshot.
func snapshot(ctx context.Context, base, bot string) (*themer.SnapshotEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := open(ctx, base+"/bots/"+bot+"/theme/events")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	ev, data, err := nextEvent(bufio.NewReader(resp.Body))
	if err != nil {
		return nil, err
	}
	if ev != themer.EventSnapshot {
		return nil, fmt.Errorf("first event %q, want %s", ev, themer.EventSnapshot)
	}
	var s themer.SnapshotEvent
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", data, err)
	}
	return &s, nil
}

// nextEvent reads one server-sent event (its name and data), skipping
// comments and retry fields.
func nextEvent(br *bufio.Reader) (string, []byte, error) {
	var name string
	var data []byte
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", nil, fmt.Errorf("reading the stream: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if name != "" || data != nil {
				return name, data, nil
			}
		case strings.HasPrefix(line, "event:"):
			name = strings.TrimSpace(line[len("event:"):])
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(line[len("data:"):], " ")...)
		}
	}
}

// get fetches a URL and returns its body; a status other than 200 is an
// error.
func get(ctx context.Context, u string) ([]byte, error) {
	resp, err := open(ctx, u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, checkReadMax))
}

// open sends a GET; a status other than 200 is an error naming it.
func open(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s %s", u, resp.Status, b)
	}
	return resp, nil
}

// waitFor polls cond every 50 ms for at most limit and fails the test with
// what cond last said when time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() (bool, string)) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		ok, detail := cond()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s (%s)", what, limit, detail)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// collection is the vector collection of a KB document.
func collection(bot, path string) vector.Collection {
	return vector.Collection{Bot: bot, KB: events.Classify(path).KB}
}
