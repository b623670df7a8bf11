package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/pkg/botsync"
)

func TestBarLine(t *testing.T) {
	for _, tt := range []struct {
		files, all  int
		bytes, allB int64
		elapsed     time.Duration
		want        string
	}{
		{0, 10, 0, 4096, 0, "[....................]  0/10 files  0 B/4.0 KiB"},
		{5, 10, 2048, 4096, 2 * time.Second, "[##########..........]  5/10 files  2.0 KiB/4.0 KiB  1.0 KiB/s  ETA 2s"},
		{10, 10, 4096, 4096, 4 * time.Second, "[####################] 10/10 files  4.0 KiB/4.0 KiB  1.0 KiB/s  ETA 0s"},
		{3, 6, 0, 0, time.Second, "[##########..........] 3/6 files  0 B/0 B"},
		{1, 2, 3 << 20, 6 << 30, time.Second, "[....................] 1/2 files  3.0 MiB/6.0 GiB  3.0 MiB/s  ETA 34m7s"},
	} {
		if got := barLine(tt.files, tt.all, tt.bytes, tt.allB, tt.elapsed); got != tt.want {
			t.Errorf("barLine(%d/%d, %d/%d, %s)\n got %q\nwant %q", tt.files, tt.all, tt.bytes, tt.allB, tt.elapsed, got, tt.want)
		}
	}
}

// TestSyncBarOnlyOnATerminalAboveAFewFiles: barAbove files draw nothing,
// one more draws the bar under each action's line and wipes it at the
// end; off a terminal nothing is drawn.
func TestSyncBarOnlyOnATerminalAboveAFewFiles(t *testing.T) {
	run := func(tty bool, files int) (string, string) {
		var bar, lines bytes.Buffer
		b := &syncBar{out: &bar, tty: tty}
		b.plan(files, int64(files)*100)
		report := b.wrap(func(a botsync.Action) { lines.WriteString(string(a.Op) + " " + a.Path + "\n") })
		for i := 0; i < files; i++ {
			report(botsync.Action{Op: botsync.Upload, Path: "f", Bytes: 100})
		}
		b.end()
		return bar.String(), lines.String()
	}
	if bar, lines := run(true, barAbove); bar != "" || strings.Count(lines, "upload f\n") != barAbove {
		t.Errorf("%d files: bar %q, lines %q; want no bar", barAbove, bar, lines)
	}
	bar, _ := run(true, barAbove+1)
	if n := strings.Count(bar, "files"); n != barAbove+1 {
		t.Errorf("%d files: bar drawn %d times, want once per file:\n%q", barAbove+1, n, bar)
	}
	if !strings.Contains(bar, "6/6 files  600 B/600 B") || !strings.HasSuffix(bar, "\r\x1b[K") {
		t.Errorf("bar does not reach 6/6 and end wiped: %q", bar)
	}
	if bar, _ := run(false, 100); bar != "" {
		t.Errorf("off a terminal the bar drew %q", bar)
	}
}
