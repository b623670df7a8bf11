package files

import (
	"errors"
	"fmt"
	"strings"

	"github.com/drivemon/drivemon/pkg/events"
)

// ErrNotWritable: the path is inside the package but outside the writable
// folders.
var ErrNotWritable = errors.New("path is not in a writable folder")

// policy decides which package paths may be written.
type policy struct {
	// folders are suffixes of a package's top folder (".gbdrive") that may
	// be written, with everything below them.
	folders []string
}

// check returns the canonical path or why it may not be written.
func (p policy) check(path string) (string, error) {
	clean, err := events.CleanPath(path)
	if err != nil {
		return "", err
	}
	switch events.Classify(clean).Kind {
	case events.KindDialog, events.KindConfig, events.KindKB, events.KindTheme:
		// A .bas written anywhere would be compiled as a dialog.
		return "", fmt.Errorf("%w: %q is a bot's %s file", ErrNotWritable, events.DisplayPath(clean), events.Classify(clean).Kind)
	}
	top, rest, nested := strings.Cut(clean, "/")
	if nested && rest != "" {
		for _, f := range p.folders {
			if len(top) > len(f) && strings.EqualFold(top[len(top)-len(f):], f) {
				return clean, nil
			}
		}
	}
	return "", fmt.Errorf("%w: %q (writable: files under %s folders)", ErrNotWritable, events.DisplayPath(clean), strings.Join(p.folders, ", "))
}
