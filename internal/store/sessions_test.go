package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestSessionStore(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := db.Sessions()
		now := time.Now()
		if _, found, err := s.Find("nobody"); err != nil || found {
			t.Fatalf("unknown token: found=%v err=%v", found, err)
		}
		if err := s.Commit("live-token", []byte("uid=1"), now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit("old-token", []byte("uid=2"), now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		b, found, err := s.Find("live-token")
		if err != nil || !found || string(b) != "uid=1" {
			t.Fatalf("live session: %q %v %v", b, found, err)
		}
		if _, found, _ := s.Find("old-token"); found {
			t.Fatal("an expired session was found")
		}
		// New data is always written, even within the slack.
		if err := s.Commit("live-token", []byte("uid=1;flash"), now.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if b, _, _ := s.Find("live-token"); string(b) != "uid=1;flash" {
			t.Fatalf("data not updated: %q", b)
		}
		// A shorter expiry (absolute deadline reached) is always written.
		if err := s.Commit("live-token", []byte("uid=1;flash"), now.Add(-time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.Find("live-token"); found {
			t.Fatal("shortened session still found")
		}
		// The table holds digests, never the token a browser presents.
		if err := s.Commit("visible-token", []byte("x"), now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var tokens []string
		if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT token FROM sessions`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var tok string
				if err := rows.Scan(&tok); err != nil {
					return err
				}
				tokens = append(tokens, tok)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			if strings.Contains(tok, "token") {
				t.Fatalf("plain token stored: %q", tok)
			}
		}
		n, err := s.Cleanup(ctx)
		if err != nil || n != 2 {
			t.Fatalf("cleanup removed %d (%v), want the 2 expired", n, err)
		}
		if _, found, _ := s.Find("visible-token"); !found {
			t.Fatal("cleanup removed a live session")
		}
		if err := s.Delete("visible-token"); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.Find("visible-token"); found {
			t.Fatal("deleted session found")
		}
		if err := s.Delete("visible-token"); err != nil {
			t.Fatalf("deleting twice: %v", err)
		}
	})
}
