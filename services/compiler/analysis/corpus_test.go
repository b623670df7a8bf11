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

// knownBrokenBook are the BASIC examples of the book (../shared/corpus/
// botbook) that do not compile cleanly, with the reason; see the
// compiler's doc. Every other example must compile with no error.
var knownBrokenBook = map[string]string{
	"02-architecture-packages__template-analytics__004.bas":       "a fragment, not a program: CASE without a matching SELECT CASE or SWITCH",
	"02-architecture-packages__template-bi__002.bas":              "a fragment, not a program: SQL lines (WHERE …) outside a string",
	"02-architecture-packages__template-bi__003.bas":              "a fragment, not a program: SQL lines (FROM …) outside a string",
	"02-architecture-packages__template-office__003.bas":          "a fragment, not a program: CASE without a matching SELECT CASE or SWITCH",
	"02-architecture-packages__template-office__004.bas":          "a fragment, not a program: CASE without a matching SELECT CASE or SWITCH",
	"04-basic-scripting__keyword-book__009.bas":                   "a bare END, which General Bots does not register (its Rhai would read a variable END); the label handle_error: compiles",
	"04-basic-scripting__keyword-exit-for__001.bas":               "a fragment, not a program: IF at 2:5 is not closed: expected END IF, found NEXT at 6:1",
	"04-basic-scripting__keyword-graphql__009.bas":                "a form General Bots does not run: single-quoted text in a WITH block; expected end of line after the assignment, found string \"Profile updated!\"",
	"04-basic-scripting__keyword-post__001.bas":                   "a form General Bots does not run: expected an expression, found \".\"",
	"04-basic-scripting__keyword-save__002.bas":                   "a form General Bots does not run: expected an expression, found \".\"",
	"04-basic-scripting__keyword-set__011.bas":                    "a fragment, not a program: expected an expression, found \"$\"",
	"04-basic-scripting__keyword-think-kb__002.bas":               "a fragment, not a program: expected a statement, found \"{\"",
	"04-basic-scripting__template-variables__002.bas":             "a fragment, not a program: expected a statement, found \".1\"",
	"04-basic-scripting__templates__analytics-dashboard__002.bas": "a fragment, not a program: expected an expression, found \")\"",
	"04-basic-scripting__templates__auth__001.bas":                "LABEL auth_loop: upstream's labels are `name:` lines (botbasic_compiler/src/goto_transform.rs), LABEL is no keyword",
	"04-basic-scripting__templates__default__002.bas":             "a fragment, not a program: ELSE without a matching IF",
	"04-basic-scripting__templates__helpdesk__003.bas":            "a form General Bots does not run: expected end of line after the assignment, found \"THEN\"",
	"06-channels__whatsapp-examples__009.bas":                     "a form General Bots does not run: expected THEN after the IF condition, found \"EXISTS\"",
	"06-channels__whatsapp-quick-reference__003.bas":              "a fragment, not a program: expected a statement, found \"*\"",
	"06-channels__whatsapp-quick-reference__004.bas":              "a genuine mistake in the book: unterminated string: expected a closing \" before the end of the file",
	"06-channels__whatsapp-webhooks__001.bas":                     "a form General Bots does not run: expected end of line after the assignment, found string \"1.0\"",
	"07-user-interface__how-to__write-first-dialog__008.bas":      "a genuine mistake in the book: HEAR AS email (which compiles, with a warning) followed by a bare word email on its own line",
	"12-ecosystem-reference__ide-extensions__001.bas":             "a form General Bots does not run: expected a parameter name after PARAM, found \"$\"",
	"12-ecosystem-reference__ide-extensions__002.bas":             "a fragment, not a program: expected a statement, found \"$\"",
	"12-ecosystem-reference__intercom__001.bas":                   "a fragment, not a program: LOOP without a matching DO",
	"12-ecosystem-reference__notion__003.bas":                     "a fragment, not a program: CASE without a matching SELECT CASE or SWITCH",
}

// TestBotbookConformance compiles every BASIC example of the book: no
// error but on the listed ones, which must still fail.
func TestBotbookConformance(t *testing.T) {
	root := filepath.Join(testinfra.CorpusDir(t), "botbook")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	files, clean := 0, 0
	for _, e := range entries {
		if !strings.EqualFold(filepath.Ext(e.Name()), ".bas") {
			continue
		}
		files++
		src, err := os.ReadFile(filepath.Join(root, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		res := Compile(e.Name(), src, nil)
		errs := diag.Count(res.Diagnostics, diag.Error)
		reason, broken := knownBrokenBook[e.Name()]
		switch {
		case errs == 0 && broken:
			t.Errorf("%s is listed as broken (%s) but compiles cleanly: remove it", e.Name(), reason)
		case errs == 0:
			clean++
		case !broken:
			for _, d := range res.Diagnostics {
				if d.Severity == diag.Error {
					t.Errorf("%s:%s", e.Name(), d)
				}
			}
		}
	}
	if files == 0 {
		t.Fatal("no .bas files in the botbook corpus")
	}
	t.Logf("%d of %d book examples compile with no error (%.1f%%)", clean, files, 100*float64(clean)/float64(files))
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
