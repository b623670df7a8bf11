package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/botsync"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/host"
)

func syncDirs(t *testing.T) (local, remote string) {
	t.Helper()
	local = filepath.Join(t.TempDir(), "harbor.gbai")
	remote = filepath.Join(t.TempDir(), "mirror")
	for _, d := range []string{local, remote} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return local, remote
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestSyncUsageErrors(t *testing.T) {
	local, remote := syncDirs(t)
	for _, tt := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no arguments", []string{"sync", "--once"}, "want LOCAL and REMOTE, got 0"},
		{"one argument", []string{"sync", "--once", local}, "want LOCAL and REMOTE, got 1"},
		{"three arguments", []string{"sync", "--once", local, remote, remote}, "got 3"},
		{"dry run watching", []string{"sync", "--dry-run", local, remote}, "--dry-run plans one pass: add --once"},
		{"zero interval", []string{"sync", "--interval", "0s", local, remote}, "--interval 0s: want a positive duration"},
		{"nats with a folder", []string{"sync", "--nats", "nats://127.0.0.1:1", local, remote}, "--nats follows an S3 REMOTE"},
		{"bad mode", []string{"sync", "--once", "--mode", "bisync", local, remote}, `mode "bisync"`},
		{"bad exclude", []string{"sync", "--once", "--exclude", "[a", local, remote}, "unclosed ["},
		{"missing LOCAL", []string{"sync", "--once", filepath.Join(local, "nope"), remote}, "LOCAL:"},
		{"REMOTE inside LOCAL", []string{"sync", "--once", filepath.Dir(local), local}, "overlap"},
		{"s3 without bucket", []string{"sync", "--once", local, "s3://"}, "no bucket"},
		{"unknown flag", []string{"sync", "--once", "--watch", local, remote}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tt.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr %s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestSyncCommandFolders(t *testing.T) {
	local, remote := syncDirs(t)
	os.WriteFile(filepath.Join(local, "a.bas"), []byte("local"), 0o644)
	os.WriteFile(filepath.Join(remote, "a.bas"), []byte("remote"), 0o644)
	os.WriteFile(filepath.Join(local, "up.md"), []byte("up"), 0o644)
	os.WriteFile(filepath.Join(remote, "down.md"), []byte("down"), 0o644)
	os.WriteFile(filepath.Join(local, "skip.bak"), []byte("x"), 0o644)

	// Flags after the arguments work too.
	code, out, stderr := runCmd(t, "sync", local, remote, "--once", "--dry-run", "--exclude", "*.bak")
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, stderr)
	}
	wantPlan := "conflict a.bas\ndownload down.md\nupload up.md\nsync (dry run, nothing changed): would have 1 uploaded, 1 downloaded, 0 moved, 0 deleted locally, 0 deleted remotely, 1 conflicts"
	if !strings.HasPrefix(out, wantPlan) {
		t.Errorf("dry run printed\n%s\nwant prefix\n%s", out, wantPlan)
	}
	if _, err := os.Stat(filepath.Join(remote, "up.md")); err == nil {
		t.Error("dry run uploaded")
	}

	code, out, stderr = runCmd(t, "sync", "--once", "--json", "--exclude", "*.bak", local, remote)
	if code != 0 {
		t.Fatalf("sync: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 3 actions and a summary, got %q", lines)
	}
	// Copies run several at a time: the conflict is one of the three.
	var conflict struct{ Op, Side, Path, To string }
	for _, line := range lines[:3] {
		var a struct{ Op, Side, Path, To string }
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("action line %s: %v", line, err)
		}
		if a.Op == "conflict" {
			conflict = a
		}
	}
	if conflict.Path != "a.bas" || !strings.HasPrefix(conflict.To, "a.bas.conflict-") {
		t.Errorf("conflict %+v in %q", conflict, lines)
	}
	var sum struct {
		Summary                         bool
		Uploaded, Downloaded, Conflicts int
	}
	if err := json.Unmarshal([]byte(lines[3]), &sum); err != nil || !sum.Summary || sum.Uploaded != 1 || sum.Downloaded != 1 || sum.Conflicts != 1 {
		t.Errorf("summary %s (%v)", lines[3], err)
	}
	for _, dir := range []string{local, remote} {
		if b, _ := os.ReadFile(filepath.Join(dir, "a.bas")); string(b) != "remote" {
			t.Errorf("%s/a.bas = %q", dir, b)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, conflict.To)); string(b) != "local" {
			t.Errorf("%s/%s = %q", dir, conflict.To, b)
		}
	}
	if _, err := os.Stat(filepath.Join(remote, "skip.bak")); err == nil {
		t.Error("excluded file uploaded")
	}
}

func TestSyncCommandRefusesASecondSync(t *testing.T) {
	local, remote := syncDirs(t)
	lock, err := botsync.AcquireLock(local)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, _, stderr := runCmd(t, "sync", "--once", local, remote)
	if code != exitFailure || !strings.Contains(stderr, "another drivemon sync is running") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestIntegrationSyncCommandS3(t *testing.T) {
	env := testinfra.S3(t)
	_, bucket := env.Bucket(t)
	t.Setenv(host.EnvS3Endpoint, env.Endpoint)
	t.Setenv(host.EnvS3AccessKey, env.AccessKey)
	t.Setenv(host.EnvS3SecretKey, env.SecretKey)
	local, _ := syncDirs(t)
	os.WriteFile(filepath.Join(local, "a.bas"), []byte("TALK 1"), 0o644)
	remote := "s3://" + bucket + "/harbor.gbai"
	code, out, stderr := runCmd(t, "sync", "--once", local, remote)
	if code != 0 || !strings.Contains(out, "upload a.bas\n") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	os.Remove(filepath.Join(local, "a.bas"))
	code, out, stderr = runCmd(t, "sync", "--once", "--mode", "mirror", local, remote)
	if code != 0 || !strings.Contains(out, "delete a.bas\n") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	tree, err := botsync.NewS3Tree(drive.S3Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey}, bucket, "harbor.gbai")
	if err != nil {
		t.Fatal(err)
	}
	if files, _, err := tree.List(context.Background()); err != nil || len(files) != 0 {
		t.Errorf("bucket after a mirror of the deletion: %v, %v", files, err)
	}
}

func TestSyncStatus(t *testing.T) {
	local, remote := syncDirs(t)
	code, out, _ := runCmd(t, "sync", "status", local)
	if code != 0 || !strings.Contains(out, "has never been synced") {
		t.Fatalf("before any pass: exit %d, %q", code, out)
	}
	os.WriteFile(filepath.Join(local, "a.bas"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(local, "b.md"), []byte("b"), 0o644)
	os.WriteFile(filepath.Join(local, "clash"), []byte("a file here"), 0o644)
	os.MkdirAll(filepath.Join(remote, "clash"), 0o755) // a folder there: the upload fails
	os.WriteFile(filepath.Join(remote, "clash", "x"), []byte("x"), 0o644)
	if code, _, stderr := runCmd(t, "sync", "--once", "--exclude", "*.bak", local, remote); code != exitFailure || !strings.Contains(stderr, "clash") {
		t.Fatalf("pass with a failing upload: exit %d, %q", code, stderr)
	}
	os.WriteFile(filepath.Join(local, "a.bas"), []byte("a2"), 0o644)
	os.Remove(filepath.Join(local, "b.md"))
	os.WriteFile(filepath.Join(local, "new.md"), []byte("n"), 0o644)
	os.WriteFile(filepath.Join(local, "ignored.bak"), []byte("n"), 0o644)

	code, out, stderr := runCmd(t, "sync", "status", local)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		remote + "\n", "last pass ", "2 uploaded", "2 errors",
		"4 local changes pending", "    upload a.bas\n", "    delete b.md\n", "    upload clash\n", "    upload new.md\n",
		"errors of the last pass:\n", "\n    upload clash: ", "\n    download clash/x: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ignored.bak") {
		t.Errorf("status lists an excluded file:\n%s", out)
	}
	code, out, _ = runCmd(t, "sync", "status", "--json", local)
	var st struct {
		Remote  string
		Pending []struct{ Op, Path string }
	}
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || st.Remote != remote || len(st.Pending) != 4 {
		t.Errorf("status --json: exit %d, %s (%v)", code, out, err)
	}
	if code, _, _ := runCmd(t, "sync", "status"); code != exitUsage {
		t.Errorf("status without LOCAL: exit %d", code)
	}
}

// TestSyncCommandWatches: without --once the command keeps both folders in
// step until its context ends (Ctrl-C), then exits 0.
func TestSyncCommandWatches(t *testing.T) {
	local, remote := syncDirs(t)
	os.WriteFile(filepath.Join(remote, "down.md"), []byte("down"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"sync", "--interval", "100ms", local, remote}, &out, &errOut) }()
	waitFile(t, filepath.Join(local, "down.md"), "down")
	if err := os.MkdirAll(filepath.Join(local, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(local, "a", "b", "up.bas"), []byte("TALK 1"), 0o644)
	waitFile(t, filepath.Join(remote, "a", "b", "up.bas"), "TALK 1")
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after cancel; stderr %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sync did not stop within 10 s of its context ending")
	}
}

func waitFile(t *testing.T, p, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if got, err := os.ReadFile(p); err == nil && string(got) == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	got, err := os.ReadFile(p)
	t.Fatalf("%s = %q (%v), want %q", p, got, err, want)
}
