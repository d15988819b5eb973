package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"escudo"
	"escudo/internal/vault"
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
	// Count is how many events the entry stands for: 1, or more for an
	// aggregated refusal of unauthenticated callers (audit_refusals.go).
	// Zero is taken as 1.
	Count    int64
	Chain    int // ChainLegacy or ChainKeyed: how Hash was computed
	PrevHash []byte
	Hash     []byte
}

// Chain versions of audit entries.
const (
	// ChainLegacy entries were written before migration 0460: their hash is
	// plain SHA-256 (HashEntry), which anyone holding the database can
	// recompute. They keep verifying as they were.
	ChainLegacy = 0
	// ChainKeyed entries are chained with HMAC-SHA256 under the audit chain
	// key (HashEntryKeyed), derived from the master key and never stored, so
	// a rewrite needs the master key.
	ChainKeyed = 1
)

// auditKeyPurpose names the audit chain key in the master key's derivation.
const auditKeyPurpose = "audit-chain-v1"

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
		binary.BigEndian.PutUint64(buf[:], uint64(n)) // #nosec G115 -- the bits are hashed, not used as a quantity
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

// keyedPreimage appends the bytes HashEntryKeyed authenticates: a version
// prefix, then every field length-prefixed, the count included.
func keyedPreimage(b []byte, e *AuditEntry) []byte {
	b = append(b, "escudo-audit-v2\x00"...)
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.PrevHash)))
	b = append(b, e.PrevHash...)
	// The bits are authenticated, not used as quantities.
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))            // #nosec G115
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMicro())) // #nosec G115
	b = binary.BigEndian.AppendUint64(b, uint64(e.ActorID))        // #nosec G115
	b = binary.BigEndian.AppendUint64(b, uint64(e.count()))        // #nosec G115
	for _, s := range [...]string{e.ActorRole, e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome, e.Remote} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func (e *AuditEntry) count() int64 {
	if e.Count <= 0 {
		return 1
	}
	return e.Count
}

// HashEntryKeyed computes a keyed entry's chained MAC: HMAC-SHA256 under the
// audit chain key over the previous hash and every field.
func HashEntryKeyed(key []byte, e *AuditEntry) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(keyedPreimage(nil, e))
	return m.Sum(nil)
}

// chainMAC computes keyed hashes with one reusable HMAC and buffer.
type chainMAC struct {
	m   hash.Hash
	buf []byte
}

func newChainMAC(key []byte) *chainMAC { return &chainMAC{m: hmac.New(sha256.New, key)} }

func (c *chainMAC) sum(e *AuditEntry, dst []byte) []byte {
	c.buf = keyedPreimage(c.buf[:0], e)
	c.m.Reset()
	c.m.Write(c.buf)
	return c.m.Sum(dst)
}

// deriveAuditKey derives the audit chain key from the master key.
func deriveAuditKey(p vault.KeyProvider) ([]byte, error) {
	d, ok := p.(vault.KeyDeriver)
	if !ok {
		return nil, errors.New("store: the key provider cannot derive the audit chain key")
	}
	return d.DeriveKey(auditKeyPurpose, sha256.Size)
}

// Audit appends an entry in this transaction, chained to the last one. On
// PostgreSQL an advisory lock orders appends from several nodes.
func (tx *Tx) Audit(ctx context.Context, e AuditEntry) error {
	fillAudit(ctx, &e)
	return tx.appendAudit(ctx, []*AuditEntry{&e})
}

// fillAudit takes the actor and the client address from the context.
func fillAudit(ctx context.Context, e *AuditEntry) {
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
}

// DeferAudit makes the transaction collect its audit entries and append
// them all at once, in the order they were made, just before WithTx
// commits: one read of the chain's head, one multi-row insert and (on
// PostgreSQL) one take of the chain's lock per transaction instead of per
// entry. The alert pipeline's group commit, where hundreds of alerts and
// operator actions share one transaction, uses it. An entry made inside a
// Savepoint that rolls back is dropped with it. Entries' sequence numbers
// and hashes are set only at that append.
func (tx *Tx) DeferAudit() { tx.deferAudit = true }

// flushAudit appends the entries a DeferAudit transaction collected.
func (tx *Tx) flushAudit(ctx context.Context) error {
	if len(tx.auditLater) == 0 {
		return nil
	}
	entries := tx.auditLater
	tx.auditLater, tx.deferAudit = nil, false
	return tx.appendAudit(ctx, entries)
}

// appendAudit chains and inserts entries in order, reading the head once,
// and signs a checkpoint whenever a sequence number reaches a multiple of
// the checkpoint interval. In a DeferAudit transaction it only collects
// them.
func (tx *Tx) appendAudit(ctx context.Context, entries []*AuditEntry) error {
	if tx.deferAudit {
		tx.auditLater = append(tx.auditLater, entries...)
		return nil
	}
	if tx.db.Dialect == Postgres {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7271002)`); err != nil {
			return fmt.Errorf("store: audit lock: %w", err)
		}
	}
	var seq int64
	head := make([]byte, sha256.Size)
	err := tx.QueryRow(ctx, qAuditHead).Scan(&seq, &head)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("store: audit head: %w", err)
	}
	key := tx.db.auditKey
	if key == nil {
		return errors.New("store: no audit chain key (the store was not initialised)")
	}
	mac := newChainMAC(key)
	every := int64(tx.db.CheckpointEvery)
	for _, e := range entries {
		seq++
		e.Seq, e.At, e.PrevHash, e.Chain, e.Count = seq, tx.now, head, ChainKeyed, e.count()
		e.Hash = mac.sum(e, nil)
		head = e.Hash
	}
	// Multi-row inserts: one round trip for many entries matters on
	// PostgreSQL, where each statement crosses the network.
	const perStmt = 100
	for i := 0; i < len(entries); i += perStmt {
		chunk := entries[i:min(i+perStmt, len(entries))]
		var q strings.Builder
		q.WriteString(qAuditInsert)
		args := make([]any, 0, 14*len(chunk))
		for j, e := range chunk {
			if j > 0 {
				q.WriteString(", ")
			}
			q.WriteString(qAuditRow)
			args = append(args, e.Seq, micros(e.At), nullID(e.ActorID), e.ActorRole, e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome, e.Remote, e.PrevHash, e.Hash, e.Chain, e.Count)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("store: audit append: %w", err)
		}
	}
	if every > 0 && tx.db.signer.Load() != nil {
		for _, e := range entries {
			if e.Seq%every == 0 {
				if _, err := tx.checkpointAt(ctx, e.Seq, e.Hash); err != nil {
					return err
				}
			}
		}
	}
	tx.db.noteAuditWritten(seq)
	return nil
}

// Audit appends one entry in its own transaction (reads, denials, logins).
// Concurrent callers are committed together: the first caller to find no
// batch in flight writes every entry queued so far in one transaction, so
// one fsync serves many entries while each caller still returns only once
// its entry is durable.
//
// Under DeferAudits the entry is kept until FlushAudits instead.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	fillAudit(ctx, &e)
	if d := deferredAudits(ctx); d != nil && d.keep(e) {
		return nil
	}
	return db.auditGroup(ctx, []AuditEntry{e})
}

// auditDeferral holds the read entries of one request until its page is
// about to be shown.
type auditDeferral struct {
	mu      sync.Mutex
	entries []AuditEntry
	closed  bool
}

// keep queues entries unless the deferral was already flushed.
func (d *auditDeferral) keep(entries ...AuditEntry) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	d.entries = append(d.entries, entries...)
	return true
}

type auditDeferralKey struct{}

func deferredAudits(ctx context.Context) *auditDeferral {
	d, _ := ctx.Value(auditDeferralKey{}).(*auditDeferral)
	return d
}

// DeferAudits returns a context under which Audit and AuditReads collect
// their entries (actor, time and address taken at once) instead of writing
// each in a commit of its own, so a page that reads a case through six
// store calls waits for one fsync rather than six. The caller must call
// FlushAudits with it before showing anything read under it, and show
// nothing when that fails: no read is ever shown unrecorded. Entries after
// the flush are written at once again.
func DeferAudits(ctx context.Context) context.Context {
	if deferredAudits(ctx) != nil {
		return ctx
	}
	return context.WithValue(ctx, auditDeferralKey{}, &auditDeferral{})
}

// FlushAudits writes the entries collected under ctx (see DeferAudits) in
// one group commit and returns once they are durable. Without a deferral,
// or with nothing collected, it does nothing. Entries are handed to the
// commit once: after a failure they are not retried, and the caller shows
// an error instead of the data.
func (db *DB) FlushAudits(ctx context.Context) error {
	d := deferredAudits(ctx)
	if d == nil {
		return nil
	}
	d.mu.Lock()
	entries := d.entries
	d.entries, d.closed = nil, true
	d.mu.Unlock()
	if len(entries) == 0 {
		return nil
	}
	return db.auditGroup(ctx, entries)
}

// AuditObject names one object that a read touched: its type ("case",
// "person", "device", "alert"), its id and the names of the fields shown.
type AuditObject struct {
	Type   string
	ID     int64
	Fields string
}

// AuditReads records that the caller read each of objects under action
// ("case.list", "device.list", ...): one entry per object, so the object's
// owner finds it in "who read my data", all appended in one transaction
// (shared with concurrent audit entries), so a page of 50 costs one write.
// An object named twice is recorded once.
func (db *DB) AuditReads(ctx context.Context, action string, objects []AuditObject) error {
	if len(objects) == 0 {
		return nil
	}
	entries := make([]AuditEntry, 0, len(objects))
	seen := make(map[AuditObject]bool, len(objects))
	for _, o := range objects {
		if seen[o] {
			continue
		}
		seen[o] = true
		e := AuditEntry{Action: action, ObjectType: o.Type, ObjectID: strconv.FormatInt(o.ID, 10), Fields: o.Fields}
		fillAudit(ctx, &e)
		entries = append(entries, e)
	}
	if d := deferredAudits(ctx); d != nil && d.keep(entries...) {
		return nil
	}
	return db.auditGroup(ctx, entries)
}

// AuditCommits counts the transactions the group commit has written, so
// tests and benchmarks can tell what a request cost.
func (db *DB) AuditCommits() int64 { return db.auditBatch.commits.Load() }

// auditGroup queues entries for the group commit; they are written together,
// in one transaction, and the call returns once they are durable.
func (db *DB) auditGroup(ctx context.Context, entries []AuditEntry) error {
	req := &auditReq{entries: entries, done: make(chan error, 1)}
	b := &db.auditBatch
	b.mu.Lock()
	b.queue = append(b.queue, req)
	lead := !b.busy
	b.busy = true
	b.mu.Unlock()
	if lead {
		db.flushAudit(context.WithoutCancel(ctx))
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		// The entry may still be written; the caller's request is over.
		return ctx.Err()
	}
}

// auditBatch is the queue of entries waiting for a group commit.
type auditBatch struct {
	mu      sync.Mutex
	queue   []*auditReq
	busy    bool
	commits atomic.Int64
}

// auditReq is one caller's entries; they are never split across
// transactions.
type auditReq struct {
	entries []AuditEntry
	done    chan error
}

// maxAuditBatch bounds one transaction, so a burst cannot hold the writer
// for long; a single request larger than this is still written whole.
const maxAuditBatch = 2000

// flushAudit writes one batch; when more entries queued meanwhile, another
// goroutine takes over so the leader's caller is not held.
func (db *DB) flushAudit(ctx context.Context) {
	b := &db.auditBatch
	b.mu.Lock()
	n, count := 0, 0
	for n < len(b.queue) && (n == 0 || count+len(b.queue[n].entries) <= maxAuditBatch) {
		count += len(b.queue[n].entries)
		n++
	}
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.mu.Unlock()
	entries := make([]*AuditEntry, 0, count)
	for _, r := range batch {
		for i := range r.entries {
			entries = append(entries, &r.entries[i])
		}
	}
	err := db.WithTx(ctx, true, func(tx *Tx) error { return tx.appendAudit(ctx, entries) })
	if err == nil {
		b.commits.Add(1)
	}
	for _, r := range batch {
		r.done <- err
	}
	b.mu.Lock()
	more := len(b.queue) > 0
	if !more {
		b.busy = false
	}
	b.mu.Unlock()
	if more {
		go db.flushAudit(ctx)
	}
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

// keyedChainMigration is the migration that starts the keyed chain.
const keyedChainMigration = 460

// chainStartMAC authenticates the boundary between legacy and keyed entries.
func chainStartMAC(key []byte, seq int64, hash []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("escudo-audit-chain-start\x00"))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq)) // #nosec G115 -- authenticated bits
	m.Write(b[:])
	m.Write(hash)
	return m.Sum(nil)
}

// startKeyedChain records, in the transaction of migration 0460, the last
// legacy entry, so the verifier knows from which seq every entry must be
// keyed.
func (tx *Tx) startKeyedChain(ctx context.Context) error {
	if tx.db.keyProvider == nil {
		return errors.New("store: migrating the audit log needs the master key")
	}
	key, err := deriveAuditKey(tx.db.keyProvider)
	if err != nil {
		return err
	}
	var seq int64
	hash := []byte{}
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash); err != nil && !isNoRows(err) {
		return fmt.Errorf("store: audit head: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_chain_start (id, legacy_seq, legacy_hash, mac) VALUES (1, ?, ?, ?)`, seq, hash, chainStartMAC(key, seq, hash))
	if err != nil {
		return fmt.Errorf("store: start keyed audit chain: %w", err)
	}
	return nil
}

// chainStart reads and authenticates the boundary of the keyed chain.
func (db *DB) chainStart(ctx context.Context) (seq int64, hash []byte, err error) {
	var mac []byte
	err = db.read.QueryRowContext(ctx, `SELECT legacy_seq, legacy_hash, mac FROM audit_chain_start WHERE id = 1`).Scan(&seq, &hash, &mac)
	if isNoRows(err) {
		return 0, nil, &ChainError{Seq: 1, Reason: "the record of where the keyed chain starts is missing (audit tables tampered with)"}
	} else if err != nil {
		return 0, nil, fmt.Errorf("store: audit chain start: %w", err)
	}
	if db.auditKey == nil || !hmac.Equal(mac, chainStartMAC(db.auditKey, seq, hash)) {
		return 0, nil, &ChainError{Seq: max(seq, 1), Reason: "the record of where the keyed chain starts does not authenticate (audit tables tampered with)"}
	}
	return seq, hash, nil
}
