package indexer

import (
	"encoding/json"
	"testing"
)

// TestDocStateJSON: a document state survives its JSON form in the KV
// bucket byte for byte, paths that are not UTF-8 included.
func TestDocStateJSON(t *testing.T) {
	for _, tc := range []struct {
		name, kb, path string
		b64, kbB64     bool
	}{
		{"ascii", "faq", "harbor.gbkb/faq/a.md", false, false},
		{"utf-8", "faq", "harbor.gbkb/faq/perguntas ção.md", false, false},
		{"latin-1 byte", "faq", "harbor.gbkb/faq/caf\xe9.md", true, false},
		{"invalid bytes", "faq", "harbor.gbkb/faq/\xff\xfe notes.md", true, false},
		{"latin-1 KB name", "caf\xe9", "harbor.gbkb/caf\xe9/a.md", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := DocState{Bot: "harbor", KB: tc.kb, Path: tc.path, ETag: "e", Seq: 7, Status: StatusIndexed, Chunks: 3}
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
			if _, has := raw["kb_b64"]; has != tc.kbB64 {
				t.Errorf("kb_b64 present = %v, want %v: %s", has, tc.kbB64, data)
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
