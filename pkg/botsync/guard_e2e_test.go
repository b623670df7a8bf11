package botsync

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
)

// racing is an S3 REMOTE where someone else writes a file just before the
// sync writes or deletes it: between the pass's look and its action.
type racing struct {
	*S3Tree
	side *s3Side
	t    *testing.T
	mu   sync.Mutex        // a pass copies several files at once
	edit map[string]string // path → what the other writer puts there
	hits int
}

func (r *racing) race(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.edit[p]; ok {
		delete(r.edit, p)
		r.hits++
		r.side.put(r.t, p, c)
	}
}

func (r *racing) WriteIf(ctx context.Context, p string, data []byte, was *Entry) (Entry, error) {
	r.race(p)
	return r.S3Tree.WriteIf(ctx, p, data, was)
}

func (r *racing) DeleteIf(ctx context.Context, p string, was *Entry) error {
	r.race(p)
	return r.S3Tree.DeleteIf(ctx, p, was)
}

// TestIntegrationSyncGuardsRemoteWrites: an upload or delete that would
// overwrite a concurrent remote edit is refused by MinIO (If-Match,
// If-None-Match: *) and decided again: the edit is kept, the local one
// becomes a conflict copy, nothing is lost.
func TestIntegrationSyncGuardsRemoteWrites(t *testing.T) {
	h := newHarness(t, "s3")
	side := h.remote.(*s3Side)
	h.put(t, "a.bas", "v1")
	h.put(t, "gone.md", "old")
	h.pass(t, false)

	h.put(t, "a.bas", "local v2")
	h.put(t, "new.bas", "local new")
	h.del(t, "gone.md")
	r := &racing{S3Tree: side.t, side: side, t: t, edit: map[string]string{
		"a.bas": "remote v2", "new.bas": "remote new", "gone.md": "remote edit",
	}}
	h.tree = r
	sum, actions := h.pass(t, false)
	if r.hits != 3 {
		t.Fatalf("%d concurrent edits made, want 3", r.hits)
	}
	checkOps(t, actions, map[string]Op{"a.bas": Conflict, "new.bas": Conflict, "gone.md": Download})
	h.want(t, map[string]string{
		"a.bas":                                 "remote v2",
		"a.bas.conflict-laptop-20261130-160509": "local v2",
		"new.bas":                               "remote new",
		"new.bas.conflict-laptop-20261130-160509": "local new",
		"gone.md": "remote edit",
	})
	if sum.Conflicts != 2 || sum.Errors != 0 {
		t.Errorf("summary %s", sum)
	}

	// Unguarded, the same race would have overwritten the remote edit:
	// the guard is what kept it (If-Match is sent and MinIO honours it).
	_, err := side.t.WriteIf(context.Background(), "a.bas", []byte("x"), &Entry{Hash: strings.Repeat("0", 32)})
	if err == nil || !strings.Contains(err.Error(), errRemoteChanged.Error()) {
		t.Errorf("a write If-Match a wrong ETag: %v, want %v", err, errRemoteChanged)
	}
	if _, err := side.t.WriteIf(context.Background(), "a.bas", []byte("x"), nil); err == nil {
		t.Error("a write If-None-Match: * over an existing object succeeded")
	}
	obj, err := side.c.GetObject(context.Background(), side.bucket, side.prefix+"a.bas", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil || string(data) != "remote v2" {
		t.Errorf("after two refused writes a.bas = %q (%v), want it untouched", data, err)
	}
}
