package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"escudo"
)

// AuditEntry is one line of the audit log. It names what was touched, never
// the sensitive values themselves.
type AuditEntry struct {
	Seq        int64
	At         time.Time
	ActorID    int64
	ActorRole  string
	Action     string // e.g. "case.create", "case.read", "login", "access.denied"
	ObjectType string
	ObjectID   string
	Fields     string // comma-separated field names read or written
	Outcome    string // "ok", "denied", "failed"
	Remote     string
	PrevHash   []byte
	Hash       []byte
}

// Audit outcomes.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied"
	OutcomeFailed = "failed"
)

// HashEntry computes an entry's chained hash: SHA-256 over the previous hash
// and every field, each length-prefixed so no two entries encode alike.
func HashEntry(e *AuditEntry) []byte {
	h := sha256.New()
	var buf [8]byte
	write := func(b []byte) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(b)))
		h.Write(buf[:])
		h.Write(b)
	}
	num := func(n int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(n))
		h.Write(buf[:])
	}
	write(e.PrevHash)
	num(e.Seq)
	num(e.At.UnixMicro())
	num(e.ActorID)
	for _, s := range []string{e.ActorRole, e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome, e.Remote} {
		write([]byte(s))
	}
	return h.Sum(nil)
}

// Audit appends an entry in this transaction, chained to the last one. On
// PostgreSQL an advisory lock orders appends from several nodes.
func (tx *Tx) Audit(ctx context.Context, e AuditEntry) error {
	if e.ActorID == 0 {
		if u := escudo.UserFromContext(ctx); u != nil {
			e.ActorID, e.ActorRole = u.ID, string(u.Role)
		}
	}
	if e.Remote == "" {
		e.Remote = RemoteFromContext(ctx)
	}
	if e.Outcome == "" {
		e.Outcome = OutcomeOK
	}
	if tx.db.Dialect == Postgres {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7271002)`); err != nil {
			return fmt.Errorf("store: audit lock: %w", err)
		}
	}
	e.PrevHash = make([]byte, sha256.Size)
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("store: audit head: %w", err)
	}
	e.Seq++
	e.At = tx.now
	e.Hash = HashEntry(&e)
	_, err = tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor_role, action, object_type, object_id, fields, outcome, remote, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, micros(e.At), nullID(e.ActorID), e.ActorRole, e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome, e.Remote, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("store: audit append: %w", err)
	}
	return nil
}

// Audit appends one entry in its own transaction (reads and denials).
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	return db.WithTx(ctx, true, func(tx *Tx) error { return tx.Audit(ctx, e) })
}

type remoteKey struct{}

// WithRemote records the client address for audit entries.
func WithRemote(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteKey{}, addr)
}

// RemoteFromContext returns the client address, if recorded.
func RemoteFromContext(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey{}).(string)
	return s
}
