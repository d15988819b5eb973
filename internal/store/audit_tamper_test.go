package store_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// auditorFile is what an auditor holds outside the database: every
// checkpoint signed so far, written to and read back from the export format
// (the format the --audit-sink file has).
func auditorFile(t *testing.T, db *store.DB) []store.Checkpoint {
	t.Helper()
	cps, err := db.Checkpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := store.WriteCheckpoints(&buf, cps); err != nil {
		t.Fatal(err)
	}
	out, err := store.ParseCheckpoints(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readEntries returns the stored entries from seq on, as an attacker with
// the database reads them.
func readEntries(t *testing.T, db *store.DB, from int64) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	ctx := context.Background()
	err := db.WithTx(ctx, false, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, at, actor_id, actor_role, action, object_type, object_id, fields, outcome, remote, prev_hash, hash
			FROM audit_log WHERE seq >= ? ORDER BY seq`, from)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e store.AuditEntry
			var at int64
			var actor sql.NullInt64
			if err := rows.Scan(&e.Seq, &at, &actor, &e.ActorRole, &e.Action, &e.ObjectType, &e.ObjectID, &e.Fields, &e.Outcome, &e.Remote, &e.PrevHash, &e.Hash); err != nil {
				return err
			}
			e.At, e.ActorID = time.UnixMicro(at).UTC(), actor.Int64
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rehashPlain rewrites the entries from seq on with plain SHA-256, as the
// chain was before it was keyed: what anyone holding the database can
// compute. edit changes the first of them. chain sets the version column
// (0 claims they are legacy entries).
func rehashPlain(t *testing.T, db *store.DB, from int64, chain int, edit func(e *store.AuditEntry)) {
	t.Helper()
	es := readEntries(t, db, from)
	if len(es) == 0 {
		t.Fatal("nothing to rewrite")
	}
	edit(&es[0])
	prev := es[0].PrevHash
	for i := range es {
		e := &es[i]
		e.PrevHash = prev
		e.Hash = store.HashEntry(e)
		prev = e.Hash
		exec(t, db, `UPDATE audit_log SET action = ?, object_id = ?, prev_hash = ?, hash = ?, chain = ? WHERE seq = ?`, e.Action, e.ObjectID, e.PrevHash, e.Hash, chain, e.Seq)
	}
}

// plantSigningKey stores a signing key of the attacker's own, with a
// wrapped half that no master key opens, and re-signs the stored
// checkpoint at seq with it.
func plantSigningKey(t *testing.T, db *store.DB, seq int64) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, `INSERT INTO audit_signing_keys (id, public_key, wrapped, provider, active, created_at) VALUES ('planted', ?, ?, 'x', 0, 0)`, []byte(pub), []byte("not wrapped"))
	var at int64
	var hash []byte
	_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT at, hash FROM audit_checkpoints WHERE seq = ?`, seq).Scan(&at, &hash)
	})
	msg := []byte("escudo-audit-checkpoint-v1\x00")
	msg = binary.BigEndian.AppendUint64(msg, uint64(seq))
	msg = binary.BigEndian.AppendUint64(msg, uint64(at))
	msg = append(msg, hash...)
	exec(t, db, `UPDATE audit_checkpoints SET key_id = 'planted', signature = ? WHERE seq = ?`, ed25519.Sign(priv, msg), seq)
}

// TestAuditTamperingIsCaught plays someone who holds the database (but not
// the master key) against a log whose checkpoints were streamed out as they
// were made: 25 entries with checkpoints at 10, 20 and the head 25 in the
// auditor's file, then 3 more entries not yet checkpointed.
func TestAuditTamperingIsCaught(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB)
		dbOnly bool   // caught by verify without the auditor's file too
		reason string // in the verifier's message
	}{
		{"last entries deleted", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE seq > 22`)
		}, true, "entries deleted"},
		{"last entries deleted with the checkpoints above them", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_log WHERE seq > 15`)
			exec(t, db, `DELETE FROM audit_checkpoints WHERE seq > 15`)
		}, false, "entries deleted"},
		{"every stored checkpoint deleted", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_checkpoints`)
		}, false, "missing from the database"},
		{"whole log deleted", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_checkpoints`)
			exec(t, db, `DELETE FROM audit_log`)
		}, false, "log is empty"},
		{"entry after the last checkpoint rewritten and rehashed", func(t *testing.T, db *store.DB) {
			rehashPlain(t, db, 27, store.ChainKeyed, func(e *store.AuditEntry) { e.Action = "login" })
		}, true, "seq 27"},
		{"entries after the last checkpoint rewritten as unkeyed ones", func(t *testing.T, db *store.DB) {
			rehashPlain(t, db, 27, store.ChainLegacy, func(e *store.AuditEntry) { e.ObjectID = "other" })
		}, true, "unkeyed entry"},
		{"whole log rewritten as unkeyed and its checkpoints deleted", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_checkpoints`)
			rehashPlain(t, db, 1, store.ChainLegacy, func(e *store.AuditEntry) { e.ObjectID = "other" })
		}, true, "unkeyed entry"},
		{"record of the chain's start deleted", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_chain_start`)
		}, true, "keyed chain starts is missing"},
		{"record of the chain's start moved", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_chain_start SET legacy_seq = 28`)
		}, true, "does not authenticate"},
		{"stored checkpoint re-signed with a planted key", func(t *testing.T, db *store.DB) {
			plantSigningKey(t, db, 20)
		}, true, "does not hold"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testdb.Each(t, testdb.Options{Now: testdb.NewClock(t0).Now}, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				db.CheckpointEvery = 10
				seedAudit(t, db, 25)
				if _, err := db.Checkpoint(ctx); err != nil { // the head, as the server signs it within a second
					t.Fatal(err)
				}
				file := auditorFile(t, db)
				if len(file) != 3 || file[2].Seq != 25 {
					t.Fatalf("auditor's file %+v", file)
				}
				seedAudit(t, db, 3)
				if rep, err := db.VerifyAudit(ctx, file); err != nil || rep.Entries != 28 {
					t.Fatalf("untouched log: %+v %v", rep, err)
				}
				tc.tamper(t, db)
				_, err := db.VerifyAudit(ctx, file)
				if err == nil || !strings.Contains(err.Error(), tc.reason) {
					t.Fatalf("with the auditor's file: got %v, want an error saying %q", err, tc.reason)
				}
				if tc.dbOnly {
					if _, err := db.VerifyAudit(ctx, nil); err == nil {
						t.Fatal("the database alone passed verification")
					}
				}
			})
		})
	}
}

// TestAuditLegacyEntriesKeepVerifying builds a log written before the chain
// was keyed (plain SHA-256, with a checkpoint an auditor exported), starts
// the keyed chain as migration 0460 does and appends keyed entries: the whole
// log verifies, the old export still matches, and the verifier says where
// the keyed chain starts. Rewriting the legacy part is still caught.
func TestAuditLegacyEntriesKeepVerifying(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		exec(t, db, `DELETE FROM audit_chain_start`)
		prev := make([]byte, sha256.Size)
		for seq := int64(1); seq <= 5; seq++ {
			e := store.AuditEntry{Seq: seq, At: t0, Action: "case.read", ObjectType: "case", ObjectID: "1", Outcome: "ok", PrevHash: prev}
			e.Hash = store.HashEntry(&e)
			exec(t, db, `INSERT INTO audit_log (seq, at, action, object_type, object_id, outcome, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				seq, t0.UnixMicro(), e.Action, e.ObjectType, e.ObjectID, e.Outcome, e.PrevHash, e.Hash)
			prev = e.Hash
		}
		if _, err := db.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		old := auditorFile(t, db)
		if err := db.StartKeyedChain(ctx); err != nil {
			t.Fatal(err)
		}
		seedAudit(t, db, 4)
		rep, err := db.VerifyAudit(ctx, old)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 9 || rep.KeyedFrom != 6 || rep.Checkpoints != 2 {
			t.Fatalf("report %+v", rep)
		}
		rehashPlain(t, db, 3, store.ChainLegacy, func(e *store.AuditEntry) { e.ObjectID = "2" })
		if _, err := db.VerifyAudit(ctx, nil); err == nil || !strings.Contains(err.Error(), "seq 5") {
			t.Fatalf("legacy part rewritten: %v", err)
		}
	})
}

// TestCheckpointsStreamedAsTheyAreMade: the server's loop signs the head
// while entries are written and hands every new checkpoint to the sink,
// and closing the store signs what is left.
func TestCheckpointsStreamedAsTheyAreMade(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		got := make(chan store.Checkpoint, 100)
		db.SetCheckpointSink(func(c store.Checkpoint) { got <- c })
		db.CheckpointEvery = 5
		seedAudit(t, db, 7) // a checkpoint at 5, in the appending transaction
		if c := <-got; c.Seq != 5 {
			t.Fatalf("first streamed checkpoint at %d, want 5", c.Seq)
		}
		// The node's periodic pass (the job runner's "audit.checkpoint")
		// signs the head; a second pass with nothing new signs nothing.
		if err := db.CheckpointIfNew(ctx); err != nil {
			t.Fatal(err)
		}
		c := <-got
		if c.Seq != 7 {
			t.Fatalf("the pass signed seq %d, want the head 7", c.Seq)
		}
		if err := c.Verify(); err != nil {
			t.Fatal(err)
		}
		if err := db.CheckpointIfNew(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case c := <-got:
			t.Fatalf("a pass with nothing new signed %d", c.Seq)
		default:
		}
		cancel()
		seedAudit(t, db, 1)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if c := <-got; c.Seq != 8 {
			t.Fatalf("checkpoint at close covers %d, want 8", c.Seq)
		}
	})
}
