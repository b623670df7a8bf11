package basic

import (
	"encoding/json"
	"reflect"
	"sync"
)

// legacy marshals a node the way this package did before EncodeJSON: each
// node through encoding/json on its own, its children through their own
// MarshalJSON, every nested result re-compacted at each level above it
// (quadratic in the depth of the tree). It is the baseline of
// BenchmarkEncodeAST and a second, independent encoder for the tests.
type legacy struct{ n Node }

var (
	marshalerType = reflect.TypeFor[json.Marshaler]()
	legacyTypes   sync.Map // reflect.Type of a node struct → reflect.Type of its legacy form
)

func (l legacy) MarshalJSON() ([]byte, error) {
	if l.n == nil || reflect.ValueOf(l.n).IsNil() {
		return []byte("null"), nil
	}
	s := reflect.ValueOf(l.n).Elem()
	lt := legacyType(s.Type())
	out := reflect.New(lt).Elem()
	j := 0
	for i := range s.NumField() {
		f := s.Type().Field(i)
		if f.Tag.Get("json") == "-" {
			continue
		}
		if f.Anonymous { // Pos
			p := s.Field(i).Interface().(Pos)
			out.Field(j).SetInt(int64(p.Line))
			out.Field(j + 1).SetInt(int64(p.Col))
			j += 2
			continue
		}
		out.Field(j).Set(legacyValue(s.Field(i)))
		j++
	}
	b, err := json.Marshal(out.Interface())
	if err != nil {
		return nil, err
	}
	typ := l.n.NodeType()
	res := append([]byte(`{"type":"`+typ+`"`), ',')
	if len(b) > 2 {
		return append(res, b[1:]...), nil
	}
	return append(res[:len(res)-1], '}'), nil
}

// legacyType is the struct type of a node with its position flattened and
// every child turned into a json.Marshaler.
func legacyType(t reflect.Type) reflect.Type {
	if lt, ok := legacyTypes.Load(t); ok {
		return lt.(reflect.Type)
	}
	var fields []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case f.Tag.Get("json") == "-":
			continue
		case f.Anonymous:
			fields = append(fields,
				reflect.StructField{Name: "Line", Type: reflect.TypeFor[int](), Tag: `json:"line"`},
				reflect.StructField{Name: "Col", Type: reflect.TypeFor[int](), Tag: `json:"col"`})
			continue
		case isNodeish(f.Type):
			f.Type = marshalerType
		case f.Type.Kind() == reflect.Slice && isNodeish(f.Type.Elem()):
			f.Type = reflect.SliceOf(marshalerType)
		}
		fields = append(fields, reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag})
	}
	lt := reflect.StructOf(fields)
	legacyTypes.Store(t, lt)
	return lt
}

// isNodeish reports whether values of t are nodes: an Expr or Stmt
// interface, or a node struct held by value (Case, Part, …).
func isNodeish(t reflect.Type) bool {
	if t.Kind() == reflect.Interface {
		return t.Implements(reflect.TypeFor[Node]())
	}
	return t.Kind() == reflect.Struct && reflect.PointerTo(t).Implements(reflect.TypeFor[Node]())
}

// legacyValue converts one field of a node to its legacy form.
func legacyValue(v reflect.Value) reflect.Value {
	switch {
	case v.Kind() == reflect.Interface && isNodeish(v.Type()):
		if v.IsNil() {
			return reflect.Zero(marshalerType)
		}
		return reflect.ValueOf(legacy{v.Interface().(Node)})
	case v.Kind() == reflect.Slice && isNodeish(v.Type().Elem()):
		if v.IsNil() {
			return reflect.Zero(reflect.SliceOf(marshalerType))
		}
		out := make([]json.Marshaler, v.Len())
		for i := range out {
			e := v.Index(i)
			if e.Kind() == reflect.Struct {
				e = e.Addr()
			}
			if e.IsNil() {
				out[i] = legacy{nil}
				continue
			}
			out[i] = legacy{e.Interface().(Node)}
		}
		return reflect.ValueOf(out)
	}
	return v
}
