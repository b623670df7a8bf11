package botpkg

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Theme keys: the settings upstream turns into CSS variables (the variable
// of key k is "--" + k on :root).
const (
	ThemeColor1   = "theme-color1"
	ThemeColor2   = "theme-color2"
	ThemeLogo     = "theme-logo"
	ThemeTitle    = "theme-title"
	ThemeLogoText = "theme-logo-text"
)

// ThemeKeys lists the theme keys.
var ThemeKeys = []string{ThemeColor1, ThemeColor2, ThemeLogo, ThemeTitle, ThemeLogoText}

// Theme returns the theme keys the config sets, keyed by the lower-case
// key. Other theme-* keys are not theme settings.
func (c *Config) Theme() map[string]string {
	m := map[string]string{}
	if c == nil {
		return m
	}
	for _, e := range c.Entries {
		if k := strings.ToLower(e.Key); isThemeKey(k) {
			m[k] = e.Value
		}
	}
	return m
}

func isThemeKey(lower string) bool {
	for _, k := range ThemeKeys {
		if k == lower {
			return true
		}
	}
	return false
}

// ParamPrefix starts the keys that become script variables.
const ParamPrefix = "param-"

// Params returns the param-* settings, keyed by the lower-case name after
// "param-" (param-city → city).
func (c *Config) Params() map[string]string {
	m := map[string]string{}
	if c == nil {
		return m
	}
	for _, e := range c.Entries {
		k := strings.ToLower(e.Key)
		if name, ok := strings.CutPrefix(k, ParamPrefix); ok && name != "" {
			m[name] = e.Value
		}
	}
	return m
}

// Embedding keys.
const (
	EmbeddingURL         = "embedding-url"
	EmbeddingModel       = "embedding-model"
	EmbeddingKey         = "embedding-key"
	EmbeddingDimensions  = "embedding-dimensions"
	EmbeddingBatchSize   = "embedding-batch-size"
	EmbeddingBatchTokens = "embedding-batch-tokens"
)

// EmbeddingKeys lists every embedding key.
var EmbeddingKeys = []string{EmbeddingURL, EmbeddingModel, EmbeddingKey, EmbeddingDimensions, EmbeddingBatchSize, EmbeddingBatchTokens}

// Embedding is the embedding service a bot configures. Zero fields are
// unset; with URL unset the bot uses the service's default embedder.
type Embedding struct {
	URL         string `json:"url,omitempty"`
	Model       string `json:"model,omitempty"`
	Key         string `json:"-"` // a secret: never serialised
	Dimensions  int    `json:"dimensions,omitempty"`
	BatchSize   int    `json:"batchSize,omitempty"`
	BatchTokens int    `json:"batchTokens,omitempty"`
}

// Embedding returns the embedding-* settings, validated: embedding-url
// must be an absolute http(s) URL; embedding-dimensions,
// embedding-batch-size and embedding-batch-tokens positive whole numbers.
// An invalid value is left zero and reported as an error at its line; the
// indexer refuses a config with any such error.
func (c *Config) Embedding() (Embedding, []Problem) {
	var e Embedding
	var problems []Problem
	if c == nil {
		return e, nil
	}
	for _, en := range c.Entries {
		switch strings.ToLower(en.Key) {
		case EmbeddingURL:
			u, err := url.Parse(en.Value)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				problems = append(problems, errorf(en.Line, 1, "%s: expected an http(s) URL, found %q", en.Key, en.Value))
				continue
			}
			e.URL = en.Value
		case EmbeddingModel:
			e.Model = en.Value
		case EmbeddingKey:
			e.Key = en.Value
		case EmbeddingDimensions:
			e.Dimensions = positive(en, &problems)
		case EmbeddingBatchSize:
			e.BatchSize = positive(en, &problems)
		case EmbeddingBatchTokens:
			e.BatchTokens = positive(en, &problems)
		}
	}
	return e, problems
}

// positive parses a positive whole-number setting, reporting anything else.
func positive(en Entry, problems *[]Problem) int {
	n, err := strconv.Atoi(en.Value)
	if err != nil || n <= 0 {
		*problems = append(*problems, errorf(en.Line, 1, "%s: expected a positive whole number, found %q", en.Key, en.Value))
		return 0
	}
	return n
}

// secretSuffixes end the keys whose values are secrets.
var secretSuffixes = []string{"-key", "-token", "-password", "-pass", "-secret"}

// IsSecretKey reports whether a setting holds a secret that must not be
// shown or logged: its key ends in -key, -token, -password, -pass or
// -secret. Words are compared case-insensitively however they are joined:
// spaces, underscores and camelCase humps count as "-", so "API Key",
// "smtp_password" and "param-blingClientSecret" are secrets.
func IsSecretKey(name string) bool {
	k := kebab(strings.TrimSpace(name))
	for _, s := range secretSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// kebab lower-cases name with spaces, underscores and each lower-to-upper
// case change (a camelCase hump) turned into "-".
func kebab(name string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range name {
		switch {
		case r == ' ' || r == '_':
			b.WriteByte('-')
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			b.WriteByte('-')
		}
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Validate parses a config.csv and checks every setting a service
// validates (today the embedding-* keys), so `drivemon check` and the
// compiler report exactly what a service would refuse. Problems come
// sorted by position, errors first.
func Validate(src []byte) (*Config, []Problem) {
	cfg, problems := Parse(src)
	_, emb := cfg.Embedding()
	problems = append(problems, emb...)
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col), cmp.Compare(a.Severity, b.Severity))
	})
	return cfg, problems
}
