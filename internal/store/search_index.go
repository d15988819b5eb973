package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"escudo/internal/vault"
)

// Search on encrypted data (migration 0610). A person is found by any one
// word of their name or of their organisation or media outlet, and by their
// phone however it is typed: each normalised word has its own blind index in
// person_words, and the phone's blind index is taken of its E.164 form. The
// indexes are HMAC-SHA-256 truncated to 128 bits; docs/search.md gives the
// false-positive rate.

// searchVersion is the version of the indexes that people.search_version
// records; a row below it is rebuilt by rebuildSearchIndexes.
const searchVersion = 1

// phoneIndex is the blind index of a phone number in E.164.
func (db *DB) phoneIndex(phone string) []byte {
	return db.Keys.BlindIndex("phone", vault.NormalizePhone(phone, db.PhoneRegion))
}

// writePersonWords replaces the word indexes of a person's name and
// organisation and marks the row as indexed.
func (tx *Tx) writePersonWords(ctx context.Context, id int64, name, organization string, replace bool) error {
	if replace {
		if _, err := tx.Exec(ctx, `DELETE FROM person_words WHERE person_id = ?`, id); err != nil {
			return fmt.Errorf("store: clear word indexes: %w", err)
		}
	}
	k := tx.db.Keys
	seen := map[string]bool{}
	for _, idx := range append(k.WordIndexes("name_word", name), k.WordIndexes("organization_word", organization)...) {
		if seen[string(idx)] {
			continue
		}
		seen[string(idx)] = true
		if _, err := tx.Exec(ctx, `INSERT INTO person_words (word_bidx, person_id) VALUES (?, ?)`, idx, id); err != nil {
			return fmt.Errorf("store: word index: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE people SET search_version = ? WHERE id = ?`, searchVersion, id); err != nil {
		return fmt.Errorf("store: mark indexed: %w", err)
	}
	return nil
}

// wordMatch returns a subquery of the ids of people whose words of kind hold
// every word of q, or "" when q has no word. It is driven by the longest word
// (usually the rarest) and probes the primary key for each other word, so
// its cost is one word's postings, not the sum of every word's.
func (db *DB) wordMatch(kind, q string) (string, []any) {
	words := vault.Words(q)
	if len(words) == 0 {
		return "", nil
	}
	slices.SortStableFunc(words, func(a, b string) int { return len(b) - len(a) })
	var sql strings.Builder
	sql.WriteString(`SELECT w0.person_id FROM person_words w0 WHERE w0.word_bidx = ?`)
	args := []any{db.Keys.BlindIndex(kind, words[0])}
	for i, w := range words[1:] {
		fmt.Fprintf(&sql, ` AND EXISTS (SELECT 1 FROM person_words w%d WHERE w%d.word_bidx = ? AND w%d.person_id = w0.person_id)`, i+1, i+1, i+1)
		args = append(args, db.Keys.BlindIndex(kind, w))
	}
	return sql.String(), args
}

// staleSearchRows counts the people whose indexes predate searchVersion.
func (db *DB) staleSearchRows(ctx context.Context) (int, error) {
	var n int
	if err := db.readRow(ctx, `SELECT COUNT(*) FROM people WHERE search_version < ?`, searchVersion).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count people to index: %w", err)
	}
	return n, nil
}

// rebuildSearchIndexes rebuilds the word and phone indexes of the rows
// written before migration 0610, in batches of resealBatch rows, each its own
// transaction, telling ResealProgress as it goes. It is idempotent: an
// interrupted run resumes with the rows not yet marked.
func (db *DB) rebuildSearchIndexes(ctx context.Context) error {
	total, err := db.staleSearchRows(ctx)
	if err != nil || total == 0 {
		return err
	}
	db.log.Info("rebuilding the search indexes of people", "rows", total)
	done := 0
	for {
		var n int
		if err := db.WithTx(ctx, true, func(tx *Tx) (err error) { n, err = tx.reindexPeopleBatch(ctx); return err }); err != nil {
			return err
		}
		if n == 0 {
			break
		}
		done += n
		if db.ResealProgress != nil {
			db.ResealProgress(min(done, total), total)
		}
	}
	db.log.Info("search indexes rebuilt", "rows", done)
	return db.Audit(ctx, AuditEntry{Action: "store.reindex", ObjectType: "person", ObjectID: fmt.Sprint(done), Fields: "name,phone,organization"})
}

func (tx *Tx) reindexPeopleBatch(ctx context.Context) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, name_enc, phone_enc, organization_enc FROM people WHERE search_version < ? ORDER BY id LIMIT ?`, searchVersion, resealBatch)
	if err != nil {
		return 0, fmt.Errorf("store: people to index: %w", err)
	}
	type row struct {
		id                        int64
		name, phone, organization string
	}
	var batch []row
	for rows.Next() {
		var r row
		var name, phone, org []byte
		if err := rows.Scan(&r.id, &name, &phone, &org); err != nil {
			_ = rows.Close()
			return 0, err
		}
		for _, f := range []struct {
			dst   *string
			field string
			b     []byte
		}{{&r.name, "people.name", name}, {&r.phone, "people.phone", phone}, {&r.organization, "people.organization", org}} {
			if *f.dst, err = tx.db.open(f.field, f.b); err != nil {
				_ = rows.Close()
				return 0, err
			}
		}
		batch = append(batch, r)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for _, r := range batch {
		if _, err := tx.Exec(ctx, `UPDATE people SET phone_bidx = ?, organization_bidx = ? WHERE id = ?`,
			tx.db.phoneIndex(r.phone), tx.db.Keys.BlindIndex("organization", r.organization), r.id); err != nil {
			return 0, fmt.Errorf("store: index person %d: %w", r.id, err)
		}
		if err := tx.writePersonWords(ctx, r.id, r.name, r.organization, true); err != nil {
			return 0, err
		}
	}
	return len(batch), nil
}
