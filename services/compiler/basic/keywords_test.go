package basic

import (
	"slices"
	"strings"
	"testing"
)

// example writes a program that uses a form of the keyword table, holes
// filled with small values.
func example(f Form) string {
	fill := map[string]string{
		"$expr$": "x", "$ident$": "v", "$string$": `"s"`, "$int$": "1", "$type$": "STRING",
		"$block$": "\n  TALK 1\n", "$stmt$": "TALK 1", "$text$": "\nhello ${x}\n",
		"$columns$": "\n  id INTEGER\n", "$params$": "p", "$args$": "x", "$nl$": "\n", "$rest$": "x", "$book$": "x",
	}
	var b strings.Builder
	if f.IsFunction() {
		b.WriteString("r = ")
	}
	for i, t := range f.Tokens {
		if v, ok := fill[t]; ok {
			t = v
		}
		if i > 0 && !strings.HasPrefix(t, "\n") && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	if f.Tokens[len(f.Tokens)-1] == "DO" && f.Tokens[0] != "EXIT" {
		// A form ending in DO opens a block closed by END <its first word>.
		b.WriteString("\n  TALK 1\nEND " + f.Tokens[0])
	}
	return b.String() + "\n"
}

// TestKeywordTable parses an example of every form of the table: each must
// compile without an error.
func TestKeywordTable(t *testing.T) {
	if len(Forms) < 300 {
		t.Fatalf("the table has %d forms; upstream registers about 290 statements and more functions", len(Forms))
	}
	for _, f := range Forms {
		if f.IsFunction() && operatorWords[f.Tokens[0]] {
			continue // AND(a, b), MOD(a, b): upstream registers the operators as functions too
		}
		if f.Source == "" {
			t.Errorf("%v: no source", f.Tokens)
		}
		src := example(f)
		rest := slices.Contains(f.Tokens, "$rest$") // a book chapter's keyword: its phrase is known
		_, ds := Parse([]byte(src))
		if slices.Contains(f.Tokens, "$book$") && !strings.Contains(messages(ds), "documented in the book ("+f.Source+") but not registered") {
			t.Errorf("%s: a form only the book's code uses must compile with a warning naming %s; got %q", src, f.Source, messages(ds))
		}
		if len(ds) > 0 {
			for _, d := range ds {
				if d.Severity == "error" && (!rest || strings.Contains(d.Message, "unknown statement")) {
					t.Errorf("%s (%s):\n%s→ %s", strings.Join(f.Tokens, " "), f.Source, src, d)
				}
			}
		}
	}
}

// The examples of issue 12.
func TestStatementRules(t *testing.T) {
	cases := []struct{ src, want string }{
		{"TLAK \"hello\"\n", "1:1: error: unknown statement TLAK; did you mean TALK?"},
		{"FROBNICATE 1\n", "1:1: error: unknown statement FROBNICATE: not a keyword of General Bots BASIC, an assignment or a call"},
		{"WHILE x DO\n  TALK 1\nWEND\n", "1:9: error: WHILE … DO is not General Bots BASIC (it has WHILE … WEND and DO WHILE … LOOP); remove DO"},
		{"END FOR\n", "1:1: error: END FOR without a matching FOR"},
		{"x = step + 1\n", ""},
		{"SAVE \"t\", a, step\n", ""},
		{"PARAM step AS INTEGER\n", ""},
		{"SUB Frob(a)\nEND SUB\nFrob 1\n", ""},
		{"x = FORMAT NOW() AS \"YYYY\"\n", ""},
		{"SEND_SMS phone, \"hi\"\n", ""},
		{"TRY\n  x = 1\nCATCH e\n  TALK e\nEND TRY\n", "1:1: warning: TRY … CATCH … END TRY is in General Bots' book but its runtime registers no TRY; ON ERROR RESUME NEXT with IF ERROR is the form it runs"},
		{"CATCH e\n", "1:1: error: CATCH without a matching TRY"},
		{"TRACK EVENT \"click\", \"b=1\"\n", "1:1: warning: TRACK EVENT is documented in the book (botbook/src/02-architecture-packages/example-gbapp.md) but not registered by General Bots' runtime, whose compiler would reject the line"},
		{"TRAK EVENT \"click\"\n", "1:1: error: unknown statement TRAK; did you mean TRACK?"},
		{"HEAR AS email\n", "1:1: warning: HEAR AS email is in General Bots' book but its runtime registers only HEAR v, HEAR v AS type and HEAR v AS options, so it would take AS as the variable; write HEAR email"},
		{"HEAR AS email input\n", "1:1: warning: HEAR AS email input is in General Bots' book but its runtime registers only HEAR v, HEAR v AS type and HEAR v AS options, so it would take AS as the variable; write HEAR input AS email"},
		{"HEAR n AS NUMBER \"How many?\"\n", "1:8: warning: HEAR v AS NUMBER \"prompt\" is in General Bots' book but its runtime registers HEAR v AS type with no prompt and would reject the line; TALK the prompt, then HEAR v AS NUMBER"},
		{"SUB SEND HELP MENU TO NUMBER$\nEND SUB\n", "1:1: warning: SUB SEND HELP MENU TO: a name of several words or parameters without brackets, as in General Bots' book; its runtime reads only SUB name(params) and would reject the line"},
		{"x = SPEECH TO TEXT audio\n", "1:5: warning: SPEECH TO TEXT is documented in the book (botbook/src/08-rest-api-tools/calls-api.md) but not registered by General Bots' runtime, whose compiler would reject the line"},
		{"HEAR AS a b c\n", "1:9: error: expected AS, WITH or DEFAULT in HEAR, found \"a\""},
		{"IF INSTR(ERROR MESSAGE, \"x\") > 0 THEN TALK ERROR MESSAGE\n", ""},
		// Functions named with underscores read with spaces before a bracket.
		{"r = IS NUMERIC(v)\nIF NOT IS NUMERIC(a) AND IS NUMERIC(b) THEN TALK 1\n", ""},
		{"i = LAST INDEX OF(s, \"x\") + 1\n", ""},
		{"t = NOW STR()\n", ""},
		// Labels are `name:` alone on a line (upstream's goto_transform.rs).
		{"mainLoop:\n  TALK 1\nGOTO mainLoop\n_retry2:\nON ERROR GOTO handle_error\nhandle_error:\n", ""},
		{"x = 1: TALK x\n", ""},
		{"LABEL auth_loop\n", "1:1: error: unknown statement LABEL: not a keyword of General Bots BASIC, an assignment or a call"},
		{"mainLoop: TALK 1\n", "1:1: error: unknown statement MAINLOOP: not a keyword of General Bots BASIC, an assignment or a call"},
		// A single-line IF may end with END IF on its line.
		{"IF d = \"\" THEN d = 30 END IF\nIF a THEN b = 1 ELSE b = 2 END IF\nIF a THEN TALK 1 END IF\n", ""},
		{"IF a THEN b = 1 END\n", "1:17: error: expected end of line after the assignment, found \"END\""},
	}
	for _, tc := range cases {
		_, ds := Parse([]byte(tc.src))
		got := strings.TrimSpace(messages(ds))
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestBookRoutineHead(t *testing.T) {
	file, _ := Parse([]byte("FUNCTION GET TEXT$ KEY$, LANG$\nEND FUNCTION\n"))
	r := file.Body[0].(*Routine)
	if r.Name != "GET TEXT$" || len(r.Params) != 2 || r.Params[0].Name != "KEY$" || r.Params[1].Name != "LANG$" {
		t.Errorf("got %q %+v", r.Name, r.Params)
	}
}

func TestParamWithValues(t *testing.T) {
	file, ds := Parse([]byte("PARAM unit AS \"celsius\", \"fahrenheit\"\n"))
	if len(ds) != 0 {
		t.Fatal(messages(ds))
	}
	p := file.Body[0].(*Param)
	if p.Type != "STRING" || len(p.Enum) != 2 || p.Enum[1].(*String).Value != "fahrenheit" || p.Description != "" {
		t.Errorf("got %+v", p)
	}
}
