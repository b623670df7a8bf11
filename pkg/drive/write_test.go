package drive_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

func writerContract(t *testing.T, f fixture) {
	ctx := context.Background()
	w, ok := f.store.(drive.Writer)
	if !ok {
		t.Fatalf("%T does not implement drive.Writer", f.store)
	}
	p := "f.gbdrive/reports/2026/today.txt"
	t.Run("write creates and replaces", func(t *testing.T) {
		for _, content := range []string{"first\n", "second, longer\n", ""} {
			obj, err := w.Write(ctx, f.bot, p, []byte(content))
			if err != nil {
				t.Fatal(err)
			}
			data, got, err := f.store.Read(ctx, f.bot, p, 1<<20)
			if err != nil || string(data) != content {
				t.Fatalf("after Write(%q) read %q, %v", content, data, err)
			}
			if obj.ETag != drive.ContentETag([]byte(content)) || got.ETag != obj.ETag || obj.Size != int64(len(content)) {
				t.Fatalf("Write gave %+v, read gave %+v", obj, got)
			}
		}
	})
	t.Run("append", func(t *testing.T) {
		a := "f.gbdata/log.txt"
		for i := range 3 {
			if _, err := w.Append(ctx, f.bot, a, []byte(fmt.Sprintf("line %d\n", i)), 1<<10); err != nil {
				t.Fatal(err)
			}
		}
		_, err := w.Append(ctx, f.bot, a, []byte(strings.Repeat("x", 1<<10)), 1<<10)
		if !errors.Is(err, drive.ErrTooLarge) {
			t.Fatalf("append past the limit: %v, want ErrTooLarge", err)
		}
		data, _, _ := f.store.Read(ctx, f.bot, a, 1<<20)
		if string(data) != "line 0\nline 1\nline 2\n" {
			t.Fatalf("content %q", data)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := w.Delete(ctx, f.bot, p); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.store.Read(ctx, f.bot, p, 100); !errors.Is(err, drive.ErrNotFound) {
			t.Fatalf("read after delete: %v", err)
		}
		if err := w.Delete(ctx, f.bot, p); !errors.Is(err, drive.ErrNotFound) {
			t.Fatalf("second delete: %v, want ErrNotFound", err)
		}
	})
	t.Run("escapes refused", func(t *testing.T) {
		for _, bad := range []string{"../outside.txt", "f.gbdrive/../../x", "/etc/passwd", "f.gbdrive\\..\\x", "a\x00b"} {
			if _, err := w.Write(ctx, f.bot, bad, []byte("x")); !errors.Is(err, events.ErrBadPath) {
				t.Errorf("Write(%q) = %v, want ErrBadPath", bad, err)
			}
		}
	})
	t.Run("concurrent writes replace atomically", func(t *testing.T) {
		c := "f.gbdrive/contended.txt"
		var wg sync.WaitGroup
		contents := map[string]bool{}
		for i := range 8 {
			content := strings.Repeat(string(rune('a'+i)), 4096)
			contents[content] = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.Write(ctx, f.bot, c, []byte(content)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		data, _, err := f.store.Read(ctx, f.bot, c, 1<<20)
		if err != nil || !contents[string(data)] {
			t.Fatalf("final content is not one whole write (%d bytes, %v)", len(data), err)
		}
	})
	t.Run("concurrent appends keep every acknowledged line", func(t *testing.T) {
		c := "f.gbdata/concurrent.log"
		var wg sync.WaitGroup
		var mu sync.Mutex
		acked := 0
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 5 {
					_, err := w.Append(ctx, f.bot, c, []byte(fmt.Sprintf("%d-%d\n", i, j)), 1<<20)
					switch {
					case err == nil:
						mu.Lock()
						acked++
						mu.Unlock()
					case !errors.Is(err, drive.ErrConflict):
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		data, _, err := f.store.Read(ctx, f.bot, c, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(string(data), "\n"); lines != acked || acked == 0 {
			t.Fatalf("%d lines in the file, %d appends acknowledged", lines, acked)
		}
	})
}
