package themer

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/drivemon/drivemon/pkg/events"
)

// File is one file of a bot's theme.
type File struct {
	// Path is relative to the .gbtheme folder ("css/main.css").
	Path string `json:"path"`
	// PackagePath is the path inside the bot package
	// ("harbor.gbtheme/css/main.css"), the one the storage is read with.
	PackagePath string `json:"-"`
	// Hash is the content hash: the etag of the change that wrote it.
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// Theme is the state of one bot's theme.
type Theme struct {
	// Files by Path. Two .gbtheme folders in one package share this
	// table; the later change to a relative path wins.
	Files map[string]File
	// Values are the theme settings of the config.csv that speaks for
	// the bot, as the compiler published them.
	Values Values
	// Settings is the version (DRIVE sequence) of those settings, 0 for
	// none.
	Settings uint64
}

func newTheme() Theme { return Theme{Files: map[string]File{}, Values: Values{}} }

// clone returns a copy that shares nothing with t.
func (t Theme) clone() Theme {
	c := Theme{Files: make(map[string]File, len(t.Files)), Values: Values{}, Settings: t.Settings}
	for k, f := range t.Files {
		c.Files[k] = f
	}
	for k, v := range t.Values {
		c.Values[k] = v
	}
	return c
}

// Stylesheets lists the theme's .css files in path order.
func (t Theme) Stylesheets() []File {
	var out []File
	for _, f := range t.Files {
		if isCSS(f.Path) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// themeRel splits a canonical package path under a .gbtheme folder into
// the folder and the path relative to it.
func themeRel(pkgPath string) (folder, rel string, ok bool) {
	if events.Classify(pkgPath).Kind != events.KindTheme {
		return "", "", false
	}
	folder, rel, ok = strings.Cut(pkgPath, "/")
	return folder, rel, ok && rel != ""
}

func isCSS(p string) bool { return len(p) > 4 && strings.EqualFold(p[len(p)-4:], ".css") }

// FileURL is the address a browser loads a theme file from; hash, when set,
// is added as ?v= so a new version is a new URL (cache busting).
func FileURL(bot, rel, hash string) string {
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	u := "/bots/" + bot + "/theme/" + strings.Join(segs, "/")
	if hash != "" {
		u += "?v=" + url.QueryEscape(hash)
	}
	return u
}

// Event names on the stream.
const (
	EventSnapshot = "theme.snapshot"
	EventCSS      = "theme.css"
	EventVars     = "theme.vars"
	EventReload   = "theme.reload"
)

// CSSEvent is the data of theme.css (and an entry of a snapshot).
type CSSEvent struct {
	Path    string `json:"path"`
	URL     string `json:"url"`
	Hash    string `json:"hash"`
	Deleted bool   `json:"deleted,omitempty"`
}

// VarsEvent is the data of theme.vars.
type VarsEvent struct {
	Vars   map[string]string `json:"vars"`
	Values Values            `json:"values"`
}

// ReloadEvent is the data of theme.reload.
type ReloadEvent struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// SnapshotEvent is the data of theme.snapshot: the whole theme.
type SnapshotEvent struct {
	CSS   []CSSEvent `json:"css"`
	Files []File     `json:"files"`
	VarsEvent
}

func varsEvent(v Values) VarsEvent {
	if v == nil {
		v = Values{}
	}
	return VarsEvent{Vars: v.CSSVars(), Values: v}
}

func snapshotOf(bot string, t Theme) SnapshotEvent {
	s := SnapshotEvent{CSS: []CSSEvent{}, Files: []File{}, VarsEvent: varsEvent(t.Values)}
	for _, f := range t.Stylesheets() {
		s.CSS = append(s.CSS, CSSEvent{Path: f.Path, URL: FileURL(bot, f.Path, f.Hash), Hash: f.Hash})
	}
	for _, f := range t.Files {
		s.Files = append(s.Files, f)
	}
	slices.SortFunc(s.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return s
}

// streamEvent is one event for the stream before it is encoded.
type streamEvent struct {
	name string
	data any
}

// themeEvent says what a theme change means to a browser: a stylesheet
// written or deleted is a theme.css, anything else (scripts, pages,
// images, fonts, moves) a theme.reload. It needs nothing but the change,
// so a replay produces the same events as the live feed did.
func themeEvent(c *events.Change) (streamEvent, bool) {
	_, rel, ok := themeRel(c.Path)
	if !ok {
		return streamEvent{}, false
	}
	switch {
	case c.Op == events.OpMoved:
		return streamEvent{EventReload, ReloadEvent{Path: rel, Reason: "moved"}}, true
	case isCSS(rel) && c.Op == events.OpDeleted:
		return streamEvent{EventCSS, CSSEvent{Path: rel, URL: FileURL(c.Bot, rel, ""), Deleted: true}}, true
	case isCSS(rel) && (c.Op == events.OpCreated || c.Op == events.OpUpdated):
		h := changeHash(c)
		return streamEvent{EventCSS, CSSEvent{Path: rel, URL: FileURL(c.Bot, rel, h), Hash: h}}, true
	case c.Op == events.OpCreated || c.Op == events.OpUpdated || c.Op == events.OpDeleted:
		return streamEvent{EventReload, ReloadEvent{Path: rel, Reason: string(c.Op) + " (not a stylesheet)"}}, true
	}
	return streamEvent{}, false
}

// changeHash is the content hash of a change: its etag, or the stream
// sequence when a detector sent none (still a new URL per version).
func changeHash(c *events.Change) string {
	if c.ETag != "" {
		return c.ETag
	}
	return "s" + strconv.FormatUint(c.Seq, 10)
}

// applyTheme applies a theme change to t.
func (t *Theme) applyTheme(c *events.Change) {
	if c.Op == events.OpMoved || c.Op == events.OpDeleted {
		from := c.Path
		if c.Op == events.OpMoved {
			from = c.From
		}
		if _, rel, ok := themeRel(from); ok && t.Files[rel].PackagePath == from {
			delete(t.Files, rel)
		}
	}
	if c.Op == events.OpCreated || c.Op == events.OpUpdated || c.Op == events.OpMoved {
		if _, rel, ok := themeRel(c.Path); ok {
			t.Files[rel] = File{Path: rel, PackagePath: c.Path, Hash: changeHash(c), Size: c.Size}
		}
	}
}
