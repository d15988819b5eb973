// Package jobs is escudo's one scheduler: every periodic and deferred task of
// every node runs through it, on SQLite and on PostgreSQL alike.
//
// Three kinds of work:
//
//   - Cluster jobs (Every) run once per interval across all the nodes that
//     share the database: a node runs a tick only after taking it with one
//     conditional update of the job's schedule row (store.ClaimTick), and
//     holds a lease on it that it renews every second. A node that dies
//     stops renewing; once the lease runs out (Lease, 3 s) the next node to
//     look runs the tick again, so work moves within Lease + Poll.
//   - Local jobs (Local) run on every node: flushing this node's memory,
//     polling this node's delivery queue, refreshing its caches.
//   - Deferred jobs (Handle, store.Tx.EnqueueJob) are rows written in the
//     transaction of the change that causes them. A node leases a batch
//     (FOR UPDATE SKIP LOCKED on PostgreSQL) and runs each handler inside a
//     transaction that also marks the job done, only while the lease is
//     still its own: a job whose effect is in the database takes effect
//     exactly once. A failed job is retried with backoff, up to its
//     attempts.
//
// The runner writes one short transaction a second per node (its beat) and
// one per tick it runs; it reads the schedules every Poll.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo/internal/store"
)

// Options configure a Runner.
type Options struct {
	DB  *store.DB
	Log *slog.Logger
	// Node names this node; default a random id. Two runners must never
	// share one.
	Node string
	// Lease is how long a node's claim on a tick or a job lasts without
	// renewal; default 3 s. Beat renews it; default 1 s.
	Lease, Beat time.Duration
	// Poll is how often the node looks for due ticks and jobs; default
	// 250 ms. An enqueue on this node wakes it at once (Wake).
	Poll time.Duration
	// Workers bounds the deferred jobs this node runs at once; default 4.
	Workers int
	// Keep is how long finished deferred jobs stay readable; default 7 days.
	Keep     time.Duration
	Registry prometheus.Registerer
}

// Func is the work of a periodic job.
type Func func(ctx context.Context) error

// Handler does a deferred job inside tx, the transaction that marks it
// done: it writes only through tx (a second write transaction of its own
// would wait for this one on SQLite's single writer).
type Handler func(ctx context.Context, tx *store.Tx, j store.Job) error

type periodic struct {
	name     string
	interval time.Duration
	fn       Func
	cluster  bool
	running  bool
	due      time.Time // local jobs only, on the node's own clock
}

// Runner runs one node's share of the jobs.
type Runner struct {
	o        Options
	log      *slog.Logger
	host     string
	started  time.Time
	mu       sync.Mutex
	periodic map[string]*periodic
	handlers map[string]Handler
	busy     int
	wake     chan struct{}
	wg       sync.WaitGroup
	m        metrics
	logged   map[string]*logged // errors logged, per message and job
}

// logged is when an error was last logged, and how many like it were not
// since.
type logged struct {
	at     time.Time
	missed int
}

// logEvery bounds the log lines of one repeated error: a database away for
// a minute would otherwise write several lines a second per node.
const logEvery = 10 * time.Second

// logError logs an error, at most once every logEvery for the same message
// and job, saying how many were left out.
func (r *Runner) logError(msg string, args ...any) {
	key := msg
	if len(args) >= 2 && args[0] == "job" {
		key += "\x00" + fmt.Sprint(args[1])
	}
	r.mu.Lock()
	l := r.logged[key]
	if l == nil {
		l = &logged{}
		r.logged[key] = l
	}
	now := time.Now()
	if !l.at.IsZero() && now.Sub(l.at) < logEvery {
		l.missed++
		r.mu.Unlock()
		return
	}
	missed := l.missed
	l.at, l.missed = now, 0
	r.mu.Unlock()
	if missed > 0 {
		args = append(args, "like_it_since_last", missed)
	}
	r.log.Error(msg, args...)
}

type metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	takeover prometheus.Counter
	beatErr  prometheus.Counter
}

// New returns a runner; register jobs, then call Run.
func New(o Options) *Runner {
	if o.Lease <= 0 {
		o.Lease = 3 * time.Second
	}
	if o.Beat <= 0 {
		o.Beat = time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Keep <= 0 {
		o.Keep = 7 * 24 * time.Hour
	}
	if o.Node == "" {
		o.Node = NewNodeID()
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	r := &Runner{o: o, log: log, host: host, periodic: map[string]*periodic{}, handlers: map[string]Handler{}, wake: make(chan struct{}, 1), logged: map[string]*logged{}}
	r.m = metrics{
		runs:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "escudo_job_runs_total", Help: "Job runs on this node, by job and result (ok, error, lost)."}, []string{"job", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "escudo_job_duration_seconds", Help: "Time one run of a job took on this node.", Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10)}, []string{"job"}),
		takeover: prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_job_takeovers_total", Help: "Ticks this node ran again because the node running them stopped renewing its lease."}),
		beatErr:  prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_job_beat_errors_total", Help: "Failed renewals of this node's presence and leases."}),
	}
	if o.Registry != nil {
		o.Registry.MustRegister(r.m.runs, r.m.duration, r.m.takeover, r.m.beatErr)
	}
	return r
}

// NewNodeID returns a random node id.
func NewNodeID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Node is this runner's node id.
func (r *Runner) Node() string { return r.o.Node }

// Every registers a cluster job: one node of the installation runs fn each
// interval.
func (r *Runner) Every(name string, interval time.Duration, fn Func) {
	r.add(&periodic{name: name, interval: interval, fn: fn, cluster: true})
}

// Local registers a job that every node runs for itself each interval.
func (r *Runner) Local(name string, interval time.Duration, fn Func) {
	r.add(&periodic{name: name, interval: interval, fn: fn})
}

func (r *Runner) add(p *periodic) {
	if p.interval <= 0 {
		panic(fmt.Sprintf("jobs: %s: interval must be positive", p.name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.periodic[p.name]; dup {
		panic("jobs: " + p.name + " registered twice")
	}
	r.periodic[p.name] = p
}

// Handle registers the handler of a deferred job kind.
func (r *Runner) Handle(kind string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[kind]; dup {
		panic("jobs: handler of " + kind + " registered twice")
	}
	r.handlers[kind] = h
}

// Wake makes the runner look for deferred jobs now (after an enqueue on
// this node: tx.AfterCommit(runner.Wake)).
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *Runner) now() time.Time { return r.o.DB.Now() }

// Run registers the schedules and runs this node's jobs until ctx ends,
// then waits for the runs under way and gives up its leases, so another
// node takes over without waiting for them to run out.
func (r *Runner) Run(ctx context.Context) error {
	r.started = r.now()
	if err := r.register(ctx); err != nil {
		return err
	}
	r.beat(ctx)
	beat := time.NewTicker(r.o.Beat)
	defer beat.Stop()
	poll := time.NewTicker(r.o.Poll)
	defer poll.Stop()
	lastHousekeeping := time.Time{}
	for {
		r.tick(ctx)
		select {
		case <-ctx.Done():
			r.wg.Wait()
			gctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := r.o.DB.NodeGone(gctx, r.o.Node); err != nil {
				r.log.Warn("jobs: leaving", "err", err)
			}
			return nil
		case <-beat.C:
			r.beat(ctx)
			if time.Since(lastHousekeeping) > time.Minute {
				lastHousekeeping = time.Now()
				r.housekeeping(ctx)
			}
		case <-poll.C:
		case <-r.wake:
		}
	}
}

// register writes the cluster jobs' schedule rows, retrying while the
// database is away.
func (r *Runner) register(ctx context.Context) error {
	r.mu.Lock()
	var ps []*periodic
	now := time.Now() // local jobs keep the node's own time
	for _, p := range r.periodic {
		if p.cluster {
			ps = append(ps, p)
		} else {
			p.due = now
		}
	}
	r.mu.Unlock()
	sort.Slice(ps, func(i, j int) bool { return ps[i].name < ps[j].name })
	for _, p := range ps {
		for {
			err := r.o.DB.RegisterSchedule(ctx, p.name, p.interval)
			if err == nil {
				break
			}
			r.logError("jobs: register schedule", "job", p.name, "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(r.o.Beat):
			}
		}
	}
	return nil
}

func (r *Runner) beat(ctx context.Context) {
	if err := r.o.DB.NodeBeat(ctx, r.o.Node, r.host, r.started, r.now().Add(r.o.Lease)); err != nil && ctx.Err() == nil {
		r.m.beatErr.Inc()
		r.logError("jobs: node beat", "err", err)
	}
	if len(r.handlers) > 0 {
		if _, err := r.o.DB.ReleaseExpiredJobs(ctx); err != nil && ctx.Err() == nil {
			r.logError("jobs: release expired jobs", "err", err)
		}
	}
}

func (r *Runner) housekeeping(ctx context.Context) {
	now := r.now()
	if err := r.o.DB.ForgetNodes(ctx, now.Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
		r.logError("jobs: forget nodes", "err", err)
	}
	if _, err := r.o.DB.PurgeJobs(ctx, now.Add(-r.o.Keep)); err != nil && ctx.Err() == nil {
		r.logError("jobs: purge", "err", err)
	}
}

// tick starts whatever is due.
func (r *Runner) tick(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	now, wall := r.now(), time.Now()
	r.mu.Lock()
	var local []*periodic
	cluster := false
	for _, p := range r.periodic {
		if p.running {
			continue
		}
		if !p.cluster && !wall.Before(p.due) {
			p.running = true
			p.due = wall.Add(p.interval)
			local = append(local, p)
		}
		cluster = cluster || p.cluster
	}
	r.mu.Unlock()
	for _, p := range local {
		r.start(ctx, p, "")
	}
	if cluster {
		r.claimTicks(ctx, now)
	}
	r.claimJobs(ctx)
}

// claimTicks reads the schedules and takes the due ticks of the jobs this
// node runs and is not running now.
func (r *Runner) claimTicks(ctx context.Context, now time.Time) {
	rows, err := r.o.DB.Schedules(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.logError("jobs: read schedules", "err", err)
		}
		return
	}
	for _, s := range rows {
		due := (s.LeaseUntil.IsZero() && !s.NextRun.After(now)) || (!s.LeaseUntil.IsZero() && s.LeaseUntil.Before(now))
		if !due {
			continue
		}
		r.mu.Lock()
		p := r.periodic[s.Name]
		if p == nil || !p.cluster || p.running {
			r.mu.Unlock()
			continue
		}
		p.running = true
		r.mu.Unlock()
		ok, took, err := r.o.DB.ClaimTick(ctx, p.name, r.o.Node, p.interval, r.now().Add(r.o.Lease))
		if err != nil || !ok {
			if err != nil && ctx.Err() == nil {
				r.logError("jobs: claim", "job", p.name, "err", err)
			}
			r.mu.Lock()
			p.running = false
			r.mu.Unlock()
			continue
		}
		if took != "" && took != r.o.Node {
			r.m.takeover.Inc()
			r.log.Warn("jobs: took over a run from a node that stopped", "job", p.name, "node", took)
		}
		r.start(ctx, p, took)
	}
}

// start runs one periodic job in its own goroutine.
func (r *Runner) start(ctx context.Context, p *periodic, _ string) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		began := time.Now()
		err := safeRun(func() error { return p.fn(ctx) })
		took := time.Since(began)
		r.m.duration.WithLabelValues(p.name).Observe(took.Seconds())
		result := "ok"
		if err != nil && ctx.Err() != nil {
			err = nil // stopped with the node, not failed
		}
		if err != nil {
			result = "error"
			r.logError("job failed", "job", p.name, "err", err)
		}
		r.m.runs.WithLabelValues(p.name, result).Inc()
		if p.cluster {
			// The record of the run survives the node's stop.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if ferr := r.o.DB.FinishTick(fctx, p.name, r.o.Node, took, err); ferr != nil {
				r.logError("jobs: finish", "job", p.name, "err", ferr)
			}
			cancel()
		}
		r.mu.Lock()
		p.running = false
		r.mu.Unlock()
	}()
}

// safeRun turns a panic of a job into its error, so one faulty job does not
// stop the node's others.
func safeRun(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("jobs: panic: %v", v)
		}
	}()
	return f()
}

// claimJobs leases as many due deferred jobs as there are free workers.
func (r *Runner) claimJobs(ctx context.Context) {
	r.mu.Lock()
	free := r.o.Workers - r.busy
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	r.mu.Unlock()
	if free <= 0 || len(kinds) == 0 {
		return
	}
	sort.Strings(kinds)
	js, err := r.o.DB.ClaimJobs(ctx, r.o.Node, kinds, free, r.now().Add(r.o.Lease))
	if err != nil {
		if ctx.Err() == nil {
			r.logError("jobs: claim deferred jobs", "err", err)
		}
		return
	}
	for _, j := range js {
		r.mu.Lock()
		r.busy++
		h := r.handlers[j.Kind]
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.runJob(ctx, h, j)
			r.mu.Lock()
			r.busy--
			r.mu.Unlock()
			r.Wake() // a worker is free: more may be waiting
		}()
	}
}

// Backoff is the wait before the attempt'th retry: 1 s, 4 s, 16 s, ... at
// most 10 minutes.
func Backoff(attempt int) time.Duration {
	d := time.Second
	for i := 1; i < attempt && d < 10*time.Minute; i++ {
		d *= 4
	}
	return min(d, 10*time.Minute)
}

func (r *Runner) runJob(ctx context.Context, h Handler, j store.Job) {
	began := time.Now()
	// A job under way finishes even while the node stops: its lease is
	// given up only after (Run waits).
	jctx := context.WithoutCancel(ctx)
	err := r.o.DB.WithTx(jctx, true, func(tx *store.Tx) error {
		if err := safeRun(func() error { return h(jctx, tx, j) }); err != nil {
			return err
		}
		return tx.CompleteJob(jctx, j.ID, r.o.Node)
	})
	r.m.duration.WithLabelValues(j.Kind).Observe(time.Since(began).Seconds())
	switch {
	case err == nil:
		r.m.runs.WithLabelValues(j.Kind, "ok").Inc()
	case errors.Is(err, store.ErrJobLost):
		// Another node took it after our lease ran out; nothing was written.
		r.m.runs.WithLabelValues(j.Kind, "lost").Inc()
	default:
		r.m.runs.WithLabelValues(j.Kind, "error").Inc()
		r.logError("job failed", "job", j.Kind, "id", j.ID, "attempt", j.Attempts, "err", err)
		if ferr := r.o.DB.FailJob(jctx, j.ID, r.o.Node, err.Error(), r.now().Add(Backoff(j.Attempts))); ferr != nil {
			r.logError("jobs: record failure", "job", j.Kind, "id", j.ID, "err", ferr)
		}
	}
}
