// Package notify delivers the outbox: one pool of workers for every
// notification of the system, fed directly by the alert pipeline (no polling
// delay for alerts) and by a poller that picks up everything else, retries
// with exponential backoff and jitter, and whatever a crashed node left
// behind. Every attempt is recorded. Delivery is at least once: a receiver
// may see the same X-Escudo-Delivery id twice after a crash.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo/internal/store"
)

// Sender delivers one notification on one channel. It returns the remote
// status code when there is one.
type Sender interface {
	Send(ctx context.Context, n store.Notification) (status int, err error)
}

// PermanentError marks a failure that retrying cannot fix (a refused
// address, a 4xx answer other than 408 and 429).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Options configure a Dispatcher. The zero value of every optional field is safe.
type Options struct {
	DB      *store.DB
	Senders map[string]Sender // by channel: store.ChannelWebhook, ChannelEmail, ChannelSMS
	// Workers is the number of concurrent deliveries; default 16.
	Workers int
	// MaxAttempts before a notification is marked failed; default 20 (with
	// the default backoff, about a day of retries).
	MaxAttempts int
	// BaseBackoff doubles at each failure up to MaxBackoff; defaults 1 s and 10 min.
	BaseBackoff, MaxBackoff time.Duration
	// PollInterval is how often the outbox is searched for due rows; default 1 s.
	PollInterval time.Duration
	// Lease is how long a polled row is held by this node; default 60 s.
	Lease time.Duration
	// Timeout bounds one attempt; default 10 s.
	Timeout time.Duration
	// RecordDelay is how long finished attempts wait to be recorded together;
	// default 50 ms.
	RecordDelay time.Duration
	Now         func() time.Time
	Registry    prometheus.Registerer
	Logger      *slog.Logger
}

// Dispatcher is the delivery worker pool.
type Dispatcher struct {
	o       Options
	jobs    chan job
	results chan result
	log     *slog.Logger

	attempts *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	dropped  prometheus.Counter
	orphaned prometheus.Counter

	inflight sync.Map // outbox id -> struct{}: never two attempts at once
	channels []string // those with a sender, the only ones this node claims
}

// New builds a dispatcher; call Run to start it.
func New(o Options) (*Dispatcher, error) {
	if o.DB == nil {
		return nil, errors.New("notify: no store")
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 20
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RecordDelay <= 0 {
		o.RecordDelay = 50 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{o: o, jobs: make(chan job, 8192), results: make(chan result, 8192), log: o.Logger}
	for c := range o.Senders {
		d.channels = append(d.channels, c)
	}
	sort.Strings(d.channels)
	d.attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "escudo_notify_attempts_total", Help: "Delivery attempts by channel and outcome."}, []string{"channel", "outcome"})
	d.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "escudo_notify_delivery_seconds", Help: "Time from queueing to successful delivery, by channel.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, 1, 5, 30, 300}}, []string{"channel"})
	d.dropped = prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_notify_handoff_deferred_total", Help: "Notifications left to the poller because the workers were saturated."})
	d.orphaned = prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_notify_commit_failed_total",
		Help: "Notifications sent while their transaction committed, whose commit then failed (the alert is stored and notified again)."})
	if o.Registry != nil {
		for _, c := range []prometheus.Collector{d.attempts, d.latency, d.dropped, d.orphaned, pendingCollector{d}} {
			if err := o.Registry.Register(c); err != nil {
				return nil, fmt.Errorf("notify: metrics: %w", err)
			}
		}
	}
	return d, nil
}

// job is one notification to attempt; committed, when set, blocks until
// the transaction that wrote its row has committed or failed.
type job struct {
	n         store.Notification
	committed func() error
}

// result is an attempt's outcome, recorded once its row is committed.
type result struct {
	r         store.DeliveryResult
	committed func() error
}

// Deliver queues freshly committed notifications for immediate delivery.
// It never blocks: when the workers are saturated the rows wait for the
// poller (their hold expires and they are due again). Rows of a channel
// this node cannot send wait, pending, for a node that can.
func (d *Dispatcher) Deliver(ns []store.Notification) { d.DeliverBeforeCommit(ns, nil) }

// DeliverBeforeCommit queues notifications whose rows a transaction has
// written but not yet committed: they are sent at once, while the commit
// waits for the disk, so a slow fsync does not delay the page to the duty
// desk. committed blocks until that transaction's outcome is known (nil
// means already committed); an attempt is recorded only once its row is
// committed, and dropped with a log entry if the commit failed.
func (d *Dispatcher) DeliverBeforeCommit(ns []store.Notification, committed func() error) {
	for _, n := range ns {
		if _, ok := d.o.Senders[n.Channel]; !ok {
			continue
		}
		select {
		case d.jobs <- job{n: n, committed: committed}:
		default:
			d.dropped.Inc()
		}
	}
}

// Channels are the channels this node delivers.
func (d *Dispatcher) Channels() []string { return slices.Clone(d.channels) }

// Run runs the delivery workers until ctx ends: they send what the alert
// pipeline hands over and what Poll claims. Results still pending are
// recorded before it returns.
func (d *Dispatcher) Run(ctx context.Context) {
	var workers, writer sync.WaitGroup
	for range d.o.Workers {
		workers.Add(1)
		go func() { defer workers.Done(); d.work(ctx) }()
	}
	writer.Add(1)
	go func() { defer writer.Done(); d.recordLoop() }()
	<-ctx.Done()
	workers.Wait()
	close(d.results)
	writer.Wait()
}

// PollEvery is how often the job runner should call Poll.
func (d *Dispatcher) PollEvery() time.Duration { return d.o.PollInterval }

// Poll claims the due rows once (retries, rows queued by other capabilities,
// and those a stopped node held) and hands them to the workers; a full
// batch is followed at once by another. It is a local job of the job
// runner ("outbox.poll", every PollInterval): each node delivers what it
// claims.
func (d *Dispatcher) Poll(ctx context.Context) error {
	for {
		ns, err := d.o.DB.ClaimDue(ctx, 4*d.o.Workers, d.o.Lease, d.channels...)
		if err != nil {
			return fmt.Errorf("outbox poll: %w", err)
		}
		for _, n := range ns {
			select {
			case d.jobs <- job{n: n}:
			case <-ctx.Done():
				return nil
			}
		}
		if len(ns) < 4*d.o.Workers {
			return nil
		}
	}
}

func (d *Dispatcher) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-d.jobs:
			if _, busy := d.inflight.LoadOrStore(j.n.ID, struct{}{}); busy {
				continue
			}
			r := d.attempt(ctx, j.n)
			d.inflight.Delete(j.n.ID)
			d.results <- result{r: r, committed: j.committed}
		}
	}
}

// attempt makes one delivery attempt and decides the next step.
func (d *Dispatcher) attempt(ctx context.Context, n store.Notification) store.DeliveryResult {
	r := store.DeliveryResult{OutboxID: n.ID, AlertID: n.AlertID, Attempt: n.Attempts + 1, Started: d.o.Now()}
	var err error
	s, ok := d.o.Senders[n.Channel]
	if !ok {
		err = fmt.Errorf("notify: channel %q not configured", n.Channel)
	} else {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.Timeout)
		r.StatusCode, err = s.Send(actx, n)
		cancel()
	}
	r.Finished = d.o.Now()
	if err == nil {
		r.Delivered = true
		d.attempts.WithLabelValues(n.Channel, store.AttemptDelivered).Inc()
		d.latency.WithLabelValues(n.Channel).Observe(r.Finished.Sub(n.CreatedAt).Seconds())
		return r
	}
	r.Error = err.Error()
	d.attempts.WithLabelValues(n.Channel, store.AttemptFailed).Inc()
	max := d.o.MaxAttempts
	if n.MaxAttempts > 0 {
		max = n.MaxAttempts
	}
	var perm *PermanentError
	if r.Attempt < max && !errors.As(err, &perm) {
		r.NextAttempt = r.Finished.Add(d.Backoff(r.Attempt))
	}
	d.log.Warn("delivery failed", "outbox", n.ID, "channel", n.Channel, "attempt", r.Attempt, "err", err, "retry", !r.NextAttempt.IsZero())
	return r
}

// Backoff is the wait after the given failed attempt: exponential, capped,
// with jitter (half fixed, half random) so receivers coming back are not hit
// by every retry at once.
func (d *Dispatcher) Backoff(attempt int) time.Duration {
	b := d.o.BaseBackoff
	for i := 1; i < attempt && b < d.o.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.o.MaxBackoff)
	return b/2 + rand.N(b/2+1) // #nosec G404 -- retry jitter, not a secret
}

// recordLoop writes attempt outcomes in batches (one transaction for all
// that finished together).
func (d *Dispatcher) recordLoop() {
	batch := make([]result, 0, 256)
	rs := make([]store.DeliveryResult, 0, 256)
	for r := range d.results {
		batch = append(batch[:0], r)
		// The delivery has happened already; recording it can wait a few
		// milliseconds to share one commit (one fsync on the single SQLite
		// writer, which the alerts need) with the deliveries around it.
		linger := time.NewTimer(d.o.RecordDelay)
	fill:
		for len(batch) < 512 {
			select {
			case r, ok := <-d.results:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			case <-linger.C:
				break fill
			}
		}
		linger.Stop()
		rs = rs[:0]
		for _, r := range batch {
			if r.committed != nil {
				if err := r.committed(); err != nil {
					// Sent for a transaction that then failed: its row does
					// not exist. The alert is stored again and notified
					// again under its new number.
					d.orphaned.Inc()
					d.log.Error("notification sent but its transaction failed", "outbox", r.r.OutboxID, "alert", r.r.AlertID, "err", err)
					continue
				}
			}
			rs = append(rs, r.r)
		}
		if len(rs) == 0 {
			continue
		}
		for try := 0; ; try++ {
			err := d.o.DB.RecordDeliveries(context.Background(), rs)
			if err == nil {
				break
			}
			d.log.Error("record deliveries", "err", err, "try", try)
			if try >= 20 {
				// The rows stay pending and are delivered again after
				// their hold: at least once, never lost.
				break
			}
			time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
		}
	}
}

// Flush delivers every notification due now, synchronously, recording each
// attempt before it returns; it reports how many attempts it made. The
// workers do the same continuously; Flush serves commands and tests that
// drive the clock themselves.
func (d *Dispatcher) Flush(ctx context.Context) (int, error) {
	total := 0
	for {
		ns, err := d.o.DB.ClaimDue(ctx, 64, d.o.Lease, d.channels...)
		if err != nil {
			return total, err
		}
		if len(ns) == 0 {
			return total, nil
		}
		rs := make([]store.DeliveryResult, 0, len(ns))
		for _, n := range ns {
			rs = append(rs, d.attempt(ctx, n))
		}
		if err := d.o.DB.RecordDeliveries(ctx, rs); err != nil {
			return total, err
		}
		total += len(ns)
	}
}

// DeliverNow attempts the given notifications synchronously and records
// the outcomes (the immediate path, without the worker pool).
func (d *Dispatcher) DeliverNow(ctx context.Context, ns []store.Notification) error {
	rs := make([]store.DeliveryResult, 0, len(ns))
	for _, n := range ns {
		rs = append(rs, d.attempt(ctx, n))
	}
	return d.o.DB.RecordDeliveries(ctx, rs)
}

var pendingDesc = prometheus.NewDesc("escudo_outbox_pending", "Notifications waiting for delivery, by channel and whether this node can send the channel.", []string{"channel", "configured"}, nil)

// pendingCollector reads the outbox's pending counts at each scrape.
type pendingCollector struct{ d *Dispatcher }

func (c pendingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- pendingDesc }

func (c pendingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.d.o.DB.PendingByChannel(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(pendingDesc, err)
		return
	}
	for _, channel := range store.ExternalChannels {
		_, ok := c.d.o.Senders[channel]
		ch <- prometheus.MustNewConstMetric(pendingDesc, prometheus.GaugeValue, float64(counts[channel]), channel, strconv.FormatBool(ok))
	}
}
