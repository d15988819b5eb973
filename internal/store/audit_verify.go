package store

import (
	"bytes"
	"context"
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
type ChainVerifier struct {
	next int64
	prev []byte
	buf  []byte // reused preimage buffer
}

// NewChainVerifier starts at the beginning of the log.
func NewChainVerifier() *ChainVerifier {
	return &ChainVerifier{next: 1, prev: make([]byte, sha256.Size)}
}

// Check verifies the next entry.
func (v *ChainVerifier) Check(e *AuditEntry) error {
	switch {
	case e.Seq != v.next:
		return &ChainError{Seq: v.next, Reason: fmt.Sprintf("expected seq %d, found %d (entries deleted, inserted or reordered)", v.next, e.Seq)}
	case !bytes.Equal(e.PrevHash, v.prev):
		return &ChainError{Seq: e.Seq, Reason: "previous-hash link does not match the entry before (entries deleted or reordered)"}
	case !v.hashMatches(e):
		return &ChainError{Seq: e.Seq, Reason: "hash does not match the entry's contents (entry edited)"}
	}
	v.next++
	v.prev = e.Hash
	return nil
}

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
	Checkpoints int // checkpoints matched against the chain
}

// VerifyAudit streams the whole audit log in one read snapshot and checks
// the chain and every checkpoint: those stored in the database and any the
// caller brings from elsewhere (an auditor's export). It returns a
// *ChainError for the first bad entry or checkpoint.
func (db *DB) VerifyAudit(ctx context.Context, external []Checkpoint) (*VerifyReport, error) {
	stored, err := db.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	want := map[int64][]Checkpoint{}
	maxSeq := int64(0)
	for _, set := range [][]Checkpoint{stored, external} {
		for i := range set {
			c := set[i]
			if err := c.Verify(); err != nil {
				return nil, &ChainError{Seq: c.Seq, Reason: err.Error()}
			}
			want[c.Seq] = append(want[c.Seq], c)
			maxSeq = max(maxSeq, c.Seq)
		}
	}
	rep := &VerifyReport{}
	v := NewChainVerifier()
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
			rows, err := tx.Query(sctx, `SELECT seq, at, actor_id, actor_role, action, object_type, object_id, fields, outcome, remote, prev_hash, hash
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
				if err := rows.Scan(&e.Seq, &at, &actor, &e.ActorRole, &e.Action, &e.ObjectType, &e.ObjectID, &e.Fields, &e.Outcome, &e.Remote, &e.PrevHash, &e.Hash); err != nil {
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
	if maxSeq > rep.LastSeq {
		return rep, &ChainError{Seq: rep.LastSeq + 1, Reason: fmt.Sprintf("log ends at seq %d but a signed checkpoint covers seq %d (entries deleted)", rep.LastSeq, maxSeq)}
	}
	return rep, nil
}
