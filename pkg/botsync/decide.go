package botsync

import "fmt"

// Mode says which way changes go.
type Mode string

// The modes of `drivemon sync --mode`.
const (
	TwoWay Mode = "two-way" // changes go both ways; both changed is a conflict
	Push   Mode = "push"    // only LOCAL's changes go to REMOTE
	Pull   Mode = "pull"    // only REMOTE's changes come to LOCAL
	Mirror Mode = "mirror"  // REMOTE becomes an exact copy of LOCAL, deletes included
)

// ParseMode checks a --mode value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case TwoWay, Push, Pull, Mirror:
		return m, nil
	}
	return "", fmt.Errorf("mode %q: want two-way, push, pull or mirror", s)
}

// Side is the state of a path on one side, compared with the base (the
// last version both sides agreed on).
type Side int

// The states of a side.
const (
	Absent    Side = iota // no file at the path
	Unchanged             // the file is the base version
	Changed               // the file differs from the base, or is new (no base)
)

func (s Side) String() string {
	return [...]string{"absent", "unchanged", "changed"}[s]
}

// Op is what a pass does for one path.
type Op string

// The operations. The first five are the words of --dry-run.
const (
	None         Op = ""
	Upload       Op = "upload"   // LOCAL → REMOTE
	Download     Op = "download" // REMOTE → LOCAL
	DeleteLocal  Op = "delete-local"
	DeleteRemote Op = "delete-remote"
	Conflict     Op = "conflict"   // remote kept at the path, local edit kept as a conflict copy on both sides
	Move         Op = "move"       // a local rename done on REMOTE by a server-side copy and a delete
	MoveLocal    Op = "move-local" // a REMOTE rename done on LOCAL by a rename
	Agree        Op = "agree"      // both sides hold the same content: record it as the base, no transfer
	Forget       Op = "forget"     // gone on both sides: drop the base entry
	// Held: both sides changed in a one-way mode; nothing is done and the
	// path stays pending until a two-way pass resolves it.
	Held Op = "held"
)

// Decide is the three-way decision for one path. hasBase says whether the
// base holds the path; without it a present side is Changed (new). same
// says whether both present sides hold the same content.
func Decide(mode Mode, hasBase bool, local, remote Side, same bool) Op {
	if mode == Mirror {
		return decideMirror(hasBase, local, remote, same)
	}
	op := decideTwoWay(hasBase, local, remote, same)
	switch mode {
	case Push:
		return oneWay(op, Upload, DeleteRemote)
	case Pull:
		return oneWay(op, Download, DeleteLocal)
	}
	return op
}

func decideTwoWay(hasBase bool, local, remote Side, same bool) Op {
	switch {
	case local == Absent && remote == Absent:
		if hasBase {
			return Forget
		}
		return None
	case local != Absent && remote != Absent:
		switch {
		case local == Unchanged && remote == Unchanged:
			return None
		case same:
			return Agree
		case remote == Unchanged:
			return Upload
		case local == Unchanged:
			return Download
		}
		return Conflict // both changed, or both new with different content
	case local == Absent: // remote present
		if remote == Unchanged {
			return DeleteRemote
		}
		return Download // new, or changed on REMOTE after a local delete: keep it
	default: // local present, remote absent
		if local == Unchanged {
			return DeleteLocal
		}
		return Upload
	}
}

// oneWay keeps the operations that change only the side the mode writes.
func oneWay(op, copyOp, deleteOp Op) Op {
	switch op {
	case copyOp, deleteOp, Agree, Forget, None:
		return op
	case Conflict:
		return Held
	}
	return None // a change that goes the other way waits for a pass that takes it
}

func decideMirror(hasBase bool, local, remote Side, same bool) Op {
	switch {
	case local == Absent && remote == Absent:
		if hasBase {
			return Forget
		}
		return None
	case local == Absent:
		return DeleteRemote
	case remote == Absent:
		return Upload
	case local == Unchanged && remote == Unchanged:
		return None
	case same:
		return Agree
	}
	return Upload
}
