package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
)

// ChainError names the first entry at which the audit chain breaks.
type ChainError struct {
	Seq    int64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit log broken at seq %d: %s", e.Seq, e.Reason)
}

// ChainVerifier checks audit entries one by one, in seq order, against the
// chain: consecutive sequence numbers from 1, each entry's previous hash equal
// to the hash of the one before, and each hash equal to the hash of the
// entry's contents. An edited entry fails its own hash; a deleted, inserted or
// reordered one breaks the sequence or the link.
//
// Entries written before the keyed chain (ChainLegacy) are checked with
// SHA-256; from the first keyed entry on, every entry must be keyed and its
// HMAC match under the audit chain key, so someone holding the database but
// not the master key can neither rehash an edit nor pass a keyed entry off
// as a legacy one.
type ChainVerifier struct {
	next      int64
	prev      []byte
	buf       []byte // reused preimage buffer
	mac       *chainMAC
	sum       []byte
	keyedFrom int64
	legacyTo  int64 // with ExpectKeyedAfter: entries after it must be keyed
	strict    bool
}

// ExpectKeyedAfter makes every entry after seq keyed and every entry up to
// it legacy, as recorded when the keyed chain started.
func (v *ChainVerifier) ExpectKeyedAfter(seq int64) { v.legacyTo, v.strict = seq, true }

// NewChainVerifier starts at the beginning of a log of legacy entries only.
func NewChainVerifier() *ChainVerifier {
	return &ChainVerifier{next: 1, prev: make([]byte, sha256.Size)}
}

// NewKeyedChainVerifier starts at the beginning of the log, checking keyed
// entries under the audit chain key.
func NewKeyedChainVerifier(key []byte) *ChainVerifier {
	v := NewChainVerifier()
	v.mac = newChainMAC(key)
	return v
}

// Check verifies the next entry.
func (v *ChainVerifier) Check(e *AuditEntry) error {
	switch {
	case e.Seq != v.next:
		return &ChainError{Seq: v.next, Reason: fmt.Sprintf("expected seq %d, found %d (entries deleted, inserted or reordered)", v.next, e.Seq)}
	case !bytes.Equal(e.PrevHash, v.prev):
		return &ChainError{Seq: e.Seq, Reason: "previous-hash link does not match the entry before (entries deleted or reordered)"}
	}
	if v.strict && (e.Chain == ChainLegacy) != (e.Seq <= v.legacyTo) {
		if e.Chain == ChainLegacy {
			return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf("unkeyed entry after the keyed chain began at seq %d (entry rewritten without the key)", v.legacyTo+1)}
		}
		return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf("keyed entry before the keyed chain began at seq %d (entries inserted)", v.legacyTo+1)}
	}
	switch e.Chain {
	case ChainLegacy:
		if v.keyedFrom > 0 {
			return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf("unkeyed entry after the keyed chain began at seq %d (entry rewritten without the key)", v.keyedFrom)}
		}
		if e.Count > 1 || !v.hashMatches(e) {
			return &ChainError{Seq: e.Seq, Reason: "hash does not match the entry's contents (entry edited)"}
		}
	case ChainKeyed:
		if v.mac == nil {
			return &ChainError{Seq: e.Seq, Reason: "keyed entry, but no audit chain key to check it"}
		}
		v.sum = v.mac.sum(e, v.sum[:0])
		if !hmac.Equal(v.sum, e.Hash) {
			return &ChainError{Seq: e.Seq, Reason: "keyed hash does not match the entry's contents (entry edited or rehashed without the key)"}
		}
		if v.keyedFrom == 0 {
			v.keyedFrom = e.Seq
		}
	default:
		return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf("unknown chain version %d", e.Chain)}
	}
	v.next++
	v.prev = e.Hash
	return nil
}

// KeyedFrom is the seq of the first keyed entry verified, 0 if none.
func (v *ChainVerifier) KeyedFrom() int64 { return v.keyedFrom }

// hashMatches computes HashEntry's preimage into a reused buffer and hashes
// it in one call: the same hash without allocations, for million-entry runs.
func (v *ChainVerifier) hashMatches(e *AuditEntry) bool {
	b := v.buf[:0]
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.PrevHash)))
	b = append(b, e.PrevHash...)
	// The bits are hashed, not used as quantities, as in HashEntry.
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))            // #nosec G115
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMicro())) // #nosec G115
	b = binary.BigEndian.AppendUint64(b, uint64(e.ActorID))        // #nosec G115
	for _, s := range [...]string{e.ActorRole, e.Action, e.ObjectType, e.ObjectID, e.Fields, e.Outcome, e.Remote} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	v.buf = b
	sum := sha256.Sum256(b)
	return bytes.Equal(sum[:], e.Hash)
}

// Head returns the last verified seq and hash.
func (v *ChainVerifier) Head() (int64, []byte) { return v.next - 1, v.prev }

// VerifyReport is the outcome of a verification.
type VerifyReport struct {
	Entries     int64
	LastSeq     int64
	Head        []byte
	Checkpoints int   // checkpoints matched against the chain
	KeyedFrom   int64 // first seq of the keyed chain, 0 if no entry is keyed
	// Refusals is how many refused or failed events the log records
	// (aggregated entries count for all they stand for), in RefusalEntries.
	Refusals       int64
	RefusalEntries int64
}

// VerifyAudit streams the whole audit log in one read snapshot and checks
// the chain and every checkpoint: those stored in the database and any the
// caller brings from elsewhere (an auditor's export). It returns a
// *ChainError for the first bad entry or checkpoint.
//
// A checkpoint counts only when signed by a key this installation holds: the
// public key must match the private key that the master key unwraps, so a
// key planted in the database signs nothing. Every checkpoint brought from
// outside must also be stored, unchanged, in the database: a missing one
// means stored checkpoints were deleted.
func (db *DB) VerifyAudit(ctx context.Context, external []Checkpoint) (*VerifyReport, error) {
	stored, err := db.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	trusted, err := db.trustedSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	storedAt := make(map[int64]*Checkpoint, len(stored))
	want := map[int64][]Checkpoint{}
	maxSeq := int64(0)
	for k, set := range [][]Checkpoint{stored, external} {
		from := "stored"
		if k == 1 {
			from = "exported"
		}
		for i := range set {
			c := set[i]
			if err := c.Verify(); err != nil {
				return nil, &ChainError{Seq: c.Seq, Reason: from + " " + err.Error()}
			}
			if pub, ok := trusted[c.KeyID]; !ok || !bytes.Equal(pub, c.PublicKey) {
				return nil, &ChainError{Seq: c.Seq, Reason: fmt.Sprintf("%s checkpoint signed by key %q, which this installation's master key does not hold (forged checkpoint)", from, c.KeyID)}
			}
			if k == 0 {
				storedAt[c.Seq] = &set[i]
			}
			want[c.Seq] = append(want[c.Seq], c)
			maxSeq = max(maxSeq, c.Seq)
		}
	}
	legacySeq, legacyHash, err := db.chainStart(ctx)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{}
	v := NewKeyedChainVerifier(db.auditKey)
	v.ExpectKeyedAfter(legacySeq)
	// The database scan and the hashing run in two goroutines, passing
	// batches, so verification takes about as long as reading alone.
	const batchSize = 1024
	batches := make(chan []AuditEntry, 8)
	free := make(chan []AuditEntry, 10)
	scanErr := make(chan error, 1)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(batches)
		scanErr <- db.WithTx(sctx, false, func(tx *Tx) error {
			rows, err := tx.Query(sctx, `SELECT seq, at, actor_id, actor_role, action, object_type, object_id, fields, outcome, remote, prev_hash, hash, chain, occurrences
			FROM audit_log ORDER BY seq`)
			if err != nil {
				return fmt.Errorf("store: read audit log: %w", err)
			}
			defer rows.Close()
			var batch []AuditEntry
			var at int64
			var actor sql.NullInt64
			for rows.Next() {
				if batch == nil {
					select {
					case batch = <-free:
						batch = batch[:0]
					default:
						batch = make([]AuditEntry, 0, batchSize)
					}
				}
				batch = append(batch, AuditEntry{})
				e := &batch[len(batch)-1]
				if err := rows.Scan(&e.Seq, &at, &actor, &e.ActorRole, &e.Action, &e.ObjectType, &e.ObjectID, &e.Fields, &e.Outcome, &e.Remote, &e.PrevHash, &e.Hash, &e.Chain, &e.Count); err != nil {
					return err
				}
				e.At, e.ActorID = fromMicros(at), actor.Int64
				if len(batch) == batchSize {
					select {
					case batches <- batch:
					case <-sctx.Done():
						return sctx.Err()
					}
					batch = nil
				}
			}
			if len(batch) > 0 {
				select {
				case batches <- batch:
				case <-sctx.Done():
					return sctx.Err()
				}
			}
			return rows.Err()
		})
	}()
	var verr error
	for batch := range batches {
		if verr != nil {
			continue
		}
		for i := range batch {
			e := &batch[i]
			if err := v.Check(e); err != nil {
				verr = err
				cancel()
				break
			}
			if e.Seq == legacySeq && !bytes.Equal(e.Hash, legacyHash) {
				verr = &ChainError{Seq: e.Seq, Reason: "the last legacy entry differs from the one recorded when the keyed chain started (legacy part rewritten)"}
				cancel()
				break
			}
			for _, c := range want[e.Seq] {
				if !bytes.Equal(c.Hash, e.Hash) {
					verr = &ChainError{Seq: e.Seq, Reason: "hash differs from the signed checkpoint (log rewritten)"}
					cancel()
					break
				}
				rep.Checkpoints++
			}
			if verr != nil {
				break
			}
			rep.Entries++
			if e.Outcome != OutcomeOK {
				rep.Refusals += e.count()
				rep.RefusalEntries++
			}
		}
		select {
		case free <- batch:
		default:
		}
	}
	if verr != nil {
		return rep, verr
	}
	if err := <-scanErr; err != nil {
		return rep, err
	}
	rep.LastSeq, rep.Head = v.Head()
	rep.KeyedFrom = v.KeyedFrom()
	if legacySeq > rep.LastSeq {
		return rep, &ChainError{Seq: rep.LastSeq + 1, Reason: fmt.Sprintf("log ends at seq %d but the keyed chain was recorded to start after seq %d (entries deleted)", rep.LastSeq, legacySeq)}
	}
	if maxSeq > 0 && rep.LastSeq == 0 {
		return rep, &ChainError{Seq: 1, Reason: fmt.Sprintf("the audit log is empty but signed checkpoints cover seq %d (log deleted)", maxSeq)}
	}
	if maxSeq > rep.LastSeq {
		return rep, &ChainError{Seq: rep.LastSeq + 1, Reason: fmt.Sprintf("log ends at seq %d but a signed checkpoint covers seq %d (entries deleted)", rep.LastSeq, maxSeq)}
	}
	for i := range external {
		c := &external[i]
		s, ok := storedAt[c.Seq]
		switch {
		case !ok:
			return rep, &ChainError{Seq: c.Seq, Reason: "an exported checkpoint is missing from the database (stored checkpoints deleted)"}
		case !bytes.Equal(s.Hash, c.Hash) || !bytes.Equal(s.Signature, c.Signature) || s.At.UnixMicro() != c.At.UnixMicro():
			return rep, &ChainError{Seq: c.Seq, Reason: "the stored checkpoint differs from the exported one (checkpoint replaced)"}
		}
	}
	return rep, nil
}

// trustedSigningKeys returns the public half of every signing key whose
// private half the master key unwraps, by key id.
func (db *DB) trustedSigningKeys(ctx context.Context) (map[string][]byte, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, public_key, wrapped FROM audit_signing_keys`)
	if err != nil {
		return nil, fmt.Errorf("store: audit signing keys: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var id string
		var pub, wrapped []byte
		if err := rows.Scan(&id, &pub, &wrapped); err != nil {
			return nil, err
		}
		seed, err := db.keyProvider.Unwrap(wrapped)
		if err != nil || len(seed) != ed25519.SeedSize {
			continue // planted or damaged: checkpoints it signs do not count
		}
		if real := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey); bytes.Equal(real, pub) {
			out[id] = pub
		}
	}
	return out, rows.Err()
}
