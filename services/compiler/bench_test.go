package compiler

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/services/compiler/analysis"
	"github.com/drivemon/drivemon/services/compiler/basic"
	"github.com/drivemon/drivemon/services/compiler/store"
)

// BenchmarkCorpus compiles every .bas file of the corpus: "parse" (the
// lexer and parser alone) is the baseline of "compile" (parse and
// analyse: tool schema, effects, cron validation).
func BenchmarkCorpus(b *testing.B) {
	root := testinfra.CorpusDir(b)
	var names []string
	var srcs [][]byte
	total := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".bas") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		names, srcs, total = append(names, p), append(srcs, src), total+len(src)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	run := map[string]func(name string, src []byte){
		"parse":   func(_ string, src []byte) { basic.Parse(src) },
		"compile": func(name string, src []byte) { analysis.Compile(name, src, nil) },
	}
	for _, mode := range []string{"parse", "compile"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(total))
			b.ReportAllocs()
			for b.Loop() {
				for i, src := range srcs {
					run[mode](names[i], src)
				}
			}
			b.ReportMetric(float64(b.N*len(srcs))/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkChangeToRow is the latency of the whole path: write a dialog,
// publish its change on DRIVE (embedded JetStream, file storage), one
// compiler replica reads, compiles and commits it, and its outcome (sent
// after the commit) arrives. The baseline "store" rows time PutScript
// alone on the same store, so the difference is the event path.
func BenchmarkChangeToRow(b *testing.B) {
	src := func(i int) string {
		return fmt.Sprintf("PARAM name AS STRING DESCRIPTION \"Who\"\nPARAM day AS DATE OPTIONAL\nDESCRIPTION \"Books visit %d\"\n"+
			"SET SCHEDULE \"%d 9 * * *\"\nWEBHOOK \"visits\"\nIF name <> \"\" THEN\n  TALK \"Hello \" + name\nEND IF\n", i, i%60)
	}
	for _, s := range stores {
		b.Run("store/"+s.name, func(b *testing.B) {
			st := s.open(b)
			res := analysis.Compile(bookPath, []byte(src(0)), nil)
			var lat []time.Duration
			seq := uint64(0)
			for b.Loop() {
				seq++
				sc, err := store.NewScript(context.Background(), "harbor", bookPath, seq, "etag", []byte(src(int(seq))), &res, time.Now())
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if _, err := st.PutScript(context.Background(), sc); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			reportPercentiles(b, lat)
		})
		b.Run("event/"+s.name, func(b *testing.B) {
			r := newRig(b, s.open(b))
			r.start(b, Config{Concurrency: 1})
			var lat []time.Duration
			i := 0
			for b.Loop() {
				i++
				c := r.files.write(b, "harbor", bookPath, src(i))
				start := time.Now()
				c = r.publish(b, c)
				r.outcome(b, c.Seq)
				lat = append(lat, time.Since(start))
			}
			reportPercentiles(b, lat)
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
