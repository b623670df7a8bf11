package analysis

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestToolSchema(t *testing.T) {
	cases := []struct {
		name       string
		src        string
		wantNil    bool
		wantDesc   string
		wantProps  string // JSON of the properties
		wantReq    []string
		wantErrors int
	}{
		{
			name:    "no params is no tool",
			src:     "TALK \"hi\"\n",
			wantNil: true,
		},
		{
			name:      "optional params are not required",
			src:       "PARAM name AS STRING LIKE \"Ana\" DESCRIPTION \"Name\"\nPARAM phone AS STRING DESCRIPTION \"Phone\" OPTIONAL\nDESCRIPTION \"Registers a person\"\n",
			wantDesc:  "Registers a person",
			wantProps: `{"name":{"type":"string","description":"Name","example":"Ana"},"phone":{"type":"string","description":"Phone"}}`,
			wantReq:   []string{"name"},
		},
		{
			name:      "types and formats",
			src:       "PARAM a AS INTEGER LIKE 3\nPARAM b AS MONEY LIKE 9.5\nPARAM c AS BOOLEAN LIKE FALSE\nPARAM d AS DATE\nPARAM e AS EMAIL\nPARAM f AS OBJECT\nPARAM g AS ARRAY\nPARAM h AS PHONE\nPARAM i AS number\nDESCRIPTION \"T\"\n",
			wantDesc:  "T",
			wantProps: `{"a":{"type":"integer","description":"","example":3},"b":{"type":"number","description":"","example":9.5},"c":{"type":"boolean","description":"","example":false},"d":{"type":"string","description":"","format":"date"},"e":{"type":"string","description":"","format":"email"},"f":{"type":"object","description":""},"g":{"type":"array","description":""},"h":{"type":"string","description":""},"i":{"type":"number","description":""}}`,
			wantReq:   []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"},
		},
		{
			name:      "enum and clause order",
			src:       "PARAM status OPTIONAL DESCRIPTION \"Status\" ENUM [\"draft\", \"sent\"] AS STRING\nDESCRIPTION \"Lists\"\n",
			wantDesc:  "Lists",
			wantProps: `{"status":{"type":"string","description":"Status","enum":["draft","sent"]}}`,
			wantReq:   []string{},
		},
		{
			name:      "AS text is a description",
			src:       "PARAM note AS \"free text\"\nDESCRIPTION \"N\"\n",
			wantDesc:  "N",
			wantProps: `{"note":{"type":"string","description":"free text"}}`,
			wantReq:   []string{"note"},
		},
		{
			name:       "a repeated param: the last declaration wins, as upstream (a warning)",
			src:        "PARAM a AS STRING\nPARAM a AS INTEGER\nDESCRIPTION \"D\"\n",
			wantDesc:   "D",
			wantProps:  `{"a":{"type":"integer","description":""}}`,
			wantReq:    []string{"a"},
			wantErrors: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Compile("bots/x.gbai/x.gbdialog/my-tool.bas", []byte(tc.src), nil)
			errs := 0
			for _, d := range res.Diagnostics {
				if d.Severity == "error" {
					errs++
				}
			}
			if errs != tc.wantErrors {
				t.Errorf("errors = %d, want %d: %v", errs, tc.wantErrors, res.Diagnostics)
			}
			if tc.wantNil {
				if res.Tool != nil {
					t.Fatalf("tool = %+v, want nil", res.Tool)
				}
				return
			}
			if res.Tool == nil {
				t.Fatal("tool is nil")
			}
			mcp, oai := res.Tool.MCP, res.Tool.OpenAI
			if mcp.Name != "my-tool" || oai.Function.Name != "my-tool" || oai.Type != "function" {
				t.Errorf("names: mcp %q openai %q type %q", mcp.Name, oai.Function.Name, oai.Type)
			}
			if mcp.Description != tc.wantDesc || oai.Function.Description != tc.wantDesc {
				t.Errorf("description = %q / %q, want %q", mcp.Description, oai.Function.Description, tc.wantDesc)
			}
			props, err := json.Marshal(mcp.InputSchema.Properties)
			if err != nil {
				t.Fatal(err)
			}
			if string(props) != tc.wantProps {
				t.Errorf("properties:\n got %s\nwant %s", props, tc.wantProps)
			}
			if !reflect.DeepEqual(mcp.InputSchema.Required, tc.wantReq) {
				t.Errorf("required = %v, want %v", mcp.InputSchema.Required, tc.wantReq)
			}
			if !reflect.DeepEqual(mcp.InputSchema, oai.Function.Parameters) || mcp.InputSchema.Type != "object" {
				t.Errorf("MCP and OpenAI schemas differ or are not objects")
			}
		})
	}
}

func TestToolJSONForms(t *testing.T) {
	res := Compile("t.bas", []byte("PARAM q AS STRING DESCRIPTION \"Query\"\nDESCRIPTION \"Search\"\n"), nil)
	b, err := json.Marshal(res.Tool)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"mcp":{"name":"t","description":"Search","input_schema":{"type":"object","properties":{"q":{"type":"string","description":"Query"}},"required":["q"]}},` +
		`"openai":{"type":"function","function":{"name":"t","description":"Search","parameters":{"type":"object","properties":{"q":{"type":"string","description":"Query"}},"required":["q"]}}}}`
	if string(b) != want {
		t.Errorf("tool JSON:\n got %s\nwant %s", b, want)
	}
}

func TestMissingDescriptionWarns(t *testing.T) {
	res := Compile("t.bas", []byte("PARAM q AS STRING\n"), nil)
	if len(res.Diagnostics) != 1 || res.Diagnostics[0].Severity != "warning" || !strings.Contains(res.Diagnostics[0].Message, "no DESCRIPTION") {
		t.Errorf("diagnostics = %v, want one missing-description warning", res.Diagnostics)
	}
}
