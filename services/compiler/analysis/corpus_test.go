package analysis

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// knownBroken are corpus files that really are not valid BASIC, with the
// reason. They must still compile (no panic, a result), just not cleanly.
// A statement General Bots does not register (register_custom_syntax, the
// keyword table) makes its compiler reject the whole file.
var knownBroken = map[string]string{
	"ai/content-moderation.gbai/content-moderation.bas":                           "a workflow sketch: STEP n: HUMAN APPROVAL …, TIMEOUT, APPROVE are not registered upstream",
	"ai/marketing-campaign.gbai/marketing-campaign.bas":                           "PARALLEL, BRANCH … END PARALLEL are not registered upstream",
	"communications/announcements.gbai/announcements.gbdialog/change-subject.bas": "ADD_KB is not registered upstream (USE KB is)",
	"core/bling.gbai/bling.gbdialog/data-analysis.bas":                            "ALLOW ROLE is not registered upstream",
	"core/bling.gbai/bling.gbdialog/refresh-llm.bas":                              "REFRESH is not registered upstream",
	"core/bling.gbai/bling.gbdialog/sync-erp.bas":                                 "RESET REPORT is not registered upstream",
	"sales/attendance-crm.gbai/attendance-crm.gbdialog/queue-monitor.bas":         "NOTIFY ATTENDANT is not registered upstream",
	"sales/crm.gbai/crm.gbdialog/account-management.bas":                          "RECORD METRIC and a bare WHERE line are not registered upstream",
	"sales/crm.gbai/crm.gbdialog/activity-tracking.bas":                           "RECORD METRIC is not registered upstream",
	"sales/crm.gbai/crm.gbdialog/new_email.bas":                                   "NOTIFY AGENT and TRIGGER are not registered upstream",
	"sales/crm.gbai/crm.gbdialog/new_session.bas":                                 "CACHE SET and SCHEDULE are not registered upstream",
	"sales/crm.gbai/crm.gbdialog/on_transfer.bas":                                 "NOTIFY AGENT, CACHE SET, SCHEDULE and ESCALATE are not registered upstream",
	"sales/crm.gbai/crm.gbdialog/send-proposal-v0.bas":                            "a bare text template (prose with ${…}), not a script",
}

// corpusFiles returns the .bas files of the corpus, relative to bots/.
func corpusFiles(tb testing.TB) (string, []string) {
	tb.Helper()
	root := filepath.Join(testinfra.CorpusDir(tb), "bots")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".bas") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walking corpus: %v", err)
	}
	if len(files) == 0 {
		tb.Fatal("no .bas files in the corpus")
	}
	return root, files
}

func TestCorpusCompiles(t *testing.T) {
	root, files := corpusFiles(t)
	clean := 0
	for _, rel := range files {
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		res := Compile(rel, src, nil)
		if res.AST == nil {
			t.Fatalf("%s: no AST", rel)
		}
		errs := diag.Count(res.Diagnostics, diag.Error)
		reason, broken := knownBroken[rel]
		switch {
		case errs == 0 && broken:
			t.Errorf("%s is listed as broken (%s) but compiles cleanly: remove it from knownBroken", rel, reason)
		case errs == 0:
			clean++
		case !broken:
			for _, d := range res.Diagnostics {
				if d.Severity == diag.Error {
					t.Errorf("%s:%s", rel, d)
				}
			}
		}
	}
	ratio := float64(clean) / float64(len(files))
	t.Logf("%d of %d corpus dialogs compile with zero errors (%.1f%%)", clean, len(files), 100*ratio)
	if clean+len(knownBroken) < len(files) {
		t.Errorf("%d dialogs have errors but are not listed in knownBroken", len(files)-clean-len(knownBroken))
	}
}

func BenchmarkCompileCorpus(b *testing.B) {
	root, files := corpusFiles(b)
	srcs := make([][]byte, len(files))
	total := 0
	for i, rel := range files {
		src, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			b.Fatal(err)
		}
		srcs[i] = src
		total += len(src)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, src := range srcs {
			Compile(files[i], src, nil)
		}
	}
	b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "files/s")
}
