package botpkg

import (
	"encoding/json"
	"maps"
	"strings"
)

// KBLanguage is the key choosing the language of a bot's knowledge bases
// for lexical search ("portuguese", "pt", "pt-BR"…; English when absent).
const KBLanguage = "kb-language"

// Settings is what one config.csv sets that services act on: the typed
// views, not the file. The compiler publishes it (package bus, KV bucket
// SETTINGS) for every version of a config.csv; the themer and the indexer
// read it from there, never the file.
//
// Every version is published, so a service can tell whether it holds the
// settings of the latest change to a config.csv (Seq); a version with
// errors carries the values of the last good one (Errors, Kept).
//
// It holds one secret, the embedding key, because the indexer calls the
// embedding model with it; every other setting, secrets among them, stays
// in the file. A Settings is never shown: its JSON is for the bucket.
type Settings struct {
	Bot  string `json:"bot"`
	Path string `json:"path"` // the config.csv, relative to the package root
	// Seq is the DRIVE stream sequence of the version it comes from; a
	// version is never replaced by an older one.
	Seq  uint64 `json:"seq"`
	ETag string `json:"etag,omitempty"`
	// Deleted marks a removed config.csv (a tombstone: it keeps Seq so a
	// late write of an older version cannot bring it back).
	Deleted bool `json:"deleted,omitempty"`
	// Errors marks a version with errors: its settings are not used, the
	// values here are those of the version at Kept, the last without
	// errors (none when Kept is 0: the defaults). Publishing it tells the
	// services the version was seen, so they wait for no other.
	Errors bool   `json:"errors,omitempty"`
	Kept   uint64 `json:"kept,omitempty"`

	Theme      map[string]string `json:"theme,omitempty"` // Config.Theme
	Embedding  Embedding         `json:"embedding"`       // Config.Embedding, its Key included
	KBLanguage string            `json:"kb_language,omitempty"`
}

// Settings returns the config's typed views for publishing. Call it on a
// config without errors (Validate): an invalid embedding value is left out.
func (c *Config) Settings() Settings {
	emb, _ := c.Embedding()
	lang, _ := c.Get(KBLanguage)
	return Settings{Theme: c.Theme(), Embedding: emb, KBLanguage: lang}
}

// Equal reports whether two settings set the same values (whatever their
// version).
func (s Settings) Equal(o Settings) bool {
	return s.Deleted == o.Deleted && maps.Equal(s.Theme, o.Theme) && s.Embedding == o.Embedding &&
		strings.EqualFold(s.KBLanguage, o.KBLanguage)
}

// settingsJSON is the bucket form: Embedding.Key is not serialised by
// Embedding itself, so it travels beside it.
type settingsJSON struct {
	plainSettings
	EmbeddingKey string `json:"embedding_key,omitempty"`
}

type plainSettings Settings

// MarshalJSON writes the settings with the embedding key.
func (s Settings) MarshalJSON() ([]byte, error) {
	return json.Marshal(settingsJSON{plainSettings(s), s.Embedding.Key})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *Settings) UnmarshalJSON(data []byte) error {
	var v settingsJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = Settings(v.plainSettings)
	s.Embedding.Key = v.EmbeddingKey
	return nil
}
