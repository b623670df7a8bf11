package botpkg

import (
	"slices"
	"strings"
)

// Changes is the difference between two versions of a config, each list
// sorted by key.
type Changes struct {
	Added   []Entry  `json:"added"`
	Changed []Change `json:"changed"`
	Removed []Entry  `json:"removed"`
}

// Change is a key whose value changed.
type Change struct {
	Key string `json:"key"`
	Old string `json:"old"`
	New string `json:"new"`
}

// Empty reports whether nothing changed.
func (ch Changes) Empty() bool {
	return len(ch.Added) == 0 && len(ch.Changed) == 0 && len(ch.Removed) == 0
}

// Keys returns every added, changed or removed key, sorted.
func (ch Changes) Keys() []string {
	var keys []string
	for _, e := range ch.Added {
		keys = append(keys, e.Key)
	}
	for _, c := range ch.Changed {
		keys = append(keys, c.Key)
	}
	for _, e := range ch.Removed {
		keys = append(keys, e.Key)
	}
	slices.Sort(keys)
	return keys
}

// ThemeChanged reports whether any theme key (ThemeKeys) was added,
// changed or removed, which is what the themer pushes to open browsers.
func (ch Changes) ThemeChanged() bool {
	return slices.ContainsFunc(ch.Keys(), func(k string) bool { return isThemeKey(lower(k)) })
}

// Diff compares two configs; keys match case-insensitively. A nil config
// is empty, so Diff(nil, c) lists every key of c as added.
func Diff(old, updated *Config) Changes {
	ch := Changes{Added: []Entry{}, Changed: []Change{}, Removed: []Entry{}}
	oldMap, newMap := byKey(old), byKey(updated)
	for k, n := range newMap {
		o, ok := oldMap[k]
		switch {
		case !ok:
			ch.Added = append(ch.Added, n)
		case o.Value != n.Value:
			ch.Changed = append(ch.Changed, Change{Key: n.Key, Old: o.Value, New: n.Value})
		}
	}
	for k, o := range oldMap {
		if _, ok := newMap[k]; !ok {
			ch.Removed = append(ch.Removed, o)
		}
	}
	byEntryKey := func(a, b Entry) int { return strings.Compare(lower(a.Key), lower(b.Key)) }
	slices.SortFunc(ch.Added, byEntryKey)
	slices.SortFunc(ch.Removed, byEntryKey)
	slices.SortFunc(ch.Changed, func(a, b Change) int { return strings.Compare(lower(a.Key), lower(b.Key)) })
	return ch
}

func byKey(c *Config) map[string]Entry {
	m := map[string]Entry{}
	if c == nil {
		return m
	}
	for _, e := range c.Entries {
		m[lower(e.Key)] = e
	}
	return m
}

func lower(s string) string { return strings.ToLower(s) }
