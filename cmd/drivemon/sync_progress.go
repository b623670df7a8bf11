package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/drivemon/drivemon/pkg/botsync"
)

// barAbove is how many files a pass must transfer for a progress bar.
const barAbove = 5

// syncBar is the progress bar of a sync pass on a terminal (stderr):
// files and bytes done of the plan's, rate and ETA, drawn again under each
// action's line and wiped when the pass ends, before its summary line.
// Off a terminal it draws nothing: the summary line says what was done.
type syncBar struct {
	out io.Writer
	tty bool

	mu           sync.Mutex
	active       bool
	shown        bool
	start        time.Time
	files, nFile int
	bytes, nByte int64
}

// plan starts a pass's bar (Options.OnPlan).
func (b *syncBar) plan(files int, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.active = b.tty && files > barAbove
	b.start = time.Now()
	b.files, b.bytes, b.nFile, b.nByte = files, bytes, 0, 0
}

// wrap makes report print each action above the bar.
func (b *syncBar) wrap(report func(botsync.Action)) func(botsync.Action) {
	return func(a botsync.Action) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.wipe()
		report(a)
		if !b.active {
			return
		}
		switch a.Op {
		case botsync.Upload, botsync.Download, botsync.Conflict:
			b.nFile++
			b.nByte += a.Bytes
		}
		fmt.Fprint(b.out, barLine(b.nFile, b.files, b.nByte, b.bytes, time.Since(b.start)))
		b.shown = true
	}
}

func (b *syncBar) wipe() {
	if b.shown {
		fmt.Fprint(b.out, "\r\x1b[K")
		b.shown = false
	}
}

// end wipes the bar (the summary line follows).
func (b *syncBar) end() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.wipe()
	b.active = false
}

// barLine is the bar's text:
// `[#######.............]  35/100 files  1.2 MiB/3.4 MiB  600 KiB/s  ETA 4s`.
func barLine(files, allFiles int, bytes, allBytes int64, elapsed time.Duration) string {
	const width = 20
	frac := 1.0
	switch {
	case allBytes > 0:
		frac = float64(bytes) / float64(allBytes)
	case allFiles > 0:
		frac = float64(files) / float64(allFiles)
	}
	frac = min(max(frac, 0), 1)
	n := int(frac * width)
	line := fmt.Sprintf("[%s%s] %*d/%d files  %s/%s", strings.Repeat("#", n), strings.Repeat(".", width-n),
		len(fmt.Sprint(allFiles)), files, allFiles, byteSize(bytes), byteSize(allBytes))
	if elapsed <= 0 || bytes <= 0 {
		return line
	}
	rate := float64(bytes) / elapsed.Seconds()
	eta := time.Duration(float64(allBytes-bytes) / rate * float64(time.Second))
	return line + fmt.Sprintf("  %s/s  ETA %s", byteSize(int64(rate)), eta.Round(time.Second))
}

// byteSize writes n in B, KiB, MiB or GiB with one decimal above bytes.
func byteSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, "KiB"
	for _, u := range []string{"MiB", "GiB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	return fmt.Sprintf("%.1f %s", v, unit)
}
