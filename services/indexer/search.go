package indexer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/drivemon/drivemon/services/indexer/vector"
)

// Search returns the k best chunks of one knowledge base for q in mode
// ("" for the best available: hybrid when the bot has an embedding model,
// lexical otherwise). Each hit carries the words of its text that match
// the query's terms.
func (s *Service) Search(ctx context.Context, bot, kb, q string, k int, mode vector.Mode) ([]SearchHit, error) {
	// The setup is chosen as for indexing: from the package of one of the
	// KB's documents when one is known.
	path := bot + ".gbkb/" + kb + "/_"
	if st, err := s.state(ctx); err == nil {
		if docs, err := st.list(ctx, bot); err == nil {
			for _, d := range docs {
				if d.KB == kb {
					path = d.Path
					break
				}
			}
		}
	}
	setup, err := s.setupFor(ctx, bot, path)
	if err != nil {
		return nil, err
	}
	if mode == "" {
		mode = vector.ModeLexical
		if setup.model {
			mode = vector.ModeHybrid
		}
	}
	query := vector.Query{Mode: mode, Terms: setup.lex.QueryTerms(q)}
	if mode != vector.ModeLexical {
		vecs, err := setup.emb.Embed(ctx, []string{q})
		if err != nil {
			return nil, fmt.Errorf("embedding the query: %w", err)
		}
		query.Vector = vecs[0]
	}
	hits, err := s.index.Query(ctx, vector.Collection{Bot: bot, KB: kb}, query, k)
	if err != nil {
		return nil, fmt.Errorf("searching %s/%s: %w", bot, kb, err)
	}
	out := make([]SearchHit, len(hits))
	for i, h := range hits {
		out[i] = SearchHit{Path: h.Path, ChunkIndex: h.ChunkIndex, Score: h.Score, Text: h.Text,
			Highlights: setup.lex.Highlights(h.Text, query.Terms)}
	}
	return out, nil
}

// List returns the knowledge bases of bot with their documents, by name.
func (s *Service) List(ctx context.Context, bot string) ([]KBListing, error) {
	st, err := s.state(ctx)
	if err != nil {
		return nil, err
	}
	docs, err := st.list(ctx, bot)
	if err != nil {
		return nil, err
	}
	byKB := map[string]*KBListing{}
	for _, d := range docs {
		if d.Status == StatusDeleted {
			continue
		}
		l := byKB[d.KB]
		if l == nil {
			l = &KBListing{Name: d.KB, Collection: vector.CollectionName(bot, d.KB), Documents: []DocListing{}}
			byKB[d.KB] = l
		}
		l.Chunks += d.Chunks
		l.Documents = append(l.Documents, DocListing{Path: d.Path, ETag: d.ETag, Status: d.Status, Chunks: d.Chunks, Error: d.Error, Failures: d.Failures, UpdatedAt: d.UpdatedAt})
	}
	out := make([]KBListing, 0, len(byKB))
	for _, l := range byKB {
		slices.SortFunc(l.Documents, func(a, b DocListing) int { return strings.Compare(a.Path, b.Path) })
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b KBListing) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
