package main

import (
	"context"
	"expvar"
	"flag"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo/internal/drill"
	"escudo/internal/heartbeat"
	"escudo/internal/i18n"
	"escudo/internal/response"
	"escudo/internal/store"
)

// supervisionFlags are the serve flags of device supervision and drills.
type supervisionFlags struct {
	misses     int
	drillEvery time.Duration
}

// supervisionSettings is set by the serve command; other commands that call
// serve (demo) get the defaults.
var supervisionSettings *supervisionFlags

func addSupervisionFlags(fs *flag.FlagSet) *supervisionFlags {
	f := &supervisionFlags{}
	misses, _ := strconv.Atoi(os.Getenv("ESCUDO_HEARTBEAT_MISSES"))
	if misses <= 0 {
		misses = 3
	}
	every, _ := time.ParseDuration(os.Getenv("ESCUDO_DRILL_EVERY"))
	fs.IntVar(&f.misses, "heartbeat-misses", misses, "heartbeat intervals of silence before a device is declared silent")
	fs.DurationVar(&f.drillEvery, "drill-every", every, "run a drill for every device this often, e.g. 720h (0: only on demand)")
	return f
}

// supervision is the running heartbeat supervisor, drill runner and
// response-time collector.
type supervision struct {
	sup    *heartbeat.Supervisor
	drills *drill.Runner
	resp   *response.Collector
	db     *store.DB
}

func newSupervision(db *store.DB, log *slog.Logger, rr *rapid, f *supervisionFlags) *supervision {
	if f == nil {
		f = &supervisionFlags{misses: 3}
	}
	loc := i18n.MustNew().Localizer(i18n.Default)
	sup := heartbeat.New(heartbeat.Options{
		DB: db, Misses: f.misses, Log: log,
		// On PostgreSQL several nodes may take heartbeats: share them.
		Shared: db.Dialect == store.Postgres,
		Devices: func(ctx context.Context) ([]heartbeat.Device, error) {
			ds, err := db.SupervisedDevices(ctx)
			if err != nil {
				return nil, err
			}
			out := make([]heartbeat.Device, len(ds))
			for i, d := range ds {
				out[i] = heartbeat.Device{ID: d.ID, Interval: d.Interval, Registered: d.Registered}
			}
			return out, nil
		},
		Raiser: &heartbeat.AlertRaiser{Alerts: rr.pipeline, DB: db, Text: func(key string, args map[string]any) string { return loc.T(key, args) }},
	})
	return &supervision{
		sup:    sup,
		drills: &drill.Runner{DB: db, Alerts: rr.pipeline, Log: log, Every: f.drillEvery},
		db:     db,
	}
}

// register adds the metrics to the server's registry.
func (s *supervision) register(reg *prometheus.Registry) {
	s.sup.Register(reg)
	s.resp = response.NewCollector(s.db, reg)
}

// startProfiler serves Go's profiles on ESCUDO_PPROF_ADDR (e.g.
// 127.0.0.1:6060) when it is set: load runs profile the server with
// go tool pprof. It is never on by default.
func startProfiler(log *slog.Logger) {
	addr := os.Getenv("ESCUDO_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// Go's memory statistics, and in a build with
	// -tags libc.memexpvar,memory.counters the heap of the pure-Go
	// SQLite (outside Go's), as "memory.allocator".
	mux.Handle("/debug/vars", expvar.Handler())
	go func() {
		srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		log.Warn("profiler listening", "addr", addr)
		if err := srv.ListenAndServe(); err != nil {
			log.Error("profiler", "err", err)
		}
	}()
}

// drillPoll is how often running drills are followed.
func (s *supervision) drillPoll() time.Duration {
	if s.drills.Poll > 0 {
		return s.drills.Poll
	}
	return time.Second
}

// respInterval is how often response-time metrics are refreshed.
func (s *supervision) respInterval() time.Duration {
	if s.resp != nil && s.resp.Interval > 0 {
		return s.resp.Interval
	}
	return 10 * time.Second
}

// start loads the supervisor's devices; stop writes its last heartbeats.
// Its checks, flushes and refreshes, drills and response metrics are jobs
// (serve_jobs.go).
func (s *supervision) start(log *slog.Logger) (stop func()) {
	startProfiler(log)
	ctx, cancel := context.WithCancel(context.Background())
	if s.resp == nil {
		s.resp = response.NewCollector(s.db, nil)
	}
	s.resp.Log = log
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.sup.Start(ctx) }()
	return func() {
		cancel()
		wg.Wait()
		fctx, fcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer fcancel()
		if err := s.sup.Stop(fctx); err != nil {
			log.Error("heartbeat: final flush", "err", err)
		}
	}
}
