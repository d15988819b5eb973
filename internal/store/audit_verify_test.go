package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// seedAudit appends n entries through the group-commit path, concurrently.
func seedAudit(t *testing.T, db *store.DB, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Audit(context.Background(), store.AuditEntry{Action: "case.read", ObjectType: "case", ObjectID: fmt.Sprint(i), Fields: "narrative"})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func exec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
		_, err := tx.Exec(context.Background(), q, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func badSeq(t *testing.T, err error) int64 {
	t.Helper()
	var ce *store.ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("want a chain error, got %v", err)
	}
	return ce.Seq
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	clock := testdb.NewClock(t0)
	tamper := []struct {
		name string
		do   func(t *testing.T, db *store.DB)
		seq  int64
	}{
		{"edited action", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_log SET action = 'login' WHERE seq = 7`)
		}, 7},
		{"edited time", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_log SET at = at + 1 WHERE seq = 12`)
		}, 12},
		{"edited and rehashed", func(t *testing.T, db *store.DB) {
			// An insider recomputes the entry's hash without the chain key:
			// the keyed hash no longer matches.
			var e store.AuditEntry
			e.Seq, e.Action, e.Outcome = 5, "nothing", "ok"
			exec(t, db, `UPDATE audit_log SET action = 'nothing', actor_id = NULL, actor_role = '', object_type = '', object_id = '', fields = '', remote = '' WHERE seq = 5`)
			_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
				var at int64
				if err := tx.QueryRow(context.Background(), `SELECT at, prev_hash FROM audit_log WHERE seq = 5`).Scan(&at, &e.PrevHash); err != nil {
					t.Fatal(err)
				}
				e.At = time.UnixMicro(at)
				return nil
			})
			exec(t, db, `UPDATE audit_log SET hash = ? WHERE seq = 5`, store.HashEntry(&e))
		}, 5},
		{"deleted", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = 9`)
		}, 9},
		{"reordered", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_log SET seq = -1 WHERE seq = 3`)
			exec(t, db, `UPDATE audit_log SET seq = 3 WHERE seq = 4`)
			exec(t, db, `UPDATE audit_log SET seq = 4 WHERE seq = -1`)
		}, 3},
		{"inserted", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 10`)
			exec(t, db, `UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1010`)
			exec(t, db, `INSERT INTO audit_log (seq, at, action, outcome, prev_hash, hash) VALUES (10, 0, 'forged', 'ok', ?, ?)`, make([]byte, 32), make([]byte, 32))
		}, 10},
		{"tail deleted past a checkpoint", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE seq > 15`)
		}, 16},
		{"checkpoint signature forged", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_checkpoints SET hash = ? WHERE seq = 20`, bytes.Repeat([]byte{1}, 32))
		}, 20},
	}
	for _, tt := range tamper {
		t.Run(tt.name, func(t *testing.T) {
			testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
				db.CheckpointEvery = 20
				seedAudit(t, db, 25)
				rep, err := db.VerifyAudit(context.Background(), nil)
				if err != nil {
					t.Fatalf("untouched log: %v", err)
				}
				if rep.Entries != 25 || rep.Checkpoints != 1 {
					t.Fatalf("report %+v", rep)
				}
				tt.do(t, db)
				_, err = db.VerifyAudit(context.Background(), nil)
				if got := badSeq(t, err); got != tt.seq {
					t.Fatalf("first bad seq %d, want %d (%v)", got, tt.seq, err)
				}
			})
		})
	}
}

func TestAuditExportedCheckpointsCatchARewrite(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedAudit(t, db, 10)
		if _, err := db.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		cps, err := db.Checkpoints(ctx)
		if err != nil || len(cps) != 1 || cps[0].Seq != 10 {
			t.Fatalf("checkpoints %v %+v", err, cps)
		}
		var buf bytes.Buffer
		if err := store.WriteCheckpoints(&buf, cps); err != nil {
			t.Fatal(err)
		}
		exported, err := store.ParseCheckpoints(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		// Someone with the database and the master key rewrites the chain
		// consistently under the chain key and removes the stored
		// checkpoints: only the export catches it.
		exec(t, db, `DELETE FROM audit_checkpoints`)
		exec(t, db, `DELETE FROM audit_log WHERE seq > 3`)
		var prev []byte
		_ = db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT hash FROM audit_log WHERE seq = 3`).Scan(&prev)
		})
		for seq := int64(4); seq <= 10; seq++ {
			e := store.AuditEntry{Seq: seq, At: t0, Action: "case.read", Outcome: "ok", PrevHash: prev, Chain: store.ChainKeyed}
			e.Hash = store.HashEntryKeyed(db.AuditKey(), &e)
			exec(t, db, `INSERT INTO audit_log (seq, at, action, outcome, prev_hash, hash, chain) VALUES (?, ?, ?, ?, ?, ?, 1)`, seq, t0.UnixMicro(), e.Action, e.Outcome, e.PrevHash, e.Hash)
			prev = e.Hash
		}
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			t.Fatalf("a consistent rewrite passes the chain alone: %v", err)
		}
		_, err = db.VerifyAudit(ctx, exported)
		if got := badSeq(t, err); got != 10 {
			t.Fatalf("rewrite caught at %d, want 10: %v", got, err)
		}
	})
}

func TestParseCheckpointsRefusesForgeries(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	seedAudit(t, db, 3)
	c, err := db.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	_ = store.WriteCheckpoints(&buf, []store.Checkpoint{*c})
	good := buf.String()
	if _, err := store.ParseCheckpoints(strings.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(good, `"seq":3`, `"seq":2`, 1)
	if _, err := store.ParseCheckpoints(strings.NewReader(forged)); err == nil {
		t.Fatal("a checkpoint with a changed seq verified")
	}
	if _, err := store.ParseCheckpoints(strings.NewReader(good + good)); err == nil {
		t.Fatal("repeated checkpoint accepted")
	}
}

// chain builds a valid in-memory chain of n entries.
func chain(n int) []store.AuditEntry {
	out := make([]store.AuditEntry, n)
	prev := make([]byte, sha256.Size)
	for i := range out {
		e := &out[i]
		e.Seq, e.At, e.ActorID, e.ActorRole = int64(i+1), t0.Add(time.Duration(i)*time.Second), int64(i%3), "analyst"
		e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome = "case.read", "case", fmt.Sprint(i), "narrative", "ok"
		e.PrevHash = prev
		e.Hash = store.HashEntry(e)
		prev = e.Hash
	}
	return out
}

func verifyAll(es []store.AuditEntry) error {
	v := store.NewChainVerifier()
	for i := range es {
		if err := v.Check(&es[i]); err != nil {
			return err
		}
	}
	return nil
}

// FuzzVerify mutates one entry of a valid chain, or deletes or swaps
// entries, and requires the verifier to notice whenever the log differs.
func FuzzVerify(f *testing.F) {
	f.Add(uint8(0), uint8(0), []byte("login"))
	f.Add(uint8(3), uint8(5), []byte{1})
	f.Add(uint8(7), uint8(9), []byte{})
	f.Add(uint8(2), uint8(10), []byte{4})
	f.Fuzz(func(t *testing.T, idx, field uint8, data []byte) {
		orig := chain(8)
		es := chain(8)
		i := int(idx) % len(es)
		e := &es[i]
		s := string(data)
		var n int64
		for _, b := range data {
			n = n<<8 | int64(b)
		}
		changed := true
		switch field % 12 {
		case 0:
			changed, e.Action = e.Action != s, s
		case 1:
			changed, e.ObjectID = e.ObjectID != s, s
		case 2:
			changed, e.Fields = e.Fields != s, s
		case 3:
			changed, e.Outcome = e.Outcome != s, s
		case 4:
			changed, e.Remote = e.Remote != s, s
		case 5:
			changed, e.ActorID = e.ActorID != n, n
		case 6:
			changed, e.Seq = e.Seq != n, n
		case 7:
			t2 := time.UnixMicro(n)
			changed, e.At = !e.At.Equal(t2), t2
		case 8:
			changed, e.PrevHash = !bytes.Equal(e.PrevHash, data), data
		case 9:
			changed, e.Hash = !bytes.Equal(e.Hash, data), data
		case 10:
			j := (i + 1 + int(len(data))%7) % len(es)
			changed = i != j
			es[i], es[j] = es[j], es[i]
		case 11:
			if i == len(es)-1 {
				// Dropping the tail is invisible to the chain alone; signed
				// checkpoints cover it.
				return
			}
			es = append(es[:i], es[i+1:]...)
		}
		err := verifyAll(es)
		if changed && err == nil {
			t.Fatalf("mutation %d of entry %d went unnoticed", field%12, i)
		}
		if !changed && err != nil {
			t.Fatalf("unchanged log refused: %v", err)
		}
		_ = orig
	})
}

func FuzzParseCheckpoints(f *testing.F) {
	f.Add([]byte(`{"seq":1,"at":"2026-01-01T00:00:00Z","hash":"00","key_id":"a","public_key":"00","signature":"00"}`))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, err := store.ParseCheckpoints(bytes.NewReader(b))
		if err != nil {
			return
		}
		for i := range cs {
			if cs[i].Verify() != nil {
				t.Fatal("parsed a checkpoint that does not verify")
			}
		}
	})
}
