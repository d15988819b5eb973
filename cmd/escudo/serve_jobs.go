package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo/internal/alert"
	"escudo/internal/clock"
	"escudo/internal/jobs"
	"escudo/internal/store"
)

// The node's job runner: every periodic task of serve is registered here,
// and nowhere else starts a loop of its own (docs/architecture.md, "The job
// runner"). Cluster jobs run once across the nodes that share the
// database; local ones on each node.

// jobSettings tune the runner; tests shorten them.
var jobSettings = jobs.Options{}

// scheduleJobs registers every periodic task of a serving node.
func scheduleJobs(r *jobs.Runner, db *store.DB, rr *rapid, sv *supervision, sched *clock.Scheduler, sweep, checkpoint time.Duration) {
	scheduleClockSweep(r, sched, sweep)
	scheduleMeasuresSweep(r, db, measuresSweep)
	// Unacknowledged alerts climb the tiers, whichever node took them.
	r.Every("alert.escalate", alert.EscalateEvery, func(ctx context.Context) error { _, err := rr.pipeline.EscalateDue(ctx); return err })
	// Each node delivers the outbox rows it claims: retries, rows other
	// nodes could not send, rows a stopped node held.
	r.Local("outbox.poll", rr.disp.PollEvery(), rr.disp.Poll)
	// Each node signs the audit entries it appended.
	r.Local("audit.checkpoint", checkpoint, db.CheckpointIfNew)
	// Drills: followed every second, scheduled hourly.
	r.Every("drill.track", sv.drillPoll(), func(ctx context.Context) error { _, err := sv.drills.Track(ctx); return err })
	if sv.drills.Every > 0 {
		r.Every("drill.schedule", time.Hour, func(ctx context.Context) error { _, err := sv.drills.ScheduleRound(ctx); return err })
	}
	// Supervision: every node checks, writes and refreshes its devices.
	sv.sup.Jobs(r)
	// Shared early-page claims older than the dedup window (PostgreSQL).
	if db.Dialect == store.Postgres {
		r.Every("alert.early_claims", rr.pipeline.EarlyClaimWindow()/2, rr.pipeline.SweepEarlyPages)
	}
	// Response-time metrics are this node's own gauges.
	r.Local("response.metrics", sv.respInterval(), sv.resp.Poll)
}

// scheduleClockSweep registers the legal-clock sweep: breaches are found
// within one sweep interval (the configuration's clock_sweep, default 30 s).
func scheduleClockSweep(r *jobs.Runner, sched *clock.Scheduler, sweep time.Duration) {
	if sweep <= 0 {
		sweep = 30 * time.Second
	}
	r.Every("clock.sweep", sweep, func(ctx context.Context) error { _, err := sched.Sweep(ctx); return err })
}

// scheduleMeasuresSweep: the store's sweeps of the procedure (overdue
// measures, requests, stalled investigations) each run on one node.
func scheduleMeasuresSweep(r *jobs.Runner, db *store.DB, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	for name, fn := range db.ProcedureSweeps() {
		r.Every(name, every, func(ctx context.Context) error { _, err := fn(ctx, 500); return err })
	}
}

// startJobs runs the runner until stop, which waits for the runs under way
// and gives the node's leases up.
func startJobs(db *store.DB, log *slog.Logger, reg prometheus.Registerer, register func(*jobs.Runner)) (stop func()) {
	o := jobSettings
	o.DB, o.Log, o.Registry = db, log, reg
	r := jobs.New(o)
	register(r)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("job runner stopped", "err", err)
		}
	}()
	log.Info("job runner started", "node", r.Node())
	return func() { cancel(); wg.Wait() }
}

// validNodeName accepts the names --node takes.
func validNodeName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
