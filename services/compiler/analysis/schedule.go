package analysis

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"

	"github.com/drivemon/drivemon/services/compiler/basic"
)

// Schedule is a SET SCHEDULE declaration. Expr is the schedule as written;
// Cron is the validated cron expression (5 fields, 6 with seconds, or a
// descriptor such as @daily or @every 1h) it stands for, empty when it is
// dynamic or invalid. Args are further literal arguments (the script and
// job of `SET SCHEDULE "0 9 * * *" "jobs.bas" "scoring"`).
type Schedule struct {
	Expr    string   `json:"expr"`
	Cron    string   `json:"cron,omitempty"`
	Args    []string `json:"args,omitempty"`
	Dynamic bool     `json:"dynamic,omitempty"`
	Line    int      `json:"line"`
	Col     int      `json:"col"`
}

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ValidateCron checks a cron expression: 5 fields, 6 fields with seconds
// first, or a descriptor (@hourly, @every 90m, …).
func ValidateCron(expr string) error {
	if _, err := cronParser.Parse(expr); err != nil {
		return fmt.Errorf("invalid cron expression %q: %w", expr, err)
	}
	return nil
}

// schedule records and validates SET SCHEDULE args.
func (a *analyzer) schedule(at basic.Pos, args []basic.Expr) {
	s := Schedule{Line: at.Line, Col: at.Col}
	if len(args) == 0 {
		a.errorf(at, "SET SCHEDULE needs a schedule: expected a cron expression such as \"0 9 * * *\"")
		return
	}
	rest := args
	switch x := args[0].(type) {
	case *basic.String:
		if x.Parts != nil {
			s.Dynamic = true
		}
		s.Expr, s.Line, s.Col = x.Value, x.Line, x.Col
		rest = args[1:]
	default:
		// Natural language written without quotes (SET SCHEDULE every 1
		// hour); anything else is a variable, known only at run time.
		var words []string
		if w, ok := wordText(args[0]); !ok || !scheduleWords[strings.ToLower(w)] {
			rest = rest[:0]
		}
		for len(rest) > 0 {
			w, ok := wordText(rest[0])
			if !ok {
				break
			}
			words = append(words, w)
			rest = rest[1:]
		}
		if len(words) == 0 {
			s.Dynamic = true
			rest = args[1:]
		}
		s.Expr = strings.Join(words, " ")
		p := args[0].Position()
		s.Line, s.Col = p.Line, p.Col
	}
	for _, r := range rest {
		if str, ok := r.(*basic.String); ok {
			s.Args = append(s.Args, str.Value)
		}
	}
	if !s.Dynamic {
		s.Cron = a.resolveSchedule(basic.Pos{Line: s.Line, Col: s.Col}, s.Expr)
	}
	a.effects.Schedules = append(a.effects.Schedules, s)
}

// wordText returns the text of a bare word or number in a natural-language
// schedule.
func wordText(x basic.Expr) (string, bool) {
	switch x := x.(type) {
	case *basic.Ident:
		return x.Name, true
	case *basic.Word:
		return strings.ToLower(x.Name), true
	case *basic.Number:
		return x.Value, true
	}
	return "", false
}

// noSchedule ends the warning of a schedule that cannot be read: upstream
// logs the failure and runs the dialog without it, so it is no error.
const noSchedule = "; General Bots runs the dialog without this schedule"

// resolveSchedule turns a schedule into a valid cron expression, warning
// when it is neither valid cron nor understood natural language.
func (a *analyzer) resolveSchedule(at basic.Pos, expr string) string {
	text := strings.TrimSpace(expr)
	if text == "" {
		a.warnf(at, "empty schedule: expected a cron expression such as \"0 9 * * *\""+noSchedule)
		return ""
	}
	if looksLikeCron(text) {
		if err := ValidateCron(text); err != nil {
			a.warnf(at, "%v"+noSchedule, err)
			return ""
		}
		return text
	}
	c, ok := naturalSchedule(text)
	if !ok {
		a.warnf(at, "cannot understand schedule %q: expected a cron expression such as \"0 9 * * *\" or a phrase such as \"every 5 minutes\" or \"every day at 9am\""+noSchedule, text)
		return ""
	}
	if err := ValidateCron(c); err != nil {
		a.warnf(at, "schedule %q: %v"+noSchedule, text, err)
		return ""
	}
	return c
}

// looksLikeCron reports whether text is written as cron fields or a
// descriptor rather than words.
func looksLikeCron(text string) bool {
	if strings.HasPrefix(text, "@") {
		return true
	}
	f := strings.Fields(text)
	if len(f) == 0 {
		return false
	}
	c := f[0][0]
	return c == '*' || c == '?' || c >= '0' && c <= '9' || len(f) >= 5
}

// scheduleWords are the words a natural-language schedule starts with.
var scheduleWords = map[string]bool{"every": true, "daily": true, "hourly": true, "weekly": true, "monthly": true, "minutely": true}

var (
	reEvery   = regexp.MustCompile(`^every\s+(\d+)\s*(second|sec|minute|min|hour|hr|day)s?$`)
	reTimeOfD = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$`)
	weekdays  = map[string]string{
		"sunday": "0", "monday": "1", "tuesday": "2", "wednesday": "3", "thursday": "4", "friday": "5", "saturday": "6",
		"sun": "0", "mon": "1", "tue": "2", "wed": "3", "thu": "4", "fri": "5", "sat": "6",
	}
)

// naturalSchedule converts the phrases the runtime accepts ("every minute",
// "every 5 minutes", "every hour", "every day at 9am", "every monday at
// 14:30", "every weekday at 8:00", "hourly", "daily", …) to cron.
func naturalSchedule(text string) (string, bool) {
	t := strings.ToLower(strings.Join(strings.Fields(text), " "))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "s"), " ")
	switch t {
	case "every minute", "minutely":
		return "* * * * *", true
	case "every hour", "hourly":
		return "0 * * * *", true
	case "every day", "daily":
		return "0 0 * * *", true
	case "every week", "weekly":
		return "0 0 * * 0", true
	case "every month", "monthly":
		return "0 0 1 * *", true
	}
	if m := reEvery.FindStringSubmatch(t); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n <= 0 {
			return "", false
		}
		switch m[2] {
		case "second", "sec":
			return fmt.Sprintf("@every %ds", n), true
		case "minute", "min":
			return fmt.Sprintf("*/%d * * * *", n), true
		case "hour", "hr":
			return fmt.Sprintf("0 */%d * * *", n), true
		default:
			return fmt.Sprintf("0 0 */%d * *", n), true
		}
	}
	day, at, hasAt := strings.Cut(t, " at ")
	if !hasAt {
		at = "0:00"
	}
	minute, hour, ok := timeOfDay(strings.TrimSpace(at))
	if !ok {
		return "", false
	}
	day = strings.TrimPrefix(strings.TrimSpace(day), "every ")
	dow := ""
	switch day {
	case "day", "daily":
		dow = "*"
	case "weekday":
		dow = "1-5"
	case "weekend":
		dow = "0,6"
	default:
		d, ok := weekdays[strings.TrimSuffix(day, "s")]
		if !ok {
			return "", false
		}
		dow = d
	}
	return fmt.Sprintf("%d %d * * %s", minute, hour, dow), true
}

// timeOfDay parses 9am, 9:30pm, 14:00, noon, midnight.
func timeOfDay(s string) (minute, hour int, ok bool) {
	switch s {
	case "noon":
		return 0, 12, true
	case "midnight":
		return 0, 0, true
	}
	m := reTimeOfD.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	switch m[3] {
	case "am":
		if hour == 12 {
			hour = 0
		}
	case "pm":
		if hour < 12 {
			hour += 12
		}
	}
	if hour > 23 || minute > 59 {
		return 0, 0, false
	}
	return minute, hour, true
}
