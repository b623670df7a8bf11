package botsync

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
)

// Environment of a child process running one pass (TestMain).
const (
	envChildLocal  = "BOTSYNC_TEST_CHILD_LOCAL"
	envChildRemote = "BOTSYNC_TEST_CHILD_REMOTE" // a folder or s3://bucket/prefix
	envChildDelay  = "BOTSYNC_TEST_CHILD_DELAY"  // before each REMOTE write: a slow link
)

func TestMain(m *testing.M) {
	if local := os.Getenv(envChildLocal); local != "" {
		if err := childPass(local, os.Getenv(envChildRemote)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// slow delays every write, so a test can kill the pass mid-transfer.
type slow struct {
	Tree
	delay time.Duration
}

func (s *slow) Write(ctx context.Context, p string, data []byte) (Entry, error) {
	time.Sleep(s.delay)
	return s.Tree.Write(ctx, p, data)
}

// childPass runs one two-way pass and prints "op path" per action.
func childPass(local, remoteArg string) error {
	var remote Tree
	var err error
	if rest, ok := strings.CutPrefix(remoteArg, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		remote, err = NewS3Tree(drive.S3Config{Endpoint: os.Getenv(testinfra.EnvS3Endpoint),
			AccessKey: os.Getenv(testinfra.EnvS3AccessKey), SecretKey: os.Getenv(testinfra.EnvS3SecretKey)}, bucket, prefix)
	} else {
		remote, err = NewDirTree(remoteArg)
	}
	if err != nil {
		return err
	}
	if d, _ := time.ParseDuration(os.Getenv(envChildDelay)); d > 0 {
		remote = &slow{Tree: remote, delay: d}
	}
	l, err := NewDirTree(local)
	if err != nil {
		return err
	}
	f, _ := NewFilter(DefaultExcludes)
	s := &Syncer{Local: l, Remote: remote, Opt: Options{Mode: TwoWay, Filter: f, Host: "child", StateFile: BasePath(local, remote.String())}}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	_, err = s.Pass(context.Background(), func(a Action) {
		if a.Err != nil {
			fmt.Fprintf(out, "error %s %v\n", a.Path, a.Err)
			return
		}
		fmt.Fprintf(out, "%s %s\n", a.Op, a.Path)
		out.Flush()
	})
	return err
}

func TestIntegrationSyncKilledMidTransfer(t *testing.T) {
	eachKind(t, func(t *testing.T, kind string, h *harness) {
		remoteArg := h.remote.tree().String()
		if s, ok := h.remote.(*s3Side); ok {
			remoteArg = "s3://" + s.bucket + "/" + strings.TrimSuffix(s.prefix, "/")
		}
		const n = 200
		files := map[string]string{}
		for i := range n {
			p := fmt.Sprintf("harbor.gbkb/docs/%03d.md", i)
			files[p] = strings.Repeat(fmt.Sprintf("document %d\n", i), 2000)
			h.put(t, p, files[p])
		}
		child := func(delay string) *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envChildLocal+"="+h.local, envChildRemote+"="+remoteArg, envChildDelay+"="+delay)
			cmd.Stderr = os.Stderr
			return cmd
		}

		// 200 ms a write, transferWorkers at once: about 5 s for 200.
		first := child("200ms")
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		var atKill map[string]string
		deadline := time.Now().Add(60 * time.Second)
		for {
			atKill = h.remote.snapshot(t)
			if len(atKill) >= 60 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := first.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		first.Wait()
		atKill = h.remote.snapshot(t) // what was complete when it died
		if len(atKill) < 60 || len(atKill) >= n {
			t.Fatalf("killed with %d of %d files on REMOTE: not mid-transfer", len(atKill), n)
		}
		for p, c := range atKill {
			if files[p] != c {
				t.Fatalf("REMOTE %q is not the whole file (%d of %d bytes)", p, len(c), len(files[p]))
			}
		}

		second := child("")
		out, err := second.Output()
		if err != nil {
			t.Fatalf("second pass: %v\n%s", err, out)
		}
		uploads := 0
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			op, p, _ := strings.Cut(line, " ")
			switch Op(op) {
			case Upload:
				uploads++
				if _, done := atKill[p]; done {
					t.Errorf("%s re-uploaded though it was complete before the kill", p)
				}
			case Agree:
			default:
				t.Errorf("second pass: %s", line)
			}
		}
		if uploads != n-len(atKill) {
			t.Errorf("second pass uploaded %d, want the %d missing", uploads, n-len(atKill))
		}
		h.want(t, files)
		if _, err := os.Stat(filepath.Join(h.local, StateDir)); err != nil {
			t.Error(err)
		}
		t.Logf("killed with %d of %d on REMOTE; the restart uploaded %d", len(atKill), n, uploads)
	})
}
