package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/maphash"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
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
//
// On PostgreSQL several nodes may take alerts, and a repeat may reach
// another node than the first press: before paging early, a node claims the
// alert's keys in a table all nodes share (sharedPages below), and a
// repeat whose claim fails is left to the commit path, which pages only
// what the database stores as new. The SQLite path (one node) makes no
// such round trip.

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
	// forget, when set, frees a device's and type's key in the shared
	// claims too (several nodes).
	forget func(key string)
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
	if r.forget != nil {
		r.forget(claimKey("r", strconv.FormatInt(a.DeviceID, 10), string(a.Type)))
	}
}

// sharedPages is the memory of early pages shared by the nodes of a
// PostgreSQL installation: what recent is for one node, through the
// store's claims table. Claims are gathered like commits: whatever is
// waiting goes in one statement (with the keys freed by resolutions
// before it, in order), so 1,000 alerts a second do not cost 1,000 round
// trips.
type sharedPages struct {
	db     *store.DB
	window time.Duration
	log    *slog.Logger
	queue  chan claimOp
	// timeout is claimTimeout (longer in tests on a loaded machine).
	timeout time.Duration
	// Claims not answered (a slow or unreachable database), told in one
	// log line every claimReport, never one a claim.
	failed   atomic.Int64
	reported atomic.Int64 // unix nanoseconds of the last report
}

// claimOp is a claim awaiting its answer, or (done nil) a key to free,
// with freed closed once it is.
type claimOp struct {
	claim  store.EarlyClaim
	forget string
	done   chan bool
	freed  chan struct{}
}

// claimReport is how often failed claims are logged.
const claimReport = 10 * time.Second

// claimTimeout bounds the wait for a claim (one round trip, usually under
// a millisecond). Past it the alert is paged all the same: a duty desk
// paged twice for a repeat that reached two nodes while the database was
// slow is better than one paged late; the commit path still stores the
// repeat once, and the extra page counts in
// escudo_notify_commit_failed_total.
const claimTimeout = 50 * time.Millisecond

// maxClaimBatch bounds the claims of one statement.
const maxClaimBatch = 256

func newSharedPages(db *store.DB, window time.Duration, log *slog.Logger) *sharedPages {
	return &sharedPages{db: db, window: window, log: log, queue: make(chan claimOp, 4096), timeout: claimTimeout}
}

// claimKey hashes the parts of an alert's key to a fixed size, so a long
// dedup key or message id costs the shared index no more than a short one.
func claimKey(kind string, parts ...string) string {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// keys mirrors recent.keys: the dedup key alone when there is one, else
// the device's message and the device and type.
func (sp *sharedPages) keys(in *escudo.AlertInput) []string {
	if in.DedupKey != "" {
		return []string{claimKey("k", in.DedupKey)}
	}
	if in.DeviceID == 0 {
		return nil
	}
	dev := strconv.FormatInt(in.DeviceID, 10)
	var ks []string
	if in.MessageID != "" {
		ks = append(ks, claimKey("m", dev, in.MessageID))
	}
	return append(ks, claimKey("r", dev, string(in.Type)))
}

// claim reports whether no node paged one of the alert's keys within the
// window. Without an answer in time (the database slow or failing) it
// answers yes: this node's memory found the alert new, and it is paged.
func (sp *sharedPages) claim(ctx context.Context, in *escudo.AlertInput) bool {
	ks := sp.keys(in)
	if len(ks) == 0 {
		return true
	}
	op := claimOp{claim: store.EarlyClaim{Keys: ks, At: in.ReceivedAt}, done: make(chan bool, 1)}
	t := time.NewTimer(sp.timeout)
	defer t.Stop()
	select {
	case sp.queue <- op:
	case <-t.C:
		sp.fail(errors.New("claims queue full"))
		return true
	case <-ctx.Done():
		return false
	}
	select {
	case ok := <-op.done:
		return ok
	case <-t.C:
		sp.fail(errors.New("no answer in time"))
		return true
	case <-ctx.Done():
		return false
	}
}

func (sp *sharedPages) fail(err error) {
	sp.failed.Add(1)
	now, last := time.Now().UnixNano(), sp.reported.Load()
	if now-last >= int64(claimReport) && sp.reported.CompareAndSwap(last, now) {
		sp.log.Warn("early pages sent without a shared claim (a repeat through another node may page twice)", "alerts", sp.failed.Swap(0), "last_err", err)
	}
}

// forget frees a key, before any claim made after it, and waits (at most
// the claim timeout) until it is freed: a new press through another node
// right after a resolution then finds the key free and is paged early
// there, instead of waiting on a claim that no alert stands behind.
func (sp *sharedPages) forget(key string) {
	op := claimOp{forget: key, freed: make(chan struct{})}
	t := time.NewTimer(sp.timeout)
	defer t.Stop()
	select {
	case sp.queue <- op:
	case <-t.C:
		return
	}
	select {
	case <-op.freed:
	case <-t.C:
	}
}

// run answers claims in batches until ctx ends.
func (sp *sharedPages) run(ctx context.Context) {
	var ops []claimOp
	for {
		ops = ops[:0]
		select {
		case op := <-sp.queue:
			ops = append(ops, op)
		case <-ctx.Done():
			return
		}
	fill:
		for len(ops) < maxClaimBatch {
			select {
			case op := <-sp.queue:
				ops = append(ops, op)
			default:
				break fill
			}
		}
		sp.apply(ctx, ops)
	}
}

func (sp *sharedPages) apply(ctx context.Context, ops []claimOp) {
	var forget []string
	var claims []store.EarlyClaim
	var waiting []chan bool
	var freed []chan struct{}
	for _, op := range ops {
		if op.done == nil {
			forget = append(forget, op.forget)
			freed = append(freed, op.freed)
			continue
		}
		claims = append(claims, op.claim)
		waiting = append(waiting, op.done)
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	ok, err := sp.db.ClaimEarlyPages(actx, forget, claims, sp.window)
	cancel()
	for _, c := range freed {
		close(c)
	}
	if err != nil {
		// Unanswered: page (see claimTimeout).
		sp.fail(err)
		ok = make([]bool, len(claims))
		for i := range ok {
			ok[i] = true
		}
	}
	for i, done := range waiting {
		done <- ok[i]
	}
}

// SweepEarlyPages deletes the shared early-page claims older than the dedup
// window; one pass, the cluster job "alert.early_claims" (on SQLite, and
// before Run, it does nothing).
func (p *Pipeline) SweepEarlyPages(ctx context.Context) error {
	e := p.early.Load()
	if e == nil || e.shared == nil {
		return nil
	}
	_, err := p.db.SweepEarlyClaims(ctx, p.now().Add(-e.shared.window))
	return err
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
	if e == nil {
		return false
	}
	// With several nodes this node's memory may be stale (the alert it
	// remembers was resolved through another node): the shared claim
	// decides, and a lost claim waits for the claimant's alert.
	if fresh := e.recent.fresh(&it.in, it.in.ReceivedAt); e.shared == nil && !fresh {
		return false
	}
	if e.shared != nil && !e.shared.claim(ctx, &it.in) {
		it.lostClaim = true
		return false // paged, or being paged, by another node (or this one)
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

// claimWait bounds how long an alert whose early-page claim another node
// holds waits for that node's alert to be committed before it is stored
// and paged by its own commit path. The other node paged at once; waiting
// for its commit makes this press the repeat of that alert, as it would be
// on one node, instead of a second alert paged again. Should the other node
// never commit it (it died after paging), this press is stored as new
// after the wait: a repeat's acknowledgement is late by at most claimWait,
// never lost.
const claimWait = 300 * time.Millisecond

// claimPoll is how often the wait looks for the other node's alert.
const claimPoll = 5 * time.Millisecond

// awaitClaimant waits, up to claimWait, until the alert that in repeats is
// committed by the node that claimed it.
func (p *Pipeline) awaitClaimant(ctx context.Context, in *escudo.AlertInput) {
	window := time.Duration(p.policy.DedupWindow)
	deadline := time.NewTimer(claimWait)
	defer deadline.Stop()
	tick := time.NewTicker(claimPoll)
	defer tick.Stop()
	for {
		found, err := p.db.RepeatStored(ctx, in, window)
		if found || err != nil {
			return // on an error the commit path decides, as before
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			p.m.claimWaitExpired.Inc()
			return
		case <-ctx.Done():
			return
		}
	}
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
	shared         *sharedPages // PostgreSQL: nodes share their early pages
}

func (p *Pipeline) startEarly(ctx context.Context) {
	if p.deliver == nil {
		return
	}
	e := &earlyState{
		alerts: &idPool{db: p.db, table: "alerts", block: 1024, log: p.log},
		outbox: &idPool{db: p.db, table: "outbox", block: 4096, log: p.log},
		recent: newRecent(p.EarlyClaimWindow()),
	}
	if p.db.Dialect == store.Postgres {
		if err := p.db.WarmSidePool(ctx); err != nil {
			p.log.Warn("early page claims: connections not opened ahead", "err", err)
		}
		e.shared = newSharedPages(p.db, e.recent.window, p.log)
		e.recent.forget = e.shared.forget
		go e.shared.run(ctx)
	}
	// The first blocks are reserved before the first alert; if that fails
	// the commit path pages, as it does whenever the pools are empty.
	_ = e.alerts.fill(ctx)
	_ = e.outbox.fill(ctx)
	p.early.Store(e)
}

// EarlyClaimWindow is how long a shared early-page claim is kept: the dedup
// window, at least a minute. The job runner sweeps older claims every half
// of it ("alert.early_claims").
func (p *Pipeline) EarlyClaimWindow() time.Duration {
	return max(time.Duration(p.policy.DedupWindow), time.Minute)
}
