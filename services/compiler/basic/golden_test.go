package basic

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/drivemon/drivemon/services/compiler/diag"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenCases hold one construct each; their AST is compared with
// testdata/golden/<name>.json (go test -run TestGoldenAST -update rewrites).
var goldenCases = []struct {
	name string
	src  string
}{
	{"assign", "x = 1\nlet y = \"a\"\nSET z = x + 2\nobj.field[1] = TRUE\ncount += 1\n"},
	{"if_block", "IF a = 1 THEN\n  TALK \"one\"\nELSEIF a = 2 THEN\n  TALK \"two\"\nELSE IF a = 3 THEN\n  TALK \"three\"\nELSE\n  TALK \"many\"\nEND IF\n"},
	{"if_single_line", "IF NOT done THEN TALK \"working\" ELSE TALK \"done\"\n"},
	{"for_each", "FOR EACH item IN items\n  TALK item.name\nNEXT item\n"},
	{"for_to_step", "FOR i = 1 TO 10 STEP 2\n  total = total + i\nNEXT i\n"},
	{"while_wend", "WHILE n < 3\n  n = n + 1\nWEND\n"},
	{"do_while_loop", "DO WHILE k < ubound(list)\n  k = k + 1\nLOOP\n"},
	{"do_loop_until", "DO\n  k = k + 1\nLOOP UNTIL k >= 10\n"},
	{"select_case", "SELECT CASE choice\n  CASE 1, 2\n    TALK \"low\"\n  CASE 3 TO 5\n    TALK \"mid\"\n  CASE ELSE\n    TALK \"other\"\nEND SELECT\n"},
	{"switch", "SWITCH role\n  CASE \"manager\"\n    USE KB \"management\"\n  DEFAULT\n    USE KB \"general\"\nEND SWITCH\n"},
	{"with_block", "WITH order\n  .id = 1\n  .total = price * qty\nEND WITH\n"},
	{"sub_function", "SUB Greet(name AS STRING)\n  TALK \"Hi \" + name\n  EXIT SUB\nEND SUB\nFUNCTION Twice(n) AS INTEGER\n  RETURN n * 2\nEND FUNCTION\n"},
	{"begin_talk", "BEGIN TALK\n**Welcome, ${user.name}!**\nToday is ${FORMAT(NOW(), \"dd/MM\")}.\nEND TALK\n"},
	{"begin_system_prompt", "BEGIN SYSTEM PROMPT\nYou are a helpful assistant.\nProducts: ${TOYAML(products)}\nEND SYSTEM PROMPT\n"},
	{"begin_mail", "BEGIN MAIL customer.email\nSubject: Your order\nDear ${customer.name},\nEND MAIL\n"},
	{"table", "TABLE leads\n    id UUID PRIMARY KEY DEFAULT uuid_generate_v4()\n    name VARCHAR(255) NOT NULL\n    status VARCHAR(50) DEFAULT 'new'\n    UNIQUE(name, status)\nEND TABLE\n"},
	{"on_do", "ON EMAIL RECEIVED DO\n  TALK \"new mail\"\nEND ON\nON FORM SUBMIT \"contact\"\n  SAVE \"contacts\", FORM.name\nEND ON\n"},
	{"param_full", "PARAM email AS EMAIL LIKE \"a@b.com\" DESCRIPTION \"Customer e-mail\"\nPARAM qty AS INTEGER DESCRIPTION \"Quantity\" LIKE 3 OPTIONAL\nPARAM kind ENUM [\"a\", \"b\"] AS STRING\nPARAM vip AS BOOLEAN LIKE FALSE\nPARAM note AS \"free text\"\n"},
	{"description", "DESCRIPTION \"Creates a lead\"\nDESCRIPTION It is a WebService of GB.\n"},
	{"hear", "HEAR name AS STRING\nHEAR code AS TEXT WITH \"Enter the code:\" DEFAULT \"0\"\nHEAR answer AS \"Yes\", \"No\"\n"},
	{"talk", "TALK \"Hello \" & name, \"!\"\n"},
	{"keyword_statements", "SET BOT MEMORY \"resume\", text\nADD TOOL \"change-subject\"\nUSE KB \"docs\"\nSEND MAIL to, subject, body\nCREATE DRAFT to, subject, body\nSET SCHEDULE \"0 9 * * *\"\nUSE_KB kbname\nCLEAR SUGGESTIONS\n"},
	{"generic_statement", "BOT SHARE MEMORY \"patterns\" WITH \"bot-v2\"\nCREATE INDEX idx_status ON leads(status)\nSEND WHATSAPP to, 2\n"},
	{"command_values", "x = LLM \"Summarise: \" + text\nm = GET BOT MEMORY(\"k\") + \"!\"\nrows = FIND \"t.csv\", \"a=1\"\no = NEW OBJECT\nv = (GET \"k\" OR \"none\")\n"},
	{"precedence", "r = a OR b AND NOT c = d & e + f * g MOD h\ns = -x ^ 2\nt = a ?? b\nu = ok ? \"y\" : \"n\"\nv = x IS NOT NULL\nw = a <> b OR a == b OR a != c\n"},
	{"postfix", "v = f(x, y)[0].name\nw = list?.length\nz = a[i][j]\n"},
	{"maps_arrays", "m = #{ \"a\": 1, b: [1, 2, #{ \"c\": TRUE }] }\nj = {\n  \"name\": n,\n  \"tags\": [\"x\", \"y\"],\n  \"nested\": { \"k\": NULL }\n}\n"},
	{"strings_escapes", "s = \"line\\nnext \\\"quoted\\\" \\\\ ${name}\"\nq = \"a\nb\"\n"},
	{"comments", "REM a comment\n' another\n// and another\n# whole line\nREMEMBER x\nTALK \"hi\" ' trailing\n"},
	{"continuation", "SEND MAIL to,\n  \"subject\",\n  body\nx = a +\n  b\n"},
	{"case_insensitive", "if x then\n  talk \"y\"\nend if\nfor each i in l\nnext\n"},
	{"exit_return", "FOR EACH i IN l\n  IF i THEN EXIT FOR\nNEXT\nRETURN\nRETURN WITH error AS \"not found\"\n"},
	{"dynamic_block", "RUN IN 300 SECONDS DO\n  TALK \"later\"\nEND RUN\nSEND MAIL TO \"a@b.c\" WITH\n  subject = \"s\"\nEND WITH\n"},
	{"errors_recovery", "IF x THEN\n  y = (1 +\n  TALK \"ok\"\nEND IF\nz = \nNEXT\nFOR i = 1\n"},
}

func TestGoldenAST(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			file, diags := Parse([]byte(tc.src))
			got := goldenJSON(t, file, diags)
			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("AST of %q differs from %s (run with -update after checking the change)\ngot:\n%s", tc.name, path, got)
			}
		})
	}
}

// goldenJSON renders the AST and the diagnostics as indented JSON.
func goldenJSON(t *testing.T, file *File, diags []diag.Diagnostic) []byte {
	t.Helper()
	if diags == nil {
		diags = []diag.Diagnostic{}
	}
	b, err := json.MarshalIndent(struct {
		AST         *File             `json:"ast"`
		Diagnostics []diag.Diagnostic `json:"diagnostics"`
	}{file, diags}, "", "  ")
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return append(b, '\n')
}

// TestGoldenCasesAreClean makes sure every golden case but the error one
// parses without errors, so a golden file never enshrines a parse error.
func TestGoldenCasesAreClean(t *testing.T) {
	for _, tc := range goldenCases {
		if tc.name == "errors_recovery" {
			continue
		}
		_, diags := Parse([]byte(tc.src))
		for _, d := range diags {
			if d.Severity == diag.Error {
				t.Errorf("%s: unexpected error %s", tc.name, d)
			}
		}
	}
}
