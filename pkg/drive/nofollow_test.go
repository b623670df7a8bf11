//go:build linux

package drive_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/drivemon/drivemon/pkg/drive"
)

// linkedPackage is a package with the links of the attack: d and o inside
// the writable folder point at the dialogs and settings, x.gbdata is a link
// to the settings folder, and out points out of the package.
func linkedPackage(t *testing.T) (*drive.Dir, string) {
	t.Helper()
	root := t.TempDir()
	pkg := filepath.Join(root, "harbor.gbai")
	for _, d := range []string{"harbor.gbdialog", "harbor.gbot", "harbor.gbdrive/real"} {
		if err := os.MkdirAll(filepath.Join(pkg, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(t, filepath.Join(pkg, "harbor.gbot", "config.csv"), "name,value\nllm-model,good\n")
	mustWrite(t, filepath.Join(pkg, "harbor.gbdialog", "start.bas"), "TALK \"hi\"\n")
	for link, target := range map[string]string{
		"harbor.gbdrive/d":       "../harbor.gbdialog",
		"harbor.gbdrive/o":       "../harbor.gbot",
		"x.gbdata":               "harbor.gbot",
		"harbor.gbdrive/out":     root,
		"harbor.gbdrive/cfg.csv": "../harbor.gbot/config.csv",
	} {
		if err := os.Symlink(target, filepath.Join(pkg, link)); err != nil {
			t.Fatal(err)
		}
	}
	return drive.NewDir(root), pkg
}

func mustWrite(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDirWritesNeverFollowLinks(t *testing.T) {
	ctx := context.Background()
	d, pkg := linkedPackage(t)
	paths := []string{
		"harbor.gbdrive/d/evil.bas",     // a link to the dialogs in the middle
		"harbor.gbdrive/o/config.csv",   // a link to the settings
		"x.gbdata/config.csv",           // a writable top folder that is a link
		"x.gbdata/new/deeper.txt",       // …also when folders would be created below it
		"harbor.gbdrive/out/escape.txt", // a link out of the package
		"harbor.gbdrive/cfg.csv",        // the last component a link
	}
	for _, p := range paths {
		if _, err := d.Write(ctx, "harbor", p, []byte("evil")); !errors.Is(err, drive.ErrSymlink) || !errors.Is(err, drive.ErrNotFile) {
			t.Errorf("Write(%s) = %v, want ErrSymlink (an ErrNotFile)", p, err)
		}
		if _, err := d.Append(ctx, "harbor", p, []byte("evil"), 1<<20); !errors.Is(err, drive.ErrSymlink) {
			t.Errorf("Append(%s) = %v, want ErrSymlink", p, err)
		}
	}
	for _, p := range []string{"harbor.gbdrive/d/start.bas", "harbor.gbdrive/o/config.csv", "x.gbdata/config.csv", "harbor.gbdrive/cfg.csv"} {
		if err := d.Delete(ctx, "harbor", p); !errors.Is(err, drive.ErrSymlink) {
			t.Errorf("Delete(%s) = %v, want ErrSymlink", p, err)
		}
	}
	if got := mustRead(t, filepath.Join(pkg, "harbor.gbot", "config.csv")); got != "name,value\nllm-model,good\n" {
		t.Fatalf("settings changed through a link: %q", got)
	}
	if got := mustRead(t, filepath.Join(pkg, "harbor.gbdialog", "start.bas")); got != "TALK \"hi\"\n" {
		t.Fatalf("dialog changed through a link: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(pkg, "harbor.gbdialog"))
	if len(entries) != 1 {
		t.Fatalf("dialogs folder holds %d entries, want only start.bas", len(entries))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(pkg), "escape.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file was written out of the package: %v", err)
	}
	// The real folder beside the links still takes writes.
	if _, err := d.Write(ctx, "harbor", "harbor.gbdrive/real/ok.txt", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Append(ctx, "harbor", "harbor.gbdrive/real/ok.txt", []byte("!"), 3); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(pkg, "harbor.gbdrive", "real", "ok.txt")); got != "ok!" {
		t.Fatalf("ok.txt = %q", got)
	}
}

func TestDirAppendRefusesAFIFOAtOnce(t *testing.T) {
	d, pkg := linkedPackage(t)
	fifo := filepath.Join(pkg, "harbor.gbdrive", "real", "pipe")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := d.Append(context.Background(), "harbor", "harbor.gbdrive/real/pipe", []byte("x"), 10)
	if !errors.Is(err, drive.ErrNotFile) {
		t.Fatalf("Append to a FIFO = %v, want ErrNotFile", err)
	}
}

// TestDirWriteRaceWithLinkSwap swaps a real folder and a link to the
// dialogs (renameat2 RENAME_EXCHANGE: the name is always one of the two)
// while writes, appends and deletes go through that name, until each
// outcome was seen at least 100 times. Whatever the
// interleaving, nothing may land in or vanish from the dialogs folder.
func TestDirWriteRaceWithLinkSwap(t *testing.T) {
	ctx := context.Background()
	d, pkg := linkedPackage(t)
	drv := filepath.Join(pkg, "harbor.gbdrive")
	if err := os.Mkdir(filepath.Join(drv, "w"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../harbor.gbdialog", filepath.Join(drv, "w.alt")); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := unix.Renameat2(unix.AT_FDCWD, filepath.Join(drv, "w"), unix.AT_FDCWD, filepath.Join(drv, "w.alt"), unix.RENAME_EXCHANGE); err != nil {
				t.Error(err)
				return
			}
			swaps.Add(1)
			// A short pause lets writers find either state.
			_ = unix.Nanosleep(&unix.Timespec{Nsec: 50_000}, nil)
		}
	}()
	var ok, refused atomic.Int64
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				switch (g + i) % 3 {
				case 0:
					_, err = d.Write(ctx, "harbor", "harbor.gbdrive/w/start.bas", []byte("evil"))
				case 1:
					_, err = d.Append(ctx, "harbor", "harbor.gbdrive/w/start.bas", []byte("evil"), 1<<20)
				case 2:
					err = d.Delete(ctx, "harbor", "harbor.gbdrive/w/start.bas")
				}
				switch {
				case err == nil:
					ok.Add(1)
				// A link seen, or a link seen as "not a folder" and swapped
				// back before it could be named, or the file just deleted.
				case errors.Is(err, drive.ErrNotFile), errors.Is(err, drive.ErrNotFound):
					refused.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
		}()
	}
	// Run until both outcomes were seen often, at most 10 s.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !t.Failed(); time.Sleep(time.Millisecond) {
		if ok.Load() >= 100 && refused.Load() >= 100 && swaps.Load() >= 100 && ok.Load()+refused.Load() >= 1200 {
			break
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d swaps, %d operations done, %d refused", swaps.Load(), ok.Load(), refused.Load())
	if ok.Load() < 100 || refused.Load() < 100 || swaps.Load() < 100 {
		t.Fatalf("the race did not interleave: %d swaps, %d done, %d refused", swaps.Load(), ok.Load(), refused.Load())
	}
	if got := mustRead(t, filepath.Join(pkg, "harbor.gbdialog", "start.bas")); got != "TALK \"hi\"\n" {
		t.Fatalf("the dialog was changed through a swapped-in link: %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(pkg, "harbor.gbdialog"))
	for _, e := range entries {
		if e.Name() != "start.bas" {
			t.Errorf("%s appeared in the dialogs folder", e.Name())
		}
	}
	for _, name := range []string{"w", "w.alt"} {
		entries, _ := os.ReadDir(filepath.Join(drv, name))
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmp") {
				t.Errorf("temporary file %s left behind", e.Name())
			}
		}
	}
}
