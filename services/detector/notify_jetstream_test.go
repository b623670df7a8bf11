package detector

import (
	"encoding/json"
	"strconv"
	"testing"
)

func TestCopyID(t *testing.T) {
	rec := func(body string) rawRecord {
		var ev rawEvent
		if err := json.Unmarshal([]byte(body), &ev); err != nil || len(ev.Records) != 1 {
			t.Fatalf("%s: %v", body, err)
		}
		return ev.Records[0]
	}
	put := rec(`{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"h.gbai"},"object":{"key":"a%20b.bas","eTag":"e1","sequencer":"187C0A"}}}]}`)
	if got, want := put.copyID(), "h.gbai\x00a%20b.bas\x00s3:ObjectCreated:Put\x00187C0A"; got != want {
		t.Errorf("copyID = %q, want %q", got, want)
	}
	del := rec(`{"Records":[{"eventName":"s3:ObjectRemoved:Delete","s3":{"bucket":{"name":"h.gbai"},"object":{"key":"a%20b.bas","sequencer":"187C0A"}}}]}`)
	if del.copyID() == put.copyID() {
		t.Error("a delete and a PUT with one sequencer share an id")
	}
	other := rec(`{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"h.gbai"},"object":{"key":"a%20b.bas","eTag":"e1","sequencer":"187C0B"}}}]}`)
	if other.copyID() == put.copyID() {
		t.Error("two PUTs of the same bytes (two sequencers) share an id")
	}
	if id := rec(`{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"h.gbai"},"object":{"key":"k"}}}]}`).copyID(); id != "" {
		t.Errorf("no sequencer: id %q, want none", id)
	}
}

// TestCopiesBound: the events remembered are the last two generations of
// copiesPerGen; the older generation goes when the newer is full.
func TestCopiesBound(t *testing.T) {
	c := newCopies()
	id := strconv.Itoa
	for i := range copiesPerGen {
		c.add(id(i))
	}
	if !c.seen(id(0)) || !c.seen(id(copiesPerGen-1)) || c.seen(id(copiesPerGen)) || len(c.cur) != copiesPerGen || len(c.old) != 0 {
		t.Fatalf("after %d: cur %d old %d", copiesPerGen, len(c.cur), len(c.old))
	}
	c.add(id(copiesPerGen)) // max+1: a new generation, the first kept as the old one
	if !c.seen(id(0)) || !c.seen(id(copiesPerGen)) || len(c.cur) != 1 || len(c.old) != copiesPerGen {
		t.Fatalf("after %d: cur %d old %d", copiesPerGen+1, len(c.cur), len(c.old))
	}
	for i := copiesPerGen + 1; i < 2*copiesPerGen; i++ {
		c.add(id(i))
	}
	if !c.seen(id(0)) {
		t.Fatal("the first event forgotten before two generations were full")
	}
	c.add(id(2 * copiesPerGen))
	if c.seen(id(0)) || c.seen(id(copiesPerGen-1)) || !c.seen(id(copiesPerGen)) || !c.seen(id(2*copiesPerGen)) {
		t.Fatal("after 2×max+1 the first generation should be forgotten, the second kept")
	}
}
