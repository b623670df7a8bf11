package host

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// CheckREADME compares settings with their table in a README: the first
// "| variable | flag | default | meaning |" table after the line holding
// heading. Every setting needs its row, with its flag and, when it has a
// Default, that default first in the default column; every row needs its
// setting. The errors name the variable and what differs.
func CheckREADME(readme, heading string, settings []Setting) error {
	rows, err := readmeTable(readme, heading)
	if err != nil {
		return err
	}
	var errs []error
	seen := map[string]bool{}
	for _, s := range settings {
		seen[s.Env] = true
		r, ok := rows[s.Env]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s (--%s) is not in the table under %q", s.Env, s.Flag, heading))
		case r.flag != "`--"+s.Flag+"`":
			errs = append(errs, fmt.Errorf("%s: the table gives flag %s, the service --%s", s.Env, r.flag, s.Flag))
		case s.Default != "" && !strings.HasPrefix(r.def, "`"+s.Default+"`"):
			errs = append(errs, fmt.Errorf("%s: the table gives default %s, the service `%s`", s.Env, r.def, s.Default))
		}
	}
	for _, env := range slices.Sorted(maps.Keys(rows)) {
		if !seen[env] {
			errs = append(errs, fmt.Errorf("%s is in the table under %q but is no setting of the service", env, heading))
		}
	}
	return errors.Join(errs...)
}

type readmeRow struct{ flag, def string }

func readmeTable(readme, heading string) (map[string]readmeRow, error) {
	i := strings.Index(readme, heading)
	if i < 0 {
		return nil, fmt.Errorf("no %q in the README", heading)
	}
	const header = "| variable | flag | default | meaning |"
	j := strings.Index(readme[i:], header)
	if j < 0 {
		return nil, fmt.Errorf("no settings table after %q", heading)
	}
	rows := map[string]readmeRow{}
	lines := strings.Split(readme[i+j:], "\n")
	for _, line := range lines[2:] { // after the header and its |---|
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) < 4 {
			return nil, fmt.Errorf("row %q under %q: want 4 cells", line, heading)
		}
		env := strings.Trim(strings.TrimSpace(cells[0]), "`")
		rows[env] = readmeRow{flag: strings.TrimSpace(cells[1]), def: strings.TrimSpace(cells[2])}
	}
	return rows, nil
}

// CheckREADMEFile is CheckREADME on the file at path.
func CheckREADMEFile(path, heading string, settings []Setting) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return CheckREADME(string(b), heading, settings)
}
