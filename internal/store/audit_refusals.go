package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DefaultRefusalInterval is how long refusals of unauthenticated callers are
// counted before one entry per source and reason is written.
const DefaultRefusalInterval = 10 * time.Second

// maxRefusalSources bounds the distinct (source, reason) pairs counted in
// one interval; beyond it further sources are counted together under
// OverflowSource, so a flood from many addresses costs bounded memory and
// bounded rows.
const maxRefusalSources = 4096

// OverflowSource is the source recorded for refusals counted after
// maxRefusalSources distinct sources were seen in one interval.
const OverflowSource = "*"

// maxRefusalObjectID bounds the object id (a device id from the URL, which
// the caller chooses) kept in an aggregated entry.
const maxRefusalObjectID = 64

type refusalKey struct {
	remote, action, objectType, objectID, fields, outcome string
}

// refusals counts refusals of unauthenticated callers until their interval
// closes.
type refusals struct {
	mu     sync.Mutex
	counts map[refusalKey]int64
	timer  *time.Timer
	closed bool
	flush  sync.Mutex // one write of aggregated entries at a time
}

// AuditRefusal records a refused request of a caller nobody authenticated:
// a wrong or unknown bearer token, a device credential or gateway signature
// that does not verify, a sign-in with an unknown account name. It never
// waits for the database, so a flood of refusals neither fills the log nor
// slows other writers (the alert path above all): the refusals are counted
// per source address and reason (action, object, fields, outcome), and one
// entry per pair, carrying its count, is appended to the chain when the
// interval closes (RefusalInterval) or the store closes. Refusals of a
// signed-in user are audited one entry each with DB.Audit.
func (db *DB) AuditRefusal(ctx context.Context, e AuditEntry) {
	fillAudit(ctx, &e)
	if e.Outcome == OutcomeOK {
		e.Outcome = OutcomeDenied
	}
	k := refusalKey{remote: e.Remote, action: e.Action, objectType: e.ObjectType, objectID: clip(e.ObjectID, maxRefusalObjectID), fields: e.Fields, outcome: e.Outcome}
	r := &db.refusals
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.counts == nil {
		r.counts = map[refusalKey]int64{}
	}
	if _, ok := r.counts[k]; !ok && len(r.counts) >= maxRefusalSources {
		k.remote, k.objectID = OverflowSource, ""
	}
	r.counts[k] += e.count()
	if r.timer == nil {
		interval := db.RefusalInterval
		if interval <= 0 {
			interval = DefaultRefusalInterval
		}
		r.timer = time.AfterFunc(interval, func() {
			if err := db.FlushRefusals(context.Background()); err != nil {
				db.log.Error("audit refusals", "err", err)
			}
		})
	}
}

// FlushRefusals appends the refusals counted so far, one entry per source
// and reason with its count, in one transaction.
func (db *DB) FlushRefusals(ctx context.Context) error {
	r := &db.refusals
	r.flush.Lock()
	defer r.flush.Unlock()
	r.mu.Lock()
	counts := r.counts
	r.counts = nil
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.mu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	keys := make([]refusalKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b refusalKey) int {
		return cmp.Or(strings.Compare(a.remote, b.remote), strings.Compare(a.action, b.action), strings.Compare(a.objectType, b.objectType),
			strings.Compare(a.objectID, b.objectID), strings.Compare(a.fields, b.fields), strings.Compare(a.outcome, b.outcome))
	})
	entries := make([]*AuditEntry, len(keys))
	var total int64
	for i, k := range keys {
		entries[i] = &AuditEntry{Action: k.action, ObjectType: k.objectType, ObjectID: k.objectID, Fields: k.fields, Outcome: k.outcome, Remote: k.remote, Count: counts[k]}
		total += counts[k]
	}
	// Written in batches like DB.Audit's, so one flush never holds the
	// writer long.
	for i := 0; i < len(entries); i += maxAuditBatch {
		chunk := entries[i:min(i+maxAuditBatch, len(entries))]
		if err := db.WithTx(ctx, true, func(tx *Tx) error { return tx.appendAudit(ctx, chunk) }); err != nil {
			return fmt.Errorf("store: write aggregated refusals (%d refusals not recorded): %w", total, err)
		}
	}
	return nil
}

// FinishAudit writes the refusals still counted and signs the head if this
// process appended entries since its last checkpoint; afterwards refusals
// are no longer counted. Close calls it; escudo serve calls it before it
// closes the checkpoint sink, so the last checkpoint is streamed out too.
func (db *DB) FinishAudit() {
	r := &db.refusals
	r.mu.Lock()
	done := r.closed
	r.closed = true
	r.mu.Unlock()
	if done || db.auditKey == nil || db.write == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.FlushRefusals(ctx); err != nil {
		db.log.Error("audit refusals at close", "err", err)
	}
	if err := db.CheckpointIfNew(ctx); err != nil {
		db.log.Error("audit checkpoint at close", "err", err)
	}
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
