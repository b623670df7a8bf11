package botsync

import "testing"

func TestDecide(t *testing.T) {
	const A, U, C = Absent, Unchanged, Changed
	cases := []struct {
		name          string
		mode          Mode
		hasBase       bool
		local, remote Side
		same          bool
		want          Op
	}{
		// two-way, with a base entry: every cell of local × remote.
		{"both unchanged", TwoWay, true, U, U, true, None},
		{"local edited", TwoWay, true, C, U, false, Upload},
		{"remote edited", TwoWay, true, U, C, false, Download},
		{"both edited differently", TwoWay, true, C, C, false, Conflict},
		{"both edited to the same content", TwoWay, true, C, C, true, Agree},
		{"local deleted, remote unchanged", TwoWay, true, A, U, false, DeleteRemote},
		{"remote deleted, local unchanged", TwoWay, true, U, A, false, DeleteLocal},
		{"local deleted, remote edited: keep the edit", TwoWay, true, A, C, false, Download},
		{"remote deleted, local edited: keep the edit", TwoWay, true, C, A, false, Upload},
		{"deleted on both sides", TwoWay, true, A, A, false, Forget},
		// two-way, no base entry (first run, or a new path).
		{"new locally", TwoWay, false, C, A, false, Upload},
		{"new remotely", TwoWay, false, A, C, false, Download},
		{"new on both, identical", TwoWay, false, C, C, true, Agree},
		{"new on both, different", TwoWay, false, C, C, false, Conflict},
		{"nothing anywhere", TwoWay, false, A, A, false, None},
		// push: only REMOTE is written.
		{"push: local edited", Push, true, C, U, false, Upload},
		{"push: local deleted", Push, true, A, U, false, DeleteRemote},
		{"push: remote edited waits", Push, true, U, C, false, None},
		{"push: remote deleted waits", Push, true, U, A, false, None},
		{"push: new remotely waits", Push, false, A, C, false, None},
		{"push: both edited is held", Push, true, C, C, false, Held},
		{"push: both edited alike", Push, true, C, C, true, Agree},
		{"push: deleted on both", Push, true, A, A, false, Forget},
		{"push: local deleted, remote edited waits", Push, true, A, C, false, None},
		// pull: only LOCAL is written.
		{"pull: remote edited", Pull, true, U, C, false, Download},
		{"pull: remote deleted", Pull, true, U, A, false, DeleteLocal},
		{"pull: local edited waits", Pull, true, C, U, false, None},
		{"pull: local deleted waits", Pull, true, A, U, false, None},
		{"pull: new locally waits", Pull, false, C, A, false, None},
		{"pull: both edited is held", Pull, true, C, C, false, Held},
		{"pull: remote deleted, local edited waits", Pull, true, C, A, false, None},
		// mirror: REMOTE := LOCAL whatever REMOTE did.
		{"mirror: unchanged", Mirror, true, U, U, true, None},
		{"mirror: local edited", Mirror, true, C, U, false, Upload},
		{"mirror: remote edited is overwritten", Mirror, true, U, C, false, Upload},
		{"mirror: both edited, local wins", Mirror, true, C, C, false, Upload},
		{"mirror: both edited alike", Mirror, true, C, C, true, Agree},
		{"mirror: local deleted", Mirror, true, A, U, false, DeleteRemote},
		{"mirror: local deleted, remote edited: still deleted", Mirror, true, A, C, false, DeleteRemote},
		{"mirror: remote deleted is restored", Mirror, true, U, A, false, Upload},
		{"mirror: only remote, no base: deleted", Mirror, false, A, C, false, DeleteRemote},
		{"mirror: first run identical", Mirror, false, C, C, true, Agree},
		{"mirror: first run different", Mirror, false, C, C, false, Upload},
		{"mirror: gone on both", Mirror, true, A, A, false, Forget},
		{"mirror: nothing anywhere", Mirror, false, A, A, false, None},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Decide(c.mode, c.hasBase, c.local, c.remote, c.same); got != c.want {
				t.Errorf("Decide(%s, base=%v, local %s, remote %s, same=%v) = %q, want %q",
					c.mode, c.hasBase, c.local, c.remote, c.same, got, c.want)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for _, ok := range []string{"two-way", "push", "pull", "mirror"} {
		if m, err := ParseMode(ok); err != nil || string(m) != ok {
			t.Errorf("ParseMode(%q) = %q, %v", ok, m, err)
		}
	}
	for _, bad := range []string{"", "bisync", "Two-Way"} {
		if _, err := ParseMode(bad); err == nil {
			t.Errorf("ParseMode(%q): no error", bad)
		}
	}
}
