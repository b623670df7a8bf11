package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/drivemon/drivemon/pkg/events"
)

// KBDoc is one knowledge-base document: its path and its knowledge base
// (events.Classify).
type KBDoc struct {
	Path string
	KB   string
}

// lockKBBot makes the bot's kb_bots row if new and locks it for the rest
// of the transaction (PostgreSQL; SQLite transactions hold the write lock),
// so the KB writes of one bot run one at a time; it returns whether the
// bot's knowledge bases are known (seeded).
func lockKBBot(ctx context.Context, q queryer, bot string) (bool, error) {
	var seeded bool
	err := q.queryRow(ctx, "INSERT INTO kb_bots (bot) VALUES (?) ON CONFLICT (bot) DO UPDATE SET bot = excluded.bot RETURNING seeded", bot).Scan(&seeded)
	if err != nil {
		return false, fmt.Errorf("locking the knowledge bases of %s: %w", bot, err)
	}
	return seeded, nil
}

// hasKBDocument reports whether knowledge base kb of bot has a document.
func hasKBDocument(ctx context.Context, q queryer, bot string, kb []byte) (bool, error) {
	var n int64
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM kb_documents WHERE bot = ? AND kb = ? AND present LIMIT 1) AS x", bot, kb).Scan(&n); err != nil {
		return false, fmt.Errorf("reading the documents of knowledge base %s: %w", events.DisplayPath(string(kb)), err)
	}
	return n > 0, nil
}

func (s *sqlStore) KBDocument(ctx context.Context, bot, path, kb string, seq uint64, present bool) (bool, error) {
	key, sq, err := checkKey(bot, path, seq)
	if err != nil {
		return false, err
	}
	changed := false
	err = s.db.inTx(ctx, func(q queryer) error {
		seeded, err := lockKBBot(ctx, q, bot)
		if err != nil {
			return err
		}
		before, err := hasKBDocument(ctx, q, bot, []byte(kb))
		if err != nil {
			return err
		}
		var stored int64
		err = q.queryRow(ctx, "INSERT INTO kb_documents (key, bot, kb, seq, present) VALUES (?, ?, ?, ?, ?)"+
			" ON CONFLICT (key) DO UPDATE SET kb = excluded.kb, seq = excluded.seq, present = excluded.present"+
			" WHERE kb_documents.seq < excluded.seq RETURNING seq", []byte(key), bot, []byte(kb), sq, present).Scan(&stored)
		if errors.Is(err, errNoRows) {
			return nil // a newer change of the path is stored
		}
		if err != nil {
			return fmt.Errorf("recording the document: %w", err)
		}
		after, err := hasKBDocument(ctx, q, bot, []byte(kb))
		changed = before != after || !seeded
		return err
	})
	if err != nil {
		return false, s.wrap("recording KB document", key, err)
	}
	return changed, nil
}

func (s *sqlStore) KBNames(ctx context.Context, bot string) ([]string, bool, error) {
	names := []string{}
	var seeded int64
	err := s.db.queryRow(ctx, "SELECT COUNT(*) FROM kb_bots WHERE bot = ? AND seeded", bot).Scan(&seeded)
	if err != nil {
		return nil, false, fmt.Errorf("reading the knowledge bases of %s (%s): %w", bot, s.db.name(), err)
	}
	if seeded == 0 {
		return names, false, nil
	}
	err = each(ctx, s.db, "knowledge bases of "+bot, func(r scanner) error {
		var kb []byte
		if err := r.Scan(&kb); err != nil {
			return err
		}
		names = append(names, string(kb))
		return nil
	}, "SELECT DISTINCT kb FROM kb_documents WHERE bot = ? AND present", bot)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", s.db.name(), err)
	}
	slices.Sort(names)
	return names, true, nil
}

func (s *sqlStore) SeedKBs(ctx context.Context, bot string, docs []KBDoc) error {
	if err := events.ValidBot(bot); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	stmts := make([]stmt, 0, len(docs)+1)
	for _, d := range docs {
		key, _, err := checkKey(bot, d.Path, 1)
		if err != nil {
			return err
		}
		stmts = append(stmts, stmt{"seeding " + events.DisplayPath(key),
			"INSERT INTO kb_documents (key, bot, kb, seq, present) VALUES (?, ?, ?, 0, ?) ON CONFLICT (key) DO NOTHING",
			[]any{[]byte(key), bot, []byte(d.KB), true}})
	}
	stmts = append(stmts, stmt{"marking the knowledge bases known", "UPDATE kb_bots SET seeded = ? WHERE bot = ?", []any{true, bot}})
	err := s.db.inTx(ctx, func(q queryer) error {
		if _, err := lockKBBot(ctx, q, bot); err != nil {
			return err
		}
		return q.execAll(ctx, stmts)
	})
	if err != nil {
		return fmt.Errorf("seeding the knowledge bases of %s (%s): %w", bot, s.db.name(), err)
	}
	return nil
}
