// Package alert is the rapid-response pipeline. Like Prometheus
// Alertmanager it is a chain of small stages — intake (decode, dedup),
// durable store, route, escalate, deliver — but unlike it every alert is
// stored durably before the device hears "accepted": a group-commit writer
// batches the alerts that arrive together into one transaction (one fsync),
// writing in the same transaction the outbox rows of the first notifications,
// and then hands those rows straight to the delivery workers. Escalation of
// unacknowledged alerts is a job of the job runner (escalate.go), read from
// the database, so that any node escalates what any other took.
package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo"
	"escudo/internal/store"
)

// Deliverer takes notifications for immediate delivery. committed blocks
// until the transaction that wrote their rows has committed (nil: it has);
// the deliverer may send before that, and records an attempt only once
// committed returns nil. It must not block; rows it cannot take are
// delivered by its polling fallback once their hold expires.
type Deliverer interface {
	DeliverBeforeCommit(ns []store.Notification, committed func() error)
}

// Options configure a Pipeline. The zero value of every optional field is safe.
type Options struct {
	DB     *store.DB
	Policy escudo.EscalationPolicy // DefaultEscalationPolicy when it has no tiers
	// Deliverer receives committed notifications at once; nil leaves them to
	// whatever drains the outbox.
	Deliverer Deliverer
	Now       func() time.Time // time.Now by default
	Registry  prometheus.Registerer
	Logger    *slog.Logger
	// Text translates notification texts (Spanish by default); nil writes
	// the translation keys with their arguments.
	Text func(key string, args map[string]any) string
	// ConsoleURL is the operator console's base URL, put in notifications.
	ConsoleURL string
	// MaxBatch bounds the alerts of one commit; default 256.
	MaxBatch int
	// Hold is how long a notification handed to the Deliverer is kept from
	// the polling workers; default 30 s.
	Hold time.Duration
	// CommitTimeout bounds one group commit, so a database that stops
	// answering (a frozen server, a lost network) fails the batch instead
	// of holding the writer; default 5 s on PostgreSQL, 15 s on SQLite
	// (beyond its 10 s wait for a write lock a command may hold).
	CommitTimeout time.Duration
	// SubmitTimeout bounds how long Submit waits for its alert's commit:
	// past it the device is answered "unavailable" and retries (the alert
	// may still commit; the retry's message id then finds it); default
	// twice CommitTimeout.
	SubmitTimeout time.Duration
}

// Change is a state change of an alert, for live consoles.
type Change struct {
	AlertID int64
	Kind    string // store.AlertEvent* kinds
	Tier    int
	Type    escudo.AlertType
	Entity  string
}

// Pipeline receives, stores, routes and escalates alerts.
type Pipeline struct {
	db      *store.DB
	policy  escudo.EscalationPolicy
	deliver Deliverer
	now     func() time.Time
	log     *slog.Logger
	text    func(string, map[string]any) string
	opts    Options
	queue   chan *intake
	entity  sync.Map // person id -> federal entity, for Raise

	subMu sync.Mutex
	subs  map[chan Change]struct{}

	early      atomic.Pointer[earlyState] // early.go; set by Run
	inflight   sync.Map                   // alert id paged early -> *commitOutcome, until committed
	earlyMu    sync.Mutex
	earlyUsers map[string]cachedRecipients

	m metrics

	unavailable unavailableLog
}

// unavailableLog writes at most one line a second about alerts not stored
// because the database is away, with their number, instead of one line
// per alert while it is down.
type unavailableLog struct {
	mu      sync.Mutex
	last    time.Time
	batches int
	alerts  int
}

// note counts a batch retried (size > 0) or an alert refused (size 0).
func (u *unavailableLog) note(log *slog.Logger, size int, err error) {
	u.mu.Lock()
	if size > 0 {
		u.batches++
	} else {
		u.alerts++
	}
	now := time.Now()
	if now.Sub(u.last) < time.Second {
		u.mu.Unlock()
		return
	}
	batches, alerts := u.batches, u.alerts
	u.last, u.batches, u.alerts = now, 0, 0
	u.mu.Unlock()
	log.Error("alerts not stored: database unavailable; devices are answered 503 and retry", "err", err,
		"batches_retried", batches, "alerts_refused", alerts)
}

type metrics struct {
	received   *prometheus.CounterVec
	duplicates prometheus.Counter
	batch      prometheus.Histogram
	storeLat   prometheus.Histogram
	escalated  prometheus.Counter
	open       prometheus.GaugeFunc
	// claimWaitExpired counts alerts whose early-page claim another node
	// held and whose alert did not appear within claimWait (early.go).
	claimWaitExpired prometheus.Counter
}

// New builds a pipeline; call Run to start its writer and scheduler.
func New(o Options) (*Pipeline, error) {
	if o.DB == nil {
		return nil, errors.New("alert: no store")
	}
	if len(o.Policy.Tiers) == 0 {
		d := escudo.DefaultEscalationPolicy()
		if o.Policy.Entities != nil {
			d.Entities = o.Policy.Entities
		}
		if o.Policy.DedupWindow != 0 {
			d.DedupWindow = o.Policy.DedupWindow
		}
		o.Policy = d
	}
	if err := o.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("alert: policy: %w", err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Hold <= 0 {
		o.Hold = 30 * time.Second
	}
	if o.CommitTimeout <= 0 {
		o.CommitTimeout = 15 * time.Second
		if o.DB.Dialect == store.Postgres {
			o.CommitTimeout = 5 * time.Second
		}
	}
	if o.SubmitTimeout <= 0 {
		o.SubmitTimeout = 2 * o.CommitTimeout
	}
	p := &Pipeline{db: o.DB, policy: o.Policy, deliver: o.Deliverer, now: o.Now, log: o.Logger, text: o.Text, opts: o,
		queue: make(chan *intake, 4096), subs: map[chan Change]struct{}{}, earlyUsers: map[string]cachedRecipients{}}
	if p.text == nil {
		p.text = func(key string, args map[string]any) string { return fmt.Sprint(key, " ", args) }
	}
	p.m = metrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "escudo_alerts_received_total", Help: "Alerts stored, by type and source."}, []string{"type", "source"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_alerts_duplicate_total",
			Help: "Repeated alerts acknowledged without storing them again."}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "escudo_alert_commit_batch_size", Help: "Alerts per group commit.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}}),
		storeLat: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "escudo_alert_store_seconds", Help: "Time from receipt to durable commit.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, 1}}),
		escalated: prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_alert_escalations_total", Help: "Alerts escalated to a further tier."}),
		claimWaitExpired: prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_alert_claim_wait_expired_total",
			Help: "Alerts another node had claimed for its early page whose alert was not committed in time; stored and paged here."}),
	}
	p.m.open = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escudo_alerts_awaiting_ack", Help: "Open alerts waiting for acknowledgement, on every node."},
		func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := p.db.AlertsAwaitingAck(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		})
	if o.Registry != nil {
		for _, c := range []prometheus.Collector{p.m.received, p.m.duplicates, p.m.batch, p.m.storeLat, p.m.escalated, p.m.open, p.m.claimWaitExpired} {
			if err := o.Registry.Register(c); err != nil {
				return nil, fmt.Errorf("alert: metrics: %w", err)
			}
		}
	}
	// Requests filed with imminent danger are stored by the store with
	// their case; they ring and escalate like any other alert.
	o.DB.ObserveRequestAlerts(time.Duration(p.policy.Tier(0).AckTimeout), p.requestAlert)
	return p, nil
}

// requestAlert takes in an alert the store raised for a request with
// imminent danger, once committed: escalation, then the consoles.
func (p *Pipeline) requestAlert(a *escudo.Alert) {
	p.m.received.WithLabelValues(string(a.Type), string(a.Source)).Inc()
	p.publish(Change{AlertID: a.ID, Kind: store.AlertEventReceived, Type: a.Type, Entity: a.Entity})
}

// Policy returns the escalation policy in force.
func (p *Pipeline) Policy() escudo.EscalationPolicy { return p.policy }

// intake is one alert, or one operator action on an alert, travelling
// through the group-commit writer. Actions share the writer so that a busy
// desk acknowledging and resolving alerts does not cost one fsync each,
// which on SQLite would starve the alerts themselves.
type intake struct {
	in     escudo.AlertInput
	entity string
	act    func(ctx context.Context, tx *store.Tx) (*escudo.Alert, error) // nil for an alert
	actCtx context.Context                                                // the operator's context (user, address)
	alert  *escudo.Alert
	actErr error // the action's own refusal, inside a committed batch
	err    error
	done   chan struct{}

	// lostClaim: another node claimed this alert's keys for its early page
	// (early.go), so this one is probably its repeat.
	lostClaim bool

	// Paged before the commit (early.go): the reserved alert id, its first
	// notifications with their reserved ids, and the outcome their
	// deliveries wait for.
	earlyID      int64
	earlyNotes   []store.Notification
	earlyOutcome *commitOutcome
}

// ErrStopped is returned for alerts submitted after the pipeline stopped.
var ErrStopped = errors.New("alert: pipeline stopped")

// Run starts the group-commit writer and blocks
// until ctx ends. Alerts already queued are committed before it returns.
func (p *Pipeline) Run(ctx context.Context) error {
	if err := p.db.PrepareAlertStatements(ctx); err != nil {
		return err
	}
	p.startEarly(ctx)
	p.writeLoop(ctx)
	return nil
}

// Submit stores an alert for a beneficiary of entity and returns once it is
// durably committed (or found to repeat an earlier one, in which case the
// result has Duplicate set and the earlier alert's id).
func (p *Pipeline) Submit(ctx context.Context, in escudo.AlertInput, entity string) (*escudo.Alert, error) {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = p.now()
	}
	if in.PersonID == 0 {
		return nil, escudo.FieldError("person_id", "validation.required", nil)
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.SubmitTimeout)
	defer cancel()
	it := &intake{in: in, entity: entity, done: make(chan struct{})}
	if !p.prepareEarly(ctx, it) && it.lostClaim {
		p.awaitClaimant(ctx, &it.in)
	}
	return p.enqueue(ctx, it)
}

// enqueue hands it to the writer and waits for its commit. An alert paged
// early is paged only once it is queued: an operator's action on it, queued
// after the page, is committed after the alert.
func (p *Pipeline) enqueue(ctx context.Context, it *intake) (*escudo.Alert, error) {
	select {
	case p.queue <- it:
	case <-ctx.Done():
		if it.earlyOutcome != nil {
			p.inflight.Delete(it.earlyID)
			it.earlyOutcome.resolve(ctx.Err())
		}
		return nil, ctx.Err()
	}
	if it.earlyOutcome != nil {
		p.handoff(it.earlyNotes, it.earlyOutcome.wait)
	}
	select {
	case <-it.done:
	case <-ctx.Done():
		// The alert may still commit; a device retrying with the same
		// message id is then acknowledged without a duplicate.
		return nil, ctx.Err()
	}
	return it.alert, it.err
}

// action runs fn in the writer's next transaction, as the user of ctx.
func (p *Pipeline) action(ctx context.Context, fn func(ctx context.Context, tx *store.Tx) (*escudo.Alert, error)) (*escudo.Alert, error) {
	return p.enqueue(ctx, &intake{act: fn, actCtx: context.WithoutCancel(ctx), done: make(chan struct{})})
}

// Raise is the intake for alerts that do not come from a device request:
// supervision ("device silent"), drills and hotline calls. It finds the
// beneficiary (from the device when only the device is given) and their
// entity, then submits.
func (p *Pipeline) Raise(ctx context.Context, in escudo.AlertInput) (*escudo.Alert, error) {
	if in.Source == "" {
		in.Source = escudo.SourceSupervision
	}
	if in.Type == "" {
		return nil, escudo.FieldError("type", "validation.required", nil)
	}
	var entity string
	if in.PersonID == 0 && in.DeviceID != 0 {
		d, err := p.db.FindDeviceByID(ctx, in.DeviceID)
		if err != nil {
			return nil, err
		}
		in.PersonID, entity = d.PersonID, d.Entity
	}
	if entity == "" {
		if in.PersonID == 0 {
			return nil, escudo.FieldError("person_id", "validation.required", nil)
		}
		if e, ok := p.entity.Load(in.PersonID); ok {
			entity = e.(string)
		} else {
			e, err := p.db.PersonEntity(ctx, in.PersonID)
			if err != nil {
				return nil, err
			}
			entity = e
			p.entity.Store(in.PersonID, e)
		}
	}
	return p.Submit(ctx, in, entity)
}

// Backlog is how many alerts and actions wait for the writer.
func (p *Pipeline) Backlog() int { return len(p.queue) }

// writeLoop is the group-commit writer: it takes whatever alerts are queued
// (no waiting for more: the first alert is never delayed to fill a batch),
// commits them in one transaction, then answers every waiter.
func (p *Pipeline) writeLoop(ctx context.Context) {
	batch := make([]*intake, 0, p.opts.MaxBatch)
	for {
		batch = batch[:0]
		select {
		case it := <-p.queue:
			batch = append(batch, it)
		case <-ctx.Done():
			p.drainOnStop()
			return
		}
	fill:
		for len(batch) < p.opts.MaxBatch {
			select {
			case it := <-p.queue:
				batch = append(batch, it)
			default:
				break fill
			}
		}
		p.commitBatch(context.WithoutCancel(ctx), batch)
	}
}

// drainOnStop commits what was queued before the stop, so an alert that
// reached the queue is not dropped by a graceful shutdown.
func (p *Pipeline) drainOnStop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case it := <-p.queue:
			p.commitBatch(ctx, []*intake{it})
		default:
			return
		}
	}
}

func (p *Pipeline) commitBatch(ctx context.Context, batch []*intake) {
	err := p.commit(ctx, batch)
	if err != nil && store.IsUnavailable(err) && !errors.Is(err, context.DeadlineExceeded) {
		// A connection lost (the database restarted, a pooled connection
		// died with it): one more try on a fresh connection, then every
		// alert of the batch is answered "unavailable". Retrying one by one
		// would only knock on a closed door once per alert.
		p.unavailable.note(p.log, len(batch), err)
		err = p.commit(ctx, batch)
	}
	if err != nil && store.IsUnavailable(err) {
		for _, it := range batch {
			it.err = err
		}
	} else if err != nil && len(batch) > 1 {
		// One bad alert (or a conflict with another node) must not fail the
		// others: retry each on its own.
		p.log.Warn("alert batch commit failed; retrying one by one", "size", len(batch), "err", err)
		for _, it := range batch {
			it.err = p.commit(ctx, []*intake{it})
		}
	} else {
		for _, it := range batch {
			it.err = err
		}
	}
	p.m.batch.Observe(float64(len(batch)))
	for _, it := range batch {
		if it.earlyOutcome != nil {
			err := it.err
			if err == nil && it.alert != nil && it.alert.Duplicate {
				err = errRepeatAfterPage
			}
			p.inflight.Delete(it.earlyID)
			it.earlyOutcome.resolve(err)
		}
		if it.err == nil && it.actErr != nil {
			it.err, it.alert = it.actErr, nil
		}
		if it.err == nil {
			p.afterCommit(it)
		} else if it.act == nil && store.IsUnavailable(it.err) {
			p.unavailable.note(p.log, 0, it.err)
		} else if it.act == nil {
			p.log.Error("alert not stored", "err", it.err, "device", it.in.DeviceID, "person", it.in.PersonID)
		}
		close(it.done)
	}
}

// commit writes a batch in one transaction. The first notifications of its
// alerts are handed to the deliverer as soon as their rows are written,
// before the commit's fsync: the duty desk is paged while the disk works
// (a stalled disk delays the device's acknowledgement, not the page).
func (p *Pipeline) commit(ctx context.Context, batch []*intake) (err error) {
	for _, it := range batch {
		it.alert, it.actErr = nil, nil
	}
	outcome := &commitOutcome{done: make(chan struct{})}
	defer func() { outcome.resolve(err) }()
	ctx, cancel := context.WithTimeout(ctx, p.opts.CommitTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	return p.db.WithWriterTx(ctx, func(tx *store.Tx) error {
		if err := tx.RequireDurableCommit(ctx); err != nil {
			return err
		}
		// Every alert and action of the batch audits: one append at the
		// commit instead of a read of the chain's head (and on PostgreSQL
		// a lock) for each.
		tx.DeferAudit()
		escalate := tx.Now().Add(time.Duration(p.policy.Tier(0).AckTimeout))
		var alerts []*intake
		var items []*store.NewAlert
		for _, it := range batch {
			if it.act == nil {
				alerts = append(alerts, it)
				items = append(items, &store.NewAlert{In: &it.in, Entity: it.entity, Escalate: escalate, ID: it.earlyID})
			}
		}
		if err := tx.InsertAlerts(ctx, items, time.Duration(p.policy.DedupWindow)); err != nil {
			return err
		}
		for _, it := range batch {
			if it.act == nil {
				continue
			}
			// An action refused (unknown alert, already closed) is that
			// operator's answer; it must not fail the others' commit.
			var actErr error
			actCtx, cancel := context.WithDeadline(it.actCtx, deadline)
			err := tx.Savepoint(ctx, func() error {
				it.alert, actErr = it.act(actCtx, tx)
				return actErr
			})
			cancel()
			if err != nil && err != actErr {
				return err
			}
			it.actErr = actErr
		}
		var all []store.Notification
		paged := map[int64]bool{}
		recipients := recipientCache{}
		for i, it := range alerts {
			it.alert = items[i].Alert
			if it.alert.Duplicate {
				continue
			}
			if it.earlyID != 0 {
				// Already on their way: insert them under their ids.
				all = append(all, it.earlyNotes...)
				paged[it.alert.ID] = true
				continue
			}
			ns, err := p.notify(ctx, tx, it.alert, 0, recipients)
			if err != nil {
				return err
			}
			all = append(all, ns...)
		}
		if len(all) == 0 {
			return nil
		}
		saved, err := tx.EnqueueBatch(ctx, all, p.opts.Hold)
		if err != nil {
			return fmt.Errorf("alert: queue notifications: %w", err)
		}
		if len(paged) > 0 {
			late := saved[:0:0]
			for _, n := range saved {
				if !paged[n.AlertID] {
					late = append(late, n)
				}
			}
			saved = late
		}
		p.handoff(saved, outcome.wait)
		return nil
	})
}

// commitOutcome is the result of a batch's commit, awaited by the
// deliverer before it records attempts made during the commit.
type commitOutcome struct {
	done chan struct{}
	err  error
}

func (c *commitOutcome) resolve(err error) {
	c.err = err
	close(c.done)
}

// errCommitUnknown is the outcome of a commit not heard of in time (the
// pipeline stopped with the alert still queued): the attempt is not
// recorded, and the row, if it was committed after all, is delivered again
// once its hold expires.
var errCommitUnknown = errors.New("alert: commit outcome not known in time")

func (c *commitOutcome) wait() error {
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-c.done:
		return c.err
	case <-t.C:
		return errCommitUnknown
	}
}

func (p *Pipeline) afterCommit(it *intake) {
	a := it.alert
	if it.act != nil {
		return // the caller finishes its action
	}
	if a.Duplicate {
		p.m.duplicates.Inc()
		return
	}
	p.m.received.WithLabelValues(string(a.Type), string(a.Source)).Inc()
	p.m.storeLat.Observe(p.now().Sub(a.ReceivedAt).Seconds()) // after the commit returned
	p.publish(Change{AlertID: a.ID, Kind: store.AlertEventReceived, Type: a.Type, Entity: a.Entity})
}

// handoff gives external notifications to the deliverer; inbox ones are
// already delivered. committed is nil once their rows are committed.
func (p *Pipeline) handoff(ns []store.Notification, committed func() error) {
	if p.deliver == nil || len(ns) == 0 {
		return
	}
	out := ns[:0:0]
	for _, n := range ns {
		if n.ID != 0 && n.Channel != store.ChannelInbox {
			out = append(out, n)
		}
	}
	if len(out) > 0 {
		p.deliver.DeliverBeforeCommit(out, committed)
	}
}

// Acknowledge records that the acting user has taken the alert and stops
// its escalation.
func (p *Pipeline) Acknowledge(ctx context.Context, id int64) (*escudo.Alert, error) {
	a, err := p.action(ctx, func(ctx context.Context, tx *store.Tx) (*escudo.Alert, error) { return tx.AcknowledgeAlert(ctx, id) })
	if err != nil {
		return nil, err
	}
	p.publish(Change{AlertID: id, Kind: store.AlertEventAcknowledged, Type: a.Type, Entity: a.Entity, Tier: a.Tier})
	return a, nil
}

// Dispatch records the agency or unit sent.
func (p *Pipeline) Dispatch(ctx context.Context, id int64, d escudo.Dispatch) (*escudo.Alert, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	a, err := p.action(ctx, func(ctx context.Context, tx *store.Tx) (*escudo.Alert, error) { return tx.DispatchAlert(ctx, id, d) })
	if err != nil {
		return nil, err
	}
	p.publish(Change{AlertID: id, Kind: store.AlertEventDispatched, Type: a.Type, Entity: a.Entity, Tier: a.Tier})
	return a, nil
}

// Resolve closes the alert with an outcome.
func (p *Pipeline) Resolve(ctx context.Context, id int64, outcome escudo.AlertOutcome, note string) (*escudo.Alert, error) {
	if err := store.CheckResolution(outcome, note); err != nil {
		return nil, err
	}
	a, err := p.action(ctx, func(ctx context.Context, tx *store.Tx) (*escudo.Alert, error) {
		return tx.ResolveAlert(ctx, id, outcome, note)
	})
	if err != nil {
		return nil, err
	}
	if e := p.early.Load(); e != nil {
		e.recent.resolved(a)
	}
	p.publish(Change{AlertID: id, Kind: store.AlertEventResolved, Type: a.Type, Entity: a.Entity, Tier: a.Tier})
	return a, nil
}

// Subscribe returns a channel of alert changes for a live console. Changes
// are dropped for a subscriber that does not keep up; it then receives a
// Change with Kind "resync" as soon as there is room, and should reload.
func (p *Pipeline) Subscribe() (<-chan Change, func()) {
	ch := make(chan Change, 64)
	p.subMu.Lock()
	p.subs[ch] = struct{}{}
	p.subMu.Unlock()
	return ch, func() {
		p.subMu.Lock()
		if _, ok := p.subs[ch]; ok {
			delete(p.subs, ch)
			close(ch)
		}
		p.subMu.Unlock()
	}
}

// ChangeResync tells a subscriber it missed changes.
const ChangeResync = "resync"

func (p *Pipeline) publish(c Change) { p.publishExcept(nil, c) }
