package analysis

import (
	"strings"
	"testing"
)

func TestSchedules(t *testing.T) {
	cases := []struct {
		name     string
		src      string
		wantCron string
		wantWarn string // a schedule upstream cannot read is a warning: it runs the dialog without it
		dynamic  bool
	}{
		{"five fields", `SET SCHEDULE "59 * * * *"`, "59 * * * *", "", false},
		{"six fields with seconds", `SET SCHEDULE "0 0 22 * * *"`, "0 0 22 * * *", "", false},
		{"descriptor", `SET SCHEDULE "@daily"`, "@daily", "", false},
		{"every descriptor", `SET SCHEDULE "@every 90m"`, "@every 90m", "", false},
		{"natural language bare", "SET SCHEDULE every 1 hour", "0 */1 * * *", "", false},
		{"natural language quoted", `SET SCHEDULE "every day at 9am"`, "0 9 * * *", "", false},
		{"weekday", `SET SCHEDULE "every monday at 14:30"`, "30 14 * * 1", "", false},
		{"invalid minute", `SET SCHEDULE "61 * * * *"`, "", "invalid cron expression", false},
		{"too few fields", `SET SCHEDULE "* * *"`, "", "invalid cron expression", false},
		{"gibberish", `SET SCHEDULE "whenever you like"`, "", "cannot understand schedule", false},
		{"variable", "SET SCHEDULE schedule, \"job.bas\"", "", "", true},
		{"underscore form", `SET_SCHEDULE "0 9 * * 1-5"`, "0 9 * * 1-5", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Compile("s.bas", []byte(tc.src+"\n"), nil)
			if len(res.Effects.Schedules) != 1 {
				t.Fatalf("schedules = %+v, want one", res.Effects.Schedules)
			}
			s := res.Effects.Schedules[0]
			if s.Cron != tc.wantCron || s.Dynamic != tc.dynamic {
				t.Errorf("schedule = %+v, want cron %q dynamic %v", s, tc.wantCron, tc.dynamic)
			}
			var errs, warns []string
			for _, d := range res.Diagnostics {
				if d.Severity == "error" {
					errs = append(errs, d.Message)
				} else {
					warns = append(warns, d.Message)
				}
			}
			switch {
			case len(errs) > 0:
				t.Errorf("unexpected errors %v", errs)
			case tc.wantWarn == "" && len(warns) > 0:
				t.Errorf("unexpected warnings %v", warns)
			case tc.wantWarn != "" && (len(warns) != 1 || !strings.Contains(warns[0], tc.wantWarn) || !strings.HasSuffix(warns[0], noSchedule)):
				t.Errorf("warnings %v, want one containing %q", warns, tc.wantWarn)
			}
		})
	}
}

func TestScheduleErrorPosition(t *testing.T) {
	res := Compile("s.bas", []byte("TALK 1\n  SET SCHEDULE \"99 * * * *\"\n"), nil)
	if len(res.Diagnostics) != 1 || res.Diagnostics[0].Line != 2 || res.Diagnostics[0].Col != 16 {
		t.Fatalf("diagnostics = %v, want one warning at 2:16", res.Diagnostics)
	}
}

func TestEffectsAndReferences(t *testing.T) {
	src := `WEBHOOK "data-sync"
USE KB "docs"
ADD KB "missing-kb"
USE TOOL "lookup"
ADD TOOL "ghost.bas"
USE WEBSITE "https://example.com"
USE KB name
TABLE leads
    id UUID PRIMARY KEY
    name VARCHAR(255) NOT NULL
END TABLE
`
	inv := &Inventory{Tools: []string{"lookup"}, KBs: []string{"docs"}}
	res := Compile("e.bas", []byte(src), inv)
	e := res.Effects
	if len(e.Webhooks) != 1 || e.Webhooks[0].Name != "data-sync" {
		t.Errorf("webhooks = %+v", e.Webhooks)
	}
	if len(e.KBs) != 3 || e.KBs[0].Name != "docs" || e.KBs[1].Keyword != "ADD KB" || !e.KBs[2].Dynamic {
		t.Errorf("kbs = %+v", e.KBs)
	}
	if len(e.Tools) != 2 || e.Tools[1].Name != "ghost.bas" {
		t.Errorf("tools = %+v", e.Tools)
	}
	if len(e.Websites) != 1 || e.Websites[0].Name != "https://example.com" {
		t.Errorf("websites = %+v", e.Websites)
	}
	if len(e.Tables) != 1 || e.Tables[0].Name != "leads" || len(e.Tables[0].Columns) != 2 ||
		e.Tables[0].Columns[1].Type != "VARCHAR" || e.Tables[0].Columns[1].TypeArgs[0] != "255" {
		t.Errorf("tables = %+v", e.Tables)
	}
	var warns []string
	for _, d := range res.Diagnostics {
		if d.Severity == "warning" {
			warns = append(warns, d.Message)
		} else {
			t.Errorf("unexpected %s", d)
		}
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "missing-kb") || !strings.Contains(warns[1], "ghost") {
		t.Errorf("warnings = %q, want missing-kb and ghost", warns)
	}
	if res := Compile("e.bas", []byte(src), nil); len(res.Diagnostics) != 0 {
		t.Errorf("nil inventory: diagnostics %v, want none", res.Diagnostics)
	}
}
