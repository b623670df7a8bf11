package indexer

import (
	"encoding/json"
	"testing"
)

// TestDocStateJSON: a document state survives its JSON form in the KV
// bucket byte for byte, paths that are not UTF-8 included.
func TestDocStateJSON(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		b64        bool
	}{
		{"ascii", "harbor.gbkb/faq/a.md", false},
		{"utf-8", "harbor.gbkb/faq/perguntas ção.md", false},
		{"latin-1 byte", "harbor.gbkb/faq/caf\xe9.md", true},
		{"invalid bytes", "harbor.gbkb/faq/\xff\xfe notes.md", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := DocState{Bot: "harbor", KB: "faq", Path: tc.path, ETag: "e", Seq: 7, Status: StatusIndexed, Chunks: 3}
			data, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			if _, has := raw["path_b64"]; has != tc.b64 {
				t.Errorf("path_b64 present = %v, want %v: %s", has, tc.b64, data)
			}
			var out DocState
			if err := json.Unmarshal(data, &out); err != nil {
				t.Fatal(err)
			}
			if out != in {
				t.Fatalf("round trip: %+v, want %+v", out, in)
			}
		})
	}
}
