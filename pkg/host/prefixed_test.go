package host

import (
	"errors"
	"testing"
)

// TestPrefixedOnce: what Main prints names the service once per line, also
// when Load already named it.
func TestPrefixedOnce(t *testing.T) {
	var v int
	err := Load("indexer", []Setting{
		{Env: "INDEXER_A", Dest: Int(&v)},
		{Env: "INDEXER_B", Dest: Int(&v)},
	}, func(k string) (string, bool) { return "x", true })
	if err == nil {
		t.Fatal("Load accepted x for a whole number")
	}
	got := prefixed("indexer", err)
	want := "indexer: INDEXER_A=\"x\": want a whole number\nindexer: INDEXER_B=\"x\": want a whole number"
	if got != want {
		t.Fatalf("prefixed =\n%s\nwant\n%s", got, want)
	}
	if got := prefixed("indexer", errors.New("connecting to NATS: refused")); got != "indexer: connecting to NATS: refused" {
		t.Fatalf("prefixed = %q", got)
	}
}
