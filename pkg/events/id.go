package events

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
)

// ComputeID returns the deterministic id of a change, used as its
// Nats-Msg-Id so JetStream stores a change once however many times it is seen
// (two detectors; a notification and a reconciliation) within the stream's
// duplicate window.
//
// The id covers what the change means, not how it was seen: bot, path, from,
// etag, Base and the op, with created and updated counted as one ("the path
// now holds etag"), since two detectors may disagree on which it was. It
// leaves out detected_by, source, mtime and size.
func ComputeID(c *Change) string {
	op := c.Op
	if op == OpUpdated {
		op = OpCreated
	}
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{"drivemon.change.v1", c.Bot, string(op), c.Path, c.From, c.ETag} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	binary.BigEndian.PutUint64(n[:], c.Base)
	h.Write(n[:])
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// SetID fills c.ID from ComputeID.
func (c *Change) SetID() { c.ID = ComputeID(c) }

// PathToken is a fixed-length token for a canonical path, safe in NATS
// subjects and JetStream KV keys whatever bytes the path holds: 32 hex
// digits of its SHA-256.
func PathToken(path string) string {
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:16])
}
