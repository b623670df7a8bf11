package botsync

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
)

// remoteSide is REMOTE as the tests see it, written and read around the
// code under test: plain files or the MinIO client.
type remoteSide interface {
	tree() Tree
	put(t *testing.T, path, content string)
	del(t *testing.T, path string)
	snapshot(t *testing.T) map[string]string
}

type folderSide struct {
	t   *DirTree
	dir string
}

func (f *folderSide) tree() Tree { return f.t }
func (f *folderSide) put(t *testing.T, p, c string) {
	t.Helper()
	writeFile(t, f.dir, p, c)
}
func (f *folderSide) del(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(filepath.Join(f.dir, p)); err != nil {
		t.Fatal(err)
	}
}
func (f *folderSide) snapshot(t *testing.T) map[string]string { return snapshotDir(t, f.dir) }

type s3Side struct {
	t      *S3Tree
	c      *minio.Client
	bucket string
	prefix string
}

func (s *s3Side) tree() Tree { return s.t }
func (s *s3Side) put(t *testing.T, p, c string) {
	t.Helper()
	if _, err := s.c.PutObject(context.Background(), s.bucket, s.prefix+p, strings.NewReader(c), int64(len(c)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("put %q: %v", p, err)
	}
}
func (s *s3Side) del(t *testing.T, p string) {
	t.Helper()
	if err := s.c.RemoveObject(context.Background(), s.bucket, s.prefix+p, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}
func (s *s3Side) snapshot(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		obj, err := s.c.GetObject(ctx, s.bucket, o.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimPrefix(o.Key, s.prefix)] = string(data)
	}
	return out
}

func writeFile(t *testing.T, root, p, c string) {
	t.Helper()
	full := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
		t.Fatal(err)
	}
}

// snapshotDir reads every regular file under root except the sync state.
func snapshotDir(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+"/"))
		if e.IsDir() && rel == StateDir {
			return filepath.SkipDir
		}
		if !e.Type().IsRegular() {
			return nil
		}
		if n := e.Name(); strings.HasPrefix(n, ".drivemon-") && strings.HasSuffix(n, ".tmp") {
			return nil // a write cut short by a kill: never synced (*.tmp)
		}
		data, err := os.ReadFile(p)
		out[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// harness is one LOCAL folder and one REMOTE of a kind.
type harness struct {
	local  string
	remote remoteSide
	mode   Mode
	extra  []string // excludes beyond the defaults
	host   string
	clock  time.Time
	// remoteOnly: excluded files want checks on REMOTE alone.
	remoteOnly map[string]string
	// tree, when set, is what passes use for REMOTE (a tracing wrapper).
	tree Tree
}

func newHarness(t *testing.T, kind string) *harness {
	t.Helper()
	h := &harness{local: filepath.Join(t.TempDir(), "harbor.gbai"), mode: TwoWay, host: "laptop",
		clock: time.Date(2026, 11, 30, 16, 5, 9, 0, time.UTC)}
	if err := os.Mkdir(h.local, 0o755); err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "folder":
		dir := filepath.Join(t.TempDir(), "mirror")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		tr, err := NewDirTree(dir)
		if err != nil {
			t.Fatal(err)
		}
		h.remote = &folderSide{t: tr, dir: dir}
	case "s3":
		env := testinfra.S3(t)
		_, bucket := env.Bucket(t)
		tr, err := NewS3Tree(drive.S3Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey}, bucket, "bots/harbor.gbai")
		if err != nil {
			t.Fatal(err)
		}
		h.remote = &s3Side{t: tr, c: env.Client, bucket: bucket, prefix: "bots/harbor.gbai/"}
	}
	return h
}

// pass runs one pass and fails the test on any error.
func (h *harness) pass(t *testing.T, dryRun bool) (Summary, []Action) {
	t.Helper()
	f, err := NewFilter(append(append([]string{}, DefaultExcludes...), h.extra...))
	if err != nil {
		t.Fatal(err)
	}
	remote := h.remote.tree()
	if h.tree != nil {
		remote = h.tree
	}
	s := &Syncer{Local: mustDir(t, h.local), Remote: remote, Opt: Options{
		Mode: h.mode, Filter: f, DryRun: dryRun, Host: h.host, Now: func() time.Time { return h.clock },
		StateFile: BasePath(h.local, h.remote.tree().String()),
	}}
	var actions []Action
	sum, err := s.Pass(context.Background(), func(a Action) {
		if a.Err != nil {
			t.Errorf("action %s %q: %v", a.Op, a.Path, a.Err)
		}
		actions = append(actions, a)
	})
	if err != nil {
		t.Fatalf("pass: %v", err)
	}
	return sum, actions
}

func mustDir(t *testing.T, dir string) *DirTree {
	t.Helper()
	d, err := NewDirTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (h *harness) put(t *testing.T, p, c string) { t.Helper(); writeFile(t, h.local, p, c) }
func (h *harness) del(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(filepath.Join(h.local, p)); err != nil {
		t.Fatal(err)
	}
}

// want checks both trees hold exactly files, byte for byte; excluded lists
// local paths that must stay local only.
func (h *harness) want(t *testing.T, files map[string]string, localOnly ...string) {
	t.Helper()
	l := snapshotDir(t, h.local)
	for _, p := range localOnly {
		if _, ok := l[p]; !ok {
			t.Errorf("local %q is gone", p)
		}
		delete(l, p)
	}
	r := h.remote.snapshot(t)
	for p, c := range h.remoteOnly {
		if r[p] != c {
			t.Errorf("remote %q = %q, want %q", p, r[p], c)
		}
		delete(r, p)
	}
	for name, got := range map[string]map[string]string{"local": l, "remote": r} {
		for p, c := range files {
			if g, ok := got[p]; !ok {
				t.Errorf("%s: %q missing", name, p)
			} else if g != c {
				t.Errorf("%s: %q = %q, want %q", name, p, g, c)
			}
		}
		for p := range got {
			if _, ok := files[p]; !ok {
				t.Errorf("%s: unexpected %q = %q", name, p, got[p])
			}
		}
	}
}

func ops(actions []Action) map[string]Op {
	out := map[string]Op{}
	for _, a := range actions {
		out[a.Path] = a.Op
	}
	return out
}

func checkOps(t *testing.T, actions []Action, want map[string]Op) {
	t.Helper()
	got := ops(actions)
	for p, op := range want {
		if got[p] != op {
			t.Errorf("%q: op %q, want %q", p, got[p], op)
		}
	}
	for p, op := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected op %q on %q", op, p)
		}
	}
}

// eachKind runs test against a REMOTE folder and a REMOTE S3 prefix.
func eachKind(t *testing.T, test func(t *testing.T, kind string, h *harness)) {
	for _, kind := range []string{"folder", "s3"} {
		t.Run(kind, func(t *testing.T) { test(t, kind, newHarness(t, kind)) })
	}
}

func TestIntegrationSyncFirstRunUnion(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.put(t, "harbor.gbdialog/start.bas", "TALK \"local\"\n")
		h.put(t, "harbor.gbkb/faq/same.md", "same bytes")
		h.put(t, "only-local.txt", "L")
		h.remote.put(t, "harbor.gbdialog/start.bas", "TALK \"remote\"\n")
		h.remote.put(t, "harbor.gbkb/faq/same.md", "same bytes")
		h.remote.put(t, "harbor.gbot/config.csv", "name,value\n")

		// The dry run plans and changes nothing.
		_, plan := h.pass(t, true)
		checkOps(t, plan, map[string]Op{
			"harbor.gbdialog/start.bas": Conflict, "harbor.gbkb/faq/same.md": Agree,
			"only-local.txt": Upload, "harbor.gbot/config.csv": Download,
		})
		if got := h.remote.snapshot(t); len(got) != 3 {
			t.Fatalf("dry run changed REMOTE: %v", got)
		}
		if _, err := os.Stat(BasePath(h.local, h.remote.tree().String())); err == nil {
			t.Fatal("dry run wrote the base")
		}

		sum, actions := h.pass(t, false)
		conflict := "harbor.gbdialog/start.bas.conflict-laptop-20261130-160509"
		h.want(t, map[string]string{
			"harbor.gbdialog/start.bas": "TALK \"remote\"\n",
			conflict:                    "TALK \"local\"\n",
			"harbor.gbkb/faq/same.md":   "same bytes",
			"only-local.txt":            "L",
			"harbor.gbot/config.csv":    "name,value\n",
		})
		if sum.Conflicts != 1 || sum.Uploaded != 1 || sum.Downloaded != 1 || sum.Agreed != 1 || sum.DeletedLocal+sum.DeletedRemote != 0 {
			t.Errorf("summary %s", sum)
		}
		for _, a := range actions {
			if a.Path == "harbor.gbkb/faq/same.md" && a.Bytes != 0 {
				t.Errorf("identical file transferred %d bytes", a.Bytes)
			}
			if a.Op == Conflict && a.To != conflict {
				t.Errorf("conflict copy %q, want %q", a.To, conflict)
			}
		}
		// A second pass finds nothing to do.
		sum, actions = h.pass(t, false)
		if len(actions) != 0 || sum.Unchanged != 5 {
			t.Errorf("second pass: %s, actions %v", sum, actions)
		}
	})
}

func TestIntegrationSyncEdits(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.put(t, "a.bas", "a1")
		h.put(t, "b.bas", "b1")
		h.put(t, "c.bas", "c1")
		h.put(t, "d.bas", "d1")
		h.put(t, "e.bas", "e1")
		h.put(t, "f.bas", "f1")
		h.put(t, "g.bas", "g1")
		h.pass(t, false)

		h.put(t, "a.bas", "a2")        // edited locally (same size)
		h.remote.put(t, "b.bas", "b2") // edited remotely
		h.put(t, "c.bas", "c2 local")  // edited on both sides
		h.remote.put(t, "c.bas", "c2 remote")
		h.del(t, "d.bas")        // deleted locally, unchanged remotely
		h.remote.del(t, "e.bas") // deleted remotely, unchanged locally
		h.del(t, "f.bas")        // deleted locally, edited remotely: kept
		h.remote.put(t, "f.bas", "f2 remote")
		h.put(t, "g.bas", "g2 local") // edited locally, deleted remotely: kept
		h.remote.del(t, "g.bas")
		h.clock = h.clock.Add(time.Hour)

		_, actions := h.pass(t, false)
		checkOps(t, actions, map[string]Op{
			"a.bas": Upload, "b.bas": Download, "c.bas": Conflict,
			"d.bas": DeleteRemote, "e.bas": DeleteLocal, "f.bas": Download, "g.bas": Upload,
		})
		h.want(t, map[string]string{
			"a.bas": "a2", "b.bas": "b2",
			"c.bas": "c2 remote", "c.bas.conflict-laptop-20261130-170509": "c2 local",
			"f.bas": "f2 remote", "g.bas": "g2 local",
		})
		if _, actions := h.pass(t, false); len(actions) != 0 {
			t.Errorf("second pass: %v", actions)
		}
	})
}

func TestIntegrationSyncNamesAndExclusions(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.extra = []string{"drafts/**"}
		latin1 := "harbor.gbkb/faq/caf\xe9.md" // not UTF-8
		h.put(t, latin1, "latin-1 name")
		h.put(t, strings.Repeat("n", 255), "255-byte name")
		h.put(t, ".DS_Store", "finder")
		h.put(t, "harbor.gbkb/Thumbs.db", "thumbs")
		h.put(t, "x.tmp", "tmp")
		h.put(t, ".git/config", "git")
		h.put(t, "drafts/idea.bas", "draft")
		h.put(t, "kept.bas", "kept")
		h.remote.put(t, "harbor.gbdialog/drafts/remote.bas", "remote draft")
		h.remote.put(t, "remote.tmp", "remote tmp")
		h.remoteOnly = map[string]string{"harbor.gbdialog/drafts/remote.bas": "remote draft", "remote.tmp": "remote tmp"}
		sum, _ := h.pass(t, false)

		l := snapshotDir(t, h.local)
		for _, p := range []string{"harbor.gbdialog/drafts/remote.bas", "remote.tmp"} {
			if _, ok := l[p]; ok {
				t.Errorf("excluded remote %q was downloaded", p)
			}
		}
		r := h.remote.snapshot(t)
		if r[strings.Repeat("n", 255)] != "255-byte name" {
			t.Errorf("255-byte name not kept on REMOTE: %q", keys(r))
		}
		localOnly := []string{".DS_Store", "harbor.gbkb/Thumbs.db", "x.tmp", ".git/config", "drafts/idea.bas"}
		for _, p := range localOnly {
			if _, ok := r[p]; ok {
				t.Errorf("excluded %q was uploaded", p)
			}
		}
		synced := map[string]string{strings.Repeat("n", 255): "255-byte name", "kept.bas": "kept"}
		if kind == "s3" {
			// S3 keys are UTF-8: the file stays local, said once per
			// pass, never deleted.
			if _, ok := r[latin1]; ok || l[latin1] != "latin-1 name" || len(sum.Problems) != 1 ||
				!strings.Contains(sum.Problems[0].Error(), "not UTF-8") {
				t.Errorf("non-UTF-8 name on S3: problems %v, local %q", sum.Problems, l[latin1])
			}
			h.pass(t, false)
			h.want(t, synced, append(localOnly, latin1)...)
			return
		}
		if r[latin1] != "latin-1 name" || len(sum.Problems) != 0 {
			t.Errorf("non-UTF-8 name not kept exactly on REMOTE: %q, problems %v", keys(r), sum.Problems)
		}
		// The non-UTF-8 file edited remotely comes back byte-exact.
		h.remote.put(t, latin1, "edited \xff remotely")
		h.pass(t, false)
		synced[latin1] = "edited \xff remotely"
		h.want(t, synced, localOnly...)
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestIntegrationSyncOneWayModes(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.put(t, "a.bas", "a1")
		h.put(t, "b.bas", "b1")
		h.pass(t, false)

		h.put(t, "a.bas", "a2 local")
		h.remote.put(t, "b.bas", "b2 remote")
		h.remote.put(t, "new-remote.bas", "n")
		h.mode = Push
		_, actions := h.pass(t, false)
		checkOps(t, actions, map[string]Op{"a.bas": Upload})
		if got := snapshotDir(t, h.local); got["b.bas"] != "b1" || got["new-remote.bas"] != "" {
			t.Errorf("push changed LOCAL: %v", got)
		}

		h.mode = Pull
		_, actions = h.pass(t, false)
		checkOps(t, actions, map[string]Op{"b.bas": Download, "new-remote.bas": Download})
		h.want(t, map[string]string{"a.bas": "a2 local", "b.bas": "b2 remote", "new-remote.bas": "n"})

		// Both sides edited: a one-way pass holds it, two-way resolves it.
		h.put(t, "a.bas", "a3 local")
		h.remote.put(t, "a.bas", "a3 remote")
		_, actions = h.pass(t, false)
		checkOps(t, actions, map[string]Op{"a.bas": Held})
		if snapshotDir(t, h.local)["a.bas"] != "a3 local" || h.remote.snapshot(t)["a.bas"] != "a3 remote" {
			t.Error("a held path was changed")
		}
	})
}

func TestIntegrationSyncMirror(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.mode = Mirror
		h.put(t, "a.bas", "a")
		h.put(t, "same.md", "same")
		h.remote.put(t, "same.md", "same")
		h.remote.put(t, "stale.md", "stale")
		h.remote.put(t, "a.bas", "old a")
		_, actions := h.pass(t, false)
		checkOps(t, actions, map[string]Op{"a.bas": Upload, "same.md": Agree, "stale.md": DeleteRemote})
		h.want(t, map[string]string{"a.bas": "a", "same.md": "same"})

		h.remote.put(t, "a.bas", "edited remotely")
		h.remote.del(t, "same.md")
		h.del(t, "a.bas")
		h.put(t, "new.md", "new")
		_, actions = h.pass(t, false)
		checkOps(t, actions, map[string]Op{"a.bas": DeleteRemote, "same.md": Upload, "new.md": Upload})
		h.want(t, map[string]string{"same.md": "same", "new.md": "new"})
	})
}

func TestIntegrationSyncRecognisesItsOwnUnsavedWork(t *testing.T) {
	// A pass killed after copying but before saving the base: the next
	// pass sees both sides changed to the same content and agrees, with
	// no transfer and no conflict.
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.put(t, "a.bas", "a1")
		h.pass(t, false)
		state := BasePath(h.local, h.remote.tree().String())
		saved, err := os.ReadFile(state)
		if err != nil {
			t.Fatal(err)
		}
		h.put(t, "a.bas", "a2")
		h.remote.put(t, "b.bas", "b")
		h.pass(t, false)
		if err := os.WriteFile(state, saved, 0o644); err != nil { // as if the save never happened
			t.Fatal(err)
		}
		sum, actions := h.pass(t, false)
		checkOps(t, actions, map[string]Op{"a.bas": Agree, "b.bas": Agree})
		if sum.Bytes != 0 {
			t.Errorf("re-transferred %d bytes", sum.Bytes)
		}
		h.want(t, map[string]string{"a.bas": "a2", "b.bas": "b"})
	})
}

func TestBaseKeepsNonUTF8Paths(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	b := &Base{Remote: "r", Files: map[string]Agreed{"caf\xe9.md": {MD5: "x", Size: 1}, "ok.md": {MD5: "y"}}}
	if err := b.Save(file); err != nil {
		t.Fatal(err)
	}
	got, err := LoadBase(file, "r")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 2 || got.Files["caf\xe9.md"].MD5 != "x" || got.Files["ok.md"].MD5 != "y" {
		t.Errorf("loaded %v", got.Files)
	}
	if err := os.WriteFile(file, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadBase(file, "r"); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged state: %v", err)
	}
}

func TestLockRefusesASecondSync(t *testing.T) {
	dir := t.TempDir()
	l, err := AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireLock(dir); err == nil || !strings.Contains(err.Error(), "another drivemon sync") {
		t.Fatalf("second lock: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := AcquireLock(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

// tracing wraps a Tree and counts the calls that transfer content.
type tracing struct {
	Tree
	mu                   sync.Mutex // a pass copies several files at once
	writes, reads, moves int
}

func (t *tracing) add(n *int) {
	t.mu.Lock()
	*n++
	t.mu.Unlock()
}

func (t *tracing) Write(ctx context.Context, p string, data []byte) (Entry, error) {
	t.add(&t.writes)
	return t.Tree.Write(ctx, p, data)
}

func (t *tracing) Read(ctx context.Context, p string) ([]byte, Entry, error) {
	t.add(&t.reads)
	return t.Tree.Read(ctx, p)
}

func (t *tracing) Move(ctx context.Context, from, to string) (Entry, error) {
	t.add(&t.moves)
	return t.Tree.Move(ctx, from, to)
}

func TestIntegrationSyncRenames(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.put(t, "harbor.gbdialog/old.bas", "TALK \"moved\"\n")
		h.put(t, "harbor.gbkb/faq/a.md", "document a")
		h.put(t, "keep.md", "keep")
		h.pass(t, false)

		// A local rename, into a new folder, is a server-side move.
		if err := os.MkdirAll(filepath.Join(h.local, "harbor.gbdialog/sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(h.local, "harbor.gbdialog/old.bas"), filepath.Join(h.local, "harbor.gbdialog/sub/new.bas")); err != nil {
			t.Fatal(err)
		}
		// A remote rename is a local rename.
		h.remote.put(t, "harbor.gbkb/faq/b.md", "document a")
		h.remote.del(t, "harbor.gbkb/faq/a.md")

		_, plan := h.pass(t, true)
		checkOps(t, plan, map[string]Op{"harbor.gbdialog/sub/new.bas": Move, "harbor.gbkb/faq/b.md": MoveLocal})

		remote := &tracing{Tree: h.remote.tree()}
		h.tree = remote
		sum, actions := h.pass(t, false)
		checkOps(t, actions, map[string]Op{"harbor.gbdialog/sub/new.bas": Move, "harbor.gbkb/faq/b.md": MoveLocal})
		for _, a := range actions {
			if a.Path == "harbor.gbdialog/sub/new.bas" && a.From != "harbor.gbdialog/old.bas" {
				t.Errorf("move from %q", a.From)
			}
		}
		if remote.writes != 0 || remote.reads != 0 || remote.moves != 1 || sum.Bytes != 0 {
			t.Errorf("REMOTE saw %d writes, %d reads, %d moves; %d bytes", remote.writes, remote.reads, remote.moves, sum.Bytes)
		}
		h.want(t, map[string]string{
			"harbor.gbdialog/sub/new.bas": "TALK \"moved\"\n", "harbor.gbkb/faq/b.md": "document a", "keep.md": "keep",
		})
		if _, err := os.Stat(filepath.Join(h.local, "harbor.gbkb/faq")); err != nil {
			t.Errorf("the folder of the locally renamed file: %v", err)
		}
		if _, actions := h.pass(t, false); len(actions) != 0 {
			t.Errorf("after the moves: %v", actions)
		}
	})
}

func TestIntegrationSyncIgnoreFile(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		h.put(t, IgnoreFile, "scratch/\n*.log\n!keep.log\n")
		h.put(t, "scratch/idea.bas", "idea")
		h.put(t, "run.log", "log")
		h.put(t, "keep.log", "kept")
		h.put(t, "a.bas", "a")
		h.remote.put(t, "scratch/remote.bas", "remote scratch")
		h.remoteOnly = map[string]string{"scratch/remote.bas": "remote scratch"}
		h.pass(t, false)
		h.want(t, map[string]string{IgnoreFile: "scratch/\n*.log\n!keep.log\n", "keep.log": "kept", "a.bas": "a"},
			"scratch/idea.bas", "run.log")

		// Read at every pass: a pattern removed lets its files through.
		h.put(t, IgnoreFile, "*.log\n!keep.log\n")
		h.remoteOnly = nil
		h.pass(t, false)
		h.want(t, map[string]string{IgnoreFile: "*.log\n!keep.log\n", "keep.log": "kept", "a.bas": "a",
			"scratch/idea.bas": "idea", "scratch/remote.bas": "remote scratch"}, "run.log")
	})
}

// savedDuringRead is LOCAL where the author saves the file again right
// after the sync read it, saves times.
type savedDuringRead struct {
	*DirTree
	t     *testing.T
	saves int
}

func (s *savedDuringRead) Read(ctx context.Context, p string) ([]byte, Entry, error) {
	data, e, err := s.DirTree.Read(ctx, p)
	if s.saves > 0 && p == "a.bas" {
		s.saves--
		time.Sleep(2 * time.Millisecond) // a new mtime
		writeFile(s.t, s.Root(), p, fmt.Sprintf("save %d, longer than the first", s.saves))
	}
	return data, e, err
}

func TestSyncUploadOfAFileSavedWhileRead(t *testing.T) {
	for _, c := range []struct {
		name    string
		saves   int
		wantErr bool
	}{
		{"saved once: read again", 1, false},
		{"saved readTries-1 times", readTries - 1, false},
		{"saved readTries times: left for the next pass", readTries, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, "folder")
			h.put(t, "a.bas", "first")
			local := &savedDuringRead{DirTree: mustDir(t, h.local), t: t, saves: c.saves}
			f, _ := NewFilter(DefaultExcludes)
			s := &Syncer{Local: local, Remote: h.remote.tree(), Opt: Options{Mode: TwoWay, Filter: f,
				StateFile: BasePath(h.local, h.remote.tree().String())}}
			var errs []error
			if _, err := s.Pass(context.Background(), func(a Action) {
				if a.Err != nil {
					errs = append(errs, a.Err)
				}
			}); err != nil {
				t.Fatal(err)
			}
			final := snapshotDir(t, h.local)["a.bas"]
			got, stored := h.remote.snapshot(t)["a.bas"]
			if c.wantErr {
				if len(errs) != 1 || !strings.Contains(errs[0].Error(), "changed while being read") || stored {
					t.Errorf("errors %v, REMOTE holds %q (%v)", errs, got, stored)
				}
				return
			}
			if len(errs) != 0 || got != final {
				t.Errorf("errors %v; REMOTE %q, LOCAL %q", errs, got, final)
			}
		})
	}
}

func TestIntegrationSyncMultipart(t *testing.T) {
	h := newHarness(t, "s3")
	exact := bytes.Repeat([]byte("0123456789abcdef"), multipartAbove/16) // 64 MiB: one PUT
	over := append(append([]byte{}, exact...), 'x')                      // 64 MiB + 1: multipart
	h.put(t, "harbor.gbdrive/exact.bin", string(exact))
	h.put(t, "harbor.gbdrive/over.bin", string(over))
	h.pass(t, false)
	files, _, err := h.remote.tree().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	etags := map[string]string{}
	for _, f := range files {
		etags[f.Path] = f.Hash
	}
	if etags["harbor.gbdrive/exact.bin"] != md5hex(exact) {
		t.Errorf("64 MiB: ETag %q, want the MD5 %s (single part)", etags["harbor.gbdrive/exact.bin"], md5hex(exact))
	}
	if e := etags["harbor.gbdrive/over.bin"]; !strings.HasSuffix(e, "-2") {
		t.Errorf("64 MiB + 1: ETag %q, want a two-part ETag", e)
	}
	if _, actions := h.pass(t, false); len(actions) != 0 {
		t.Errorf("second pass: %v", actions)
	}

	// A fresh copy of LOCAL against the same bucket: a first run that
	// recognises both files as identical, the multipart one by its content.
	fresh := filepath.Join(t.TempDir(), "harbor.gbai")
	writeFile(t, fresh, "harbor.gbdrive/exact.bin", string(exact))
	writeFile(t, fresh, "harbor.gbdrive/over.bin", string(over))
	h.local = fresh
	remote := &tracing{Tree: h.remote.tree()}
	h.tree = remote
	sum, actions := h.pass(t, false)
	checkOps(t, actions, map[string]Op{"harbor.gbdrive/exact.bin": Agree, "harbor.gbdrive/over.bin": Agree})
	if remote.writes != 0 || sum.Bytes != 0 {
		t.Errorf("first run over identical files wrote %d times, %d bytes", remote.writes, sum.Bytes)
	}
}

func TestIntegrationSyncThousandFileTree(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		files := map[string]string{}
		for i := range 1000 { // mkdir -p a0..a9/b0..b9/c0..c9, one file each
			p := fmt.Sprintf("harbor.gbkb/tree/a%d/b%d/c%d/doc.md", i/100, i/10%10, i%10)
			files[p] = fmt.Sprintf("document %d", i)
			h.put(t, p, files[p])
		}
		sum, _ := h.pass(t, false)
		if sum.Uploaded != 1000 || sum.Errors != 0 {
			t.Errorf("first pass: %s", sum)
		}
		h.want(t, files)
		if _, actions := h.pass(t, false); len(actions) != 0 {
			t.Errorf("second pass: %d actions", len(actions))
		}
		// rm -r of the tree is 1000 deletes, and no empty folder is left.
		if err := os.RemoveAll(filepath.Join(h.local, "harbor.gbkb")); err != nil {
			t.Fatal(err)
		}
		sum, _ = h.pass(t, false)
		if sum.DeletedRemote != 1000 {
			t.Errorf("after rm -r: %s", sum)
		}
		h.want(t, map[string]string{})
		if f, ok := h.remote.(*folderSide); ok {
			if entries, _ := os.ReadDir(f.dir); len(entries) != 0 {
				t.Errorf("REMOTE folder keeps %d entries", len(entries))
			}
		}
		t.Logf("%s", sum)
	})
}
