package indexer

import (
	"fmt"
	"strings"

	"github.com/drivemon/drivemon/pkg/botpkg"
	"github.com/drivemon/drivemon/services/indexer/embed"
	"github.com/drivemon/drivemon/services/indexer/lexical"
)

// kbSetup is what a bot's settings choose for its knowledge bases.
type kbSetup struct {
	emb embed.Embedder
	lex *lexical.Analyzer
	// model: emb is a configured embedding model (embedding-url), not the
	// built-in default, so search is hybrid by default.
	model bool
}

// id names the setup's vector space and terms together; it is recorded in
// a document's state (field "embedder").
func (k kbSetup) id() string { return k.emb.ID() + " " + k.lex.ID() }

// embedderOf is the embedder part of a recorded setup id.
func embedderOf(id string) string {
	e, _, _ := strings.Cut(id, " ")
	return e
}

// kbSetupFrom reads the KB part of a bot's published settings (embedding
// and kb-language, lexical.New: "portuguese", "pt", "pt-BR"…; English
// when unset); def is the embedder when no embedding-url is set.
func kbSetupFrom(st botpkg.Settings, def embed.Embedder) (kbSetup, error) {
	h, err := embed.FromEmbedding(st.Embedding, embed.HTTPConfig{})
	if err != nil {
		return kbSetup{}, err
	}
	lex, err := lexical.New(st.KBLanguage)
	if err != nil {
		return kbSetup{}, fmt.Errorf("%s: %w", botpkg.KBLanguage, err)
	}
	if h == nil {
		return kbSetup{emb: def, lex: lex}, nil
	}
	return kbSetup{emb: h, lex: lex, model: true}, nil
}
