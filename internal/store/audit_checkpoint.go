package store

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// DefaultCheckpointEvery is the default number of audit entries between
// automatic signed checkpoints.
const DefaultCheckpointEvery = 1000

// auditSigner is the active checkpoint signing key.
type auditSigner struct {
	id   string
	priv ed25519.PrivateKey
}

// Checkpoint is a signed statement that the audit chain had Hash at Seq.
// Exported checkpoints carry the public key, so an auditor can check them
// without the database.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	At        time.Time `json:"at"`
	Hash      HexBytes  `json:"hash"`
	KeyID     string    `json:"key_id"`
	PublicKey HexBytes  `json:"public_key"`
	Signature HexBytes  `json:"signature"`
}

// HexBytes marshals as lowercase hex.
type HexBytes []byte

func (h HexBytes) MarshalJSON() ([]byte, error) { return json.Marshal(hex.EncodeToString(h)) }

func (h *HexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

// checkpointMessage is what a checkpoint signs; the prefix keeps the key from
// ever signing anything that means something else.
func checkpointMessage(seq int64, at time.Time, hash []byte) []byte {
	m := make([]byte, 0, 32+16+len(hash))
	m = append(m, "escudo-audit-checkpoint-v1\x00"...)
	// #nosec G115 -- the bits are signed, not used as quantities.
	m = binary.BigEndian.AppendUint64(m, uint64(seq))
	m = binary.BigEndian.AppendUint64(m, uint64(at.UnixMicro())) // #nosec G115
	return append(m, hash...)
}

// Verify checks the checkpoint's own signature and shape.
func (c *Checkpoint) Verify() error {
	if c.Seq < 1 || len(c.Hash) != sha256.Size || len(c.PublicKey) != ed25519.PublicKeySize || len(c.Signature) != ed25519.SignatureSize {
		return fmt.Errorf("checkpoint at seq %d is malformed", c.Seq)
	}
	if !ed25519.Verify(ed25519.PublicKey(c.PublicKey), checkpointMessage(c.Seq, c.At, c.Hash), c.Signature) {
		return fmt.Errorf("checkpoint at seq %d: signature does not verify", c.Seq)
	}
	return nil
}

// loadSigner unwraps the active signing key, creating one when none exists.
func (tx *Tx) loadSigner(ctx context.Context) error {
	var id string
	var wrapped []byte
	err := tx.QueryRow(ctx, `SELECT id, wrapped FROM audit_signing_keys WHERE active = 1`).Scan(&id, &wrapped)
	if isNoRows(err) {
		return tx.newSigner(ctx)
	} else if err != nil {
		// Before migration 0210 the table does not exist; checkpoints wait.
		return nil
	}
	seed, err := tx.db.keyProvider.Unwrap(wrapped)
	if err != nil {
		return fmt.Errorf("store: unwrap audit signing key: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return errors.New("store: audit signing key has the wrong size")
	}
	tx.db.signer.Store(&auditSigner{id: id, priv: ed25519.NewKeyFromSeed(seed)})
	return nil
}

func (tx *Tx) newSigner(ctx context.Context) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	wrapped, err := tx.db.keyProvider.Wrap(priv.Seed())
	if err != nil {
		return fmt.Errorf("store: wrap audit signing key: %w", err)
	}
	sum := sha256.Sum256(pub)
	id := "a" + hex.EncodeToString(sum[:6])
	if _, err := tx.Exec(ctx, `UPDATE audit_signing_keys SET active = 0`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_signing_keys (id, public_key, wrapped, provider, active, created_at) VALUES (?, ?, ?, ?, 1, ?)`,
		id, []byte(pub), wrapped, tx.db.keyProvider.ID(), micros(tx.now)); err != nil {
		return fmt.Errorf("store: store audit signing key: %w", err)
	}
	tx.db.signer.Store(&auditSigner{id: id, priv: priv})
	return nil
}

// SetCheckpointSink makes every checkpoint this process signs from now on
// go to send once its transaction has committed (escudo serve
// --audit-sink). send must not block: it runs on the writer's path.
func (db *DB) SetCheckpointSink(send func(Checkpoint)) {
	if send == nil {
		db.checkpointSink.Store(nil)
		return
	}
	db.checkpointSink.Store(&send)
}

// checkpointAt signs the chain head (seq, hash) in this transaction; a new
// checkpoint goes to the sink once the transaction commits.
func (tx *Tx) checkpointAt(ctx context.Context, seq int64, hash []byte) (*Checkpoint, error) {
	s := tx.db.signer.Load()
	if s == nil {
		return nil, errors.New("store: no audit signing key (run escudo migrate)")
	}
	// Stored to the microsecond, and signed so: the copy streamed out must
	// equal the stored one.
	c := &Checkpoint{Seq: seq, At: tx.now.Truncate(time.Microsecond), Hash: hash, KeyID: s.id, PublicKey: HexBytes(s.priv.Public().(ed25519.PublicKey))}
	c.Signature = ed25519.Sign(s.priv, checkpointMessage(seq, c.At, hash))
	res, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (seq, at, hash, key_id, signature) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (seq) DO NOTHING`, seq, micros(c.At), hash, s.id, []byte(c.Signature))
	if err != nil {
		return nil, fmt.Errorf("store: audit checkpoint: %w", err)
	}
	db := tx.db
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		cp := *c
		tx.afterCommit = append(tx.afterCommit, func() {
			db.noteAuditSigned(cp.Seq)
			if send := db.checkpointSink.Load(); send != nil {
				(*send)(cp)
			}
		})
	} else {
		tx.afterCommit = append(tx.afterCommit, func() { db.noteAuditSigned(seq) })
	}
	return c, nil
}

// noteAuditWritten and noteAuditSigned keep the highest seq appended and
// checkpointed, so the checkpoint loop signs only when something is new.
func (db *DB) noteAuditWritten(seq int64) { raiseTo(&db.auditWritten, seq) }
func (db *DB) noteAuditSigned(seq int64)  { raiseTo(&db.auditSigned, seq) }

func raiseTo(v *atomic.Int64, n int64) {
	for {
		old := v.Load()
		if n <= old || v.CompareAndSwap(old, n) {
			return
		}
	}
}

// DefaultCheckpointInterval is how often escudo serve signs the head of the
// audit log while entries are being written.
const DefaultCheckpointInterval = time.Second

// CheckpointIfNew signs the head when this process appended entries since
// the last checkpoint it knows of. It is the local job "audit.checkpoint"
// of the job runner, run every --audit-checkpoint-interval on each node:
// together with the checkpoint every CheckpointEvery entries, it bounds
// what a rewrite or a truncation can hide from the checkpoints streamed out
// (SetCheckpointSink) to one interval or CheckpointEvery entries, whichever
// comes first.
func (db *DB) CheckpointIfNew(ctx context.Context) error {
	if db.auditWritten.Load() <= db.auditSigned.Load() || db.signer.Load() == nil {
		return nil
	}
	_, err := db.Checkpoint(ctx)
	return err
}

// Checkpoint signs the current head of the audit log now and returns the
// checkpoint; with an empty log there is nothing to sign.
func (db *DB) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	if db.signer.Load() == nil {
		return nil, errors.New("store: no audit signing key (run escudo migrate)")
	}
	var c *Checkpoint
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		if db.Dialect == Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7271002)`); err != nil {
				return err
			}
		}
		var seq int64
		var hash []byte
		err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
		if isNoRows(err) {
			return errors.New("store: the audit log is empty")
		} else if err != nil {
			return err
		}
		// A head already signed (by the loop, every N entries, or another
		// node) is answered with the stored checkpoint, so what a caller
		// keeps is what verify finds in the database.
		var at int64
		var keyID string
		var sig, pub []byte
		err = tx.QueryRow(ctx, `SELECT c.at, c.key_id, c.signature, k.public_key FROM audit_checkpoints c
			JOIN audit_signing_keys k ON k.id = c.key_id WHERE c.seq = ?`, seq).Scan(&at, &keyID, &sig, &pub)
		if err == nil {
			c = &Checkpoint{Seq: seq, At: fromMicros(at), Hash: hash, KeyID: keyID, PublicKey: pub, Signature: sig}
			tx.afterCommit = append(tx.afterCommit, func() { db.noteAuditSigned(seq) })
			return nil
		} else if !isNoRows(err) {
			return err
		}
		c, err = tx.checkpointAt(ctx, seq, hash)
		return err
	})
	return c, err
}

// Checkpoints returns every stored checkpoint with its public key, by seq.
func (db *DB) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.seq, c.at, c.hash, c.key_id, c.signature, k.public_key
		FROM audit_checkpoints c LEFT JOIN audit_signing_keys k ON k.id = c.key_id ORDER BY c.seq`)
	if err != nil {
		return nil, fmt.Errorf("store: checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var at int64
		var pub, hash, sig []byte
		if err := rows.Scan(&c.Seq, &at, &hash, &c.KeyID, &sig, &pub); err != nil {
			return nil, err
		}
		c.At, c.Hash, c.Signature, c.PublicKey = fromMicros(at), hash, sig, pub
		out = append(out, c)
	}
	return out, rows.Err()
}

// WriteCheckpoints writes checkpoints as JSON lines, the export format.
func WriteCheckpoints(w io.Writer, cs []Checkpoint) error {
	enc := json.NewEncoder(w)
	for i := range cs {
		if err := enc.Encode(&cs[i]); err != nil {
			return err
		}
	}
	return nil
}

// ParseCheckpoints reads an export. Every line must be a well-formed
// checkpoint whose signature verifies, in increasing seq order.
func ParseCheckpoints(r io.Reader) ([]Checkpoint, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	var out []Checkpoint
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("checkpoints line %d: %w", line, err)
		}
		if err := c.Verify(); err != nil {
			return nil, fmt.Errorf("checkpoints line %d: %w", line, err)
		}
		if len(out) > 0 && c.Seq <= out[len(out)-1].Seq {
			return nil, fmt.Errorf("checkpoints line %d: seq %d out of order", line, c.Seq)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("checkpoints line %d: %w", line+1, err)
	}
	return out, nil
}
