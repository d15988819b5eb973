package alert

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Early paging. An alert is stored durably before the device hears
// "accepted", and on a single disk that waits for fsync: milliseconds
// usually, but virtual disks stall now and then for hundreds of
// milliseconds, and alerts queued behind the stalled commit would wait as
// long. The duty desk should not. So an alert that is new (not a repeat
// this node has seen) is numbered from ids reserved in advance, its first
// notifications are built and handed to delivery at once, and then it
// joins the group commit with those ids. The device's acknowledgement still
// waits for the commit; attempts are recorded only once the commit has
// succeeded. If the commit fails the alert is retried alone under the same
// numbers; if the database finds a repeat this node could not know of
// (another node stored it), the page was one too many and is counted in
// escudo_notify_commit_failed_total.

// errRepeatAfterPage marks early notifications whose alert turned out to
// repeat an earlier one.
var errRepeatAfterPage = errors.New("alert: paged early, but the database found a repeat")

// idPool hands out ids reserved in blocks, refilling in the background when
// half used.
type idPool struct {
	db    *store.DB
	table string
	block int
	log   *slog.Logger

	mu        sync.Mutex
	ids       []int64
	refilling bool
}

func (q *idPool) take(n int) []int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ids) < n {
		q.refillLocked()
		return nil
	}
	out := make([]int64, n)
	copy(out, q.ids)
	q.ids = q.ids[n:]
	if len(q.ids) < q.block/2 {
		q.refillLocked()
	}
	return out
}

func (q *idPool) refillLocked() {
	if q.refilling {
		return
	}
	q.refilling = true
	go func() {
		_ = q.fill(context.Background())
	}()
}

// fill reserves one block.
func (q *idPool) fill(ctx context.Context) error {
	ids, err := q.db.ReserveIDs(ctx, q.table, q.block)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.refilling = false
	if err != nil {
		q.log.Warn("reserving ids for early paging", "table", q.table, "err", err)
		return err
	}
	q.ids = append(q.ids, ids...)
	return nil
}

// recentKey identifies what makes an alert a repeat: a device's message
// (kindMessage), a dedup key (kindKey) or a device and type (kindRepeat).
type recentKey struct {
	kind uint8
	dev  int64
	h    uint64
}

const (
	kindMessage uint8 = iota
	kindKey
	kindRepeat
)

// recent remembers, for the dedup window, the alerts this node received,
// so a retransmission or a second press is not paged early (the database
// decides whether it is stored). Compact keys keep it at about 40 bytes an
// alert: 5 MB for two minutes at 1,000 alerts a second.
type recent struct {
	mu     sync.Mutex
	seed   maphash.Seed
	seen   map[recentKey]int64 // unix nanoseconds
	window time.Duration
	swept  int64
}

func newRecent(window time.Duration) *recent {
	return &recent{seed: maphash.MakeSeed(), seen: map[recentKey]int64{}, window: window}
}

func (r *recent) keys(in *escudo.AlertInput) []recentKey {
	if in.DedupKey != "" {
		return []recentKey{{kindKey, 0, maphash.String(r.seed, in.DedupKey)}}
	}
	if in.DeviceID == 0 {
		return nil
	}
	var ks []recentKey
	if in.MessageID != "" {
		ks = append(ks, recentKey{kindMessage, in.DeviceID, maphash.String(r.seed, in.MessageID)})
	}
	return append(ks, recentKey{kindRepeat, in.DeviceID, maphash.String(r.seed, string(in.Type))})
}

// fresh records the alert and reports whether none of its keys was seen
// within the window. Alerts without keys are never repeats.
func (r *recent) fresh(in *escudo.AlertInput, now time.Time) bool {
	ks := r.keys(in)
	t := now.UnixNano()
	horizon := t - int64(r.window)
	r.mu.Lock()
	defer r.mu.Unlock()
	if t-r.swept > int64(r.window)/4 || (len(r.seen) > maxRecent && t-r.swept > int64(time.Second)) {
		for k, at := range r.seen {
			if at <= horizon {
				delete(r.seen, k)
			}
		}
		r.swept = t
	}
	if len(r.seen) > maxRecent {
		// More alerts in the window than it can remember: page them
		// through the commit path, where the database decides.
		return false
	}
	ok := true
	for _, k := range ks {
		if at, seen := r.seen[k]; seen && at > horizon {
			ok = false
		}
		r.seen[k] = t
	}
	return ok
}

// maxRecent bounds the dedup memory (about 40 MB): beyond it, at more
// than 8,000 alerts a second for two minutes, alerts are no longer paged
// early.
const maxRecent = 1 << 20

// resolved forgets the device and type of a resolved alert: a new press
// after it is a new alert, as the database also decides.
func (r *recent) resolved(a *escudo.Alert) {
	if a == nil || a.DeviceID == 0 {
		return
	}
	r.mu.Lock()
	delete(r.seen, recentKey{kindRepeat, a.DeviceID, maphash.String(r.seed, string(a.Type))})
	r.mu.Unlock()
}

// recipientsTTL bounds how long a change of the duty roster takes to reach
// early pages (the commit path reads it in its transaction).
const recipientsTTL = 2 * time.Second

type cachedRecipients struct {
	rs         []store.Recipient
	at         time.Time
	refreshing bool // one caller is reading it again
}

// earlyRecipients reads a tier's staff from the read pool, cached briefly:
// the writer may be the thing that is stalled.
func (p *Pipeline) earlyRecipients(ctx context.Context, tier int, entity string) ([]store.Recipient, error) {
	key := recipientCacheKey(p.policy, tier, entity)
	now := time.Now()
	p.earlyMu.Lock()
	c, ok := p.earlyUsers[key]
	if ok && (now.Sub(c.at) < recipientsTTL || c.refreshing) {
		// Past its time but already being read again by one caller: the
		// others page with the roster read a moment ago rather than each
		// queueing for a read connection (at 1,000 alerts a second that
		// queue was the page's delay on PostgreSQL).
		p.earlyMu.Unlock()
		return c.rs, nil
	}
	if ok {
		c.refreshing = true
		p.earlyUsers[key] = c
	}
	p.earlyMu.Unlock()
	var rs []store.Recipient
	err := p.db.WithTx(ctx, false, func(tx *store.Tx) (err error) {
		rs, err = tx.TierRecipients(ctx, p.policy.Tier(tier), entity)
		return err
	})
	p.earlyMu.Lock()
	defer p.earlyMu.Unlock()
	if err != nil {
		if ok {
			c.refreshing = false
			p.earlyUsers[key] = c
		}
		return nil, err
	}
	p.earlyUsers[key] = cachedRecipients{rs: rs, at: now}
	return rs, nil
}

// prepareEarly numbers a new alert and builds its first notifications, to
// be handed to delivery as soon as it is queued, before it is committed. It
// reports false, leaving the alert to the commit path, for a probable
// repeat or when reserved ids run out.
func (p *Pipeline) prepareEarly(ctx context.Context, it *intake) bool {
	e := p.early.Load()
	if e == nil || !e.recent.fresh(&it.in, it.in.ReceivedAt) {
		return false
	}
	users, err := p.earlyRecipients(ctx, 0, it.entity)
	if err != nil {
		return false
	}
	ids := e.alerts.take(1)
	if ids == nil {
		return false
	}
	a := it.in.Open(it.entity, p.now().UTC())
	a.ID = ids[0]
	ns, err := p.buildNotes(a, 0, users)
	if err != nil {
		return false
	}
	nids := e.outbox.take(len(ns))
	if nids == nil && len(ns) > 0 {
		return false // the alert id is left unused: a gap, not a clash
	}
	for i := range ns {
		ns[i].ID = nids[i]
	}
	it.earlyID, it.earlyNotes = a.ID, ns
	it.earlyOutcome = &commitOutcome{done: make(chan struct{})}
	p.inflight.Store(a.ID, it.earlyOutcome)
	return true
}

// AwaitStored waits until an alert paged early, whose number a receiver
// may use at once, has been committed (or failed); for any other id it
// returns at once. Readers call it before looking an alert up.
func (p *Pipeline) AwaitStored(ctx context.Context, id int64) {
	v, ok := p.inflight.Load(id)
	if !ok {
		return
	}
	select {
	case <-v.(*commitOutcome).done:
	case <-ctx.Done():
	}
}

// earlyState is the early-paging machinery of a pipeline.
type earlyState struct {
	alerts, outbox *idPool
	recent         *recent
}

func (p *Pipeline) startEarly(ctx context.Context) {
	if p.deliver == nil {
		return
	}
	e := &earlyState{
		alerts: &idPool{db: p.db, table: "alerts", block: 1024, log: p.log},
		outbox: &idPool{db: p.db, table: "outbox", block: 4096, log: p.log},
		recent: newRecent(max(time.Duration(p.policy.DedupWindow), time.Minute)),
	}
	// The first blocks are reserved before the first alert; if that fails
	// the commit path pages, as it does whenever the pools are empty.
	_ = e.alerts.fill(ctx)
	_ = e.outbox.fill(ctx)
	p.early.Store(e)
}
