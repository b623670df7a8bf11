package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/drivemon/drivemon/services/compiler/basic"
	"github.com/drivemon/drivemon/services/compiler/diag"
)

// Tool is a tool definition in the two published forms.
type Tool struct {
	MCP    MCPTool    `json:"mcp"`
	OpenAI OpenAITool `json:"openai"`
}

// MCPTool is the Model Context Protocol form of a tool.
type MCPTool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	InputSchema Schema `json:"input_schema"`
}

// OpenAITool is the OpenAI function-calling form of a tool.
type OpenAITool struct {
	Type     string         `json:"type"` // always "function"
	Function OpenAIFunction `json:"function"`
}

// OpenAIFunction is the function of an OpenAITool.
type OpenAIFunction struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Parameters  Schema `json:"parameters"`
}

// Schema is the JSON Schema of a tool's input: an object whose properties
// are the PARAMs in declaration order; Required lists the non-OPTIONAL ones.
type Schema struct {
	Type       string     `json:"type"` // always "object"
	Properties Properties `json:"properties"`
	Required   []string   `json:"required"`
}

// Properties are schema properties in declaration order; they marshal as a
// JSON object with keys in that order.
type Properties []Property

// Property is one parameter of a tool.
type Property struct {
	Name        string `json:"-"`
	Type        string `json:"type"`
	Description string `json:"description"`
	Example     any    `json:"example,omitempty"`
	Format      string `json:"format,omitempty"`
	Enum        []any  `json:"enum,omitempty"`
	Default     any    `json:"default,omitempty"`
}

// MarshalJSON encodes the properties as an object in declaration order.
func (ps Properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Name)
		if err != nil {
			return nil, fmt.Errorf("encoding property name %q: %w", p.Name, err)
		}
		v, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encoding property %q: %w", p.Name, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns the property with the given name.
func (ps Properties) Get(name string) (Property, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// JSONType maps a BASIC PARAM type to a JSON Schema type and format:
// integer/int → integer; number/float/double/decimal/money → number;
// bool/boolean → boolean; array/list → array; object/map → object; anything
// else → string. DATE adds format date and EMAIL format email.
func JSONType(basicType string) (typ, format string) {
	switch strings.ToUpper(basicType) {
	case "INTEGER", "INT":
		return "integer", ""
	case "NUMBER", "FLOAT", "DOUBLE", "DECIMAL", "MONEY":
		return "number", ""
	case "BOOL", "BOOLEAN":
		return "boolean", ""
	case "ARRAY", "LIST":
		return "array", ""
	case "OBJECT", "MAP":
		return "object", ""
	case "DATE":
		return "string", "date"
	case "EMAIL":
		return "string", "email"
	}
	return "string", ""
}

// tool builds the tool definition, or nil when the file has no PARAM.
func (a *analyzer) tool(name string) *Tool {
	if len(a.params) == 0 {
		return nil
	}
	desc := ""
	if n := len(a.descs); n > 0 {
		// Upstream keeps the last DESCRIPTION line.
		last := a.descs[n-1]
		desc = last.Text
		for _, d := range a.descs[:n-1] {
			a.toolDiags = append(a.toolDiags, diag.Warningf(d.Line, d.Col,
				"several DESCRIPTION lines for tool %s; the last one (line %d) is used, as General Bots does", name, last.Line))
		}
	} else {
		p := a.params[0].Pos
		a.toolDiags = append(a.toolDiags, diag.Warningf(p.Line, p.Col,
			"tool %s has PARAMs but no DESCRIPTION; models choose tools by their description", name))
	}
	schema := Schema{Type: "object", Properties: Properties{}, Required: []string{}}
	slot := map[string]int{} // lower-case name → index in Properties
	first := map[string]basic.Pos{}
	for _, p := range a.params {
		key := strings.ToLower(p.Name)
		prop := property(p)
		if i, dup := slot[key]; dup {
			// Upstream keeps the last declaration of a name.
			a.toolDiags = append(a.toolDiags, diag.Warningf(p.Line, p.Col,
				"PARAM %s is already declared at %s; this later declaration is used, as General Bots does", p.Name, first[key]))
			schema.Properties[i] = prop
			schema.Required = slices.DeleteFunc(schema.Required, func(r string) bool { return strings.EqualFold(r, p.Name) })
		} else {
			slot[key], first[key] = len(schema.Properties), p.Pos
			schema.Properties = append(schema.Properties, prop)
		}
		if !p.Optional {
			schema.Required = append(schema.Required, p.Name)
		}
	}
	return &Tool{
		MCP:    MCPTool{Name: name, Description: desc, InputSchema: schema},
		OpenAI: OpenAITool{Type: "function", Function: OpenAIFunction{Name: name, Description: desc, Parameters: schema}},
	}
}

// property is the schema property of one PARAM.
func property(p *basic.Param) Property {
	typ, format := JSONType(p.Type)
	prop := Property{Name: p.Name, Type: typ, Description: p.Description, Format: format}
	prop.Example = literal(p.Like, typ)
	prop.Default = literal(p.Default, typ)
	for _, e := range p.Enum {
		if v := literal(e, typ); v != nil {
			prop.Enum = append(prop.Enum, v)
		}
	}
	return prop
}

// literal converts a literal expression to a JSON value; numbers become
// JSON numbers, words their names. Other expressions yield nil.
func literal(x basic.Expr, typ string) any {
	switch x := x.(type) {
	case *basic.String:
		return x.Value
	case *basic.Bool:
		return x.Value
	case *basic.Number:
		if typ == "integer" {
			if n, err := strconv.ParseInt(x.Value, 10, 64); err == nil {
				return n
			}
		}
		if f, err := strconv.ParseFloat(x.Value, 64); err == nil {
			return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
		}
	case *basic.Unary:
		if n, ok := x.X.(*basic.Number); ok && x.Op == "-" {
			if v := literal(&basic.Number{Pos: n.Pos, Value: "-" + n.Value}, typ); v != nil {
				return v
			}
		}
	case *basic.Ident:
		return x.Name
	case *basic.Word:
		return x.Name
	}
	return nil
}
