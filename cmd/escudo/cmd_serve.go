package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"escudo/internal/auditsink"
	"escudo/internal/clock"
	escudohttp "escudo/internal/http"
	"escudo/internal/store"
)

func init() {
	register("serve", "run the web server, API and schedulers", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("serve", stderr)
		dbf := addDBFlags(fs)
		addr := fs.String("addr", envOr("ESCUDO_ADDR", "127.0.0.1:8080"), "listen address HOST:PORT")
		migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
		rapidFlags := addRapidFlags(fs)
		supFlags := addSupervisionFlags(fs)
		fs.BoolVar(&webSettings.secureCookies, "secure-cookies", envOr("ESCUDO_SECURE_COOKIES", "") == "1", "mark session cookies Secure (set when served over HTTPS, directly or behind a proxy)")
		fs.IntVar(&webSettings.publicRate, "public-rate", 5, "public requests per minute accepted from one address")
		sink := fs.String("audit-sink", os.Getenv("ESCUDO_AUDIT_SINK"), "stream every signed audit checkpoint, as it is made, to an append-only file outside the data folder or to a webhook (https://..., or http:// on a loopback address)")
		fs.DurationVar(&auditSettings.checkpointInterval, "audit-checkpoint-interval", store.DefaultCheckpointInterval, "sign the head of the audit log this often while entries are written")
		fs.IntVar(&auditSettings.checkpointEvery, "audit-checkpoint-every", store.DefaultCheckpointEvery, "also sign a checkpoint every this many audit entries")
		fs.DurationVar(&auditSettings.refusalInterval, "audit-refusal-interval", store.DefaultRefusalInterval, "count refusals of unauthenticated callers for this long before writing one entry per source and reason")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if auditSettings.checkpointInterval <= 0 || auditSettings.checkpointEvery <= 0 || auditSettings.refusalInterval <= 0 {
			fmt.Fprintln(stderr, "escudo serve: --audit-checkpoint-interval, --audit-checkpoint-every and --audit-refusal-interval must be positive")
			return errUsage
		}
		serveGC()
		log := newLogger()
		db, cfg, err := dbf.open(ctx, log, *migrate)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := rapidFlags.load(cfg); err != nil {
			return err
		}
		rapidSettings = rapidFlags
		supervisionSettings = supFlags
		if *migrate {
			if _, err := db.Migrate(ctx); err != nil {
				return err
			}
		}
		if err := db.Init(ctx); err != nil {
			return err
		}
		if *sink != "" {
			out, err := auditsink.Open(auditsink.Options{Target: *sink, DataDir: dbf.data, Logger: log})
			if err != nil {
				return err
			}
			db.SetCheckpointSink(out.Send)
			log.Info("audit checkpoints streamed", "sink", out.Target())
			// Runs before db.Close: the last refusals and the last
			// checkpoint are written, then streamed, then the sink closes.
			defer func() {
				db.FinishAudit()
				cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := out.Close(cctx); err != nil {
					log.Error("audit sink", "err", err)
				}
			}()
		} else {
			log.Warn("no --audit-sink: signed audit checkpoints stay in the database only, so someone holding it could truncate the log unnoticed")
		}
		return serve(ctx, db, log, *addr, stdout, nil)
	})
}

// auditSettings are the audit log's serve flags; demo keeps the defaults.
var auditSettings = struct {
	checkpointInterval time.Duration
	checkpointEvery    int
	refusalInterval    time.Duration
}{store.DefaultCheckpointInterval, store.DefaultCheckpointEvery, store.DefaultRefusalInterval}

// webSettings are the web interface's serve flags; demo keeps the defaults.
var webSettings struct {
	secureCookies bool
	publicRate    int
}

// serve runs the HTTP server and the background workers until ctx ends.
// banner, when set, is printed once the listener is ready.
func serve(ctx context.Context, db *store.DB, log *slog.Logger, addr string, stdout io.Writer, banner func(url string)) error {
	start := time.Now()
	// Set before any writer starts.
	db.CheckpointEvery, db.RefusalInterval = auditSettings.checkpointEvery, auditSettings.refusalInterval
	if err := db.RecomputeDeadlines(ctx); err != nil {
		return err
	}
	rr, err := newRapid(db, log, rapidSettings, addr)
	if err != nil {
		return err
	}
	sv := newSupervision(db, log, rr, supervisionSettings)
	srv, err := escudohttp.New(escudohttp.Options{DB: db, Logger: log, Registry: rr.reg, Alerts: rr.pipeline, SMSGatewaySecret: rr.smsSecret,
		Supervisor: sv.sup, Drills: sv.drills, AllowPasswordOnly: passwordOnly,
		SecureCookies: webSettings.secureCookies, PublicRate: webSettings.publicRate})
	if err != nil {
		return err
	}
	stopRapid := rr.start(log)
	// Deferred first, so it runs last: after the HTTP server has stopped
	// taking alerts, the pipeline commits what is queued.
	defer stopRapid()
	sv.register(srv.Registry())
	// Deferred after stopRapid, so it runs before it: the supervisor's last
	// alerts still reach a running pipeline.
	defer sv.start(log)()
	sched := &clock.Scheduler{DB: db, Log: log}
	sched.Register(srv.Registry())
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go sched.Run(ctx)
	go db.RunCheckpoints(ctx, auditSettings.checkpointInterval)
	url := "http://" + ln.Addr().String()
	log.Info("escudo serving", "url", url, "db", db.Dialect, "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "escudo listening on %s\n", url)
	if banner != nil {
		banner(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		return hs.Shutdown(sctx)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// serveGC sets the server's garbage collector unless the operator set
// GOGC or GOMEMLIMIT. The server's live heap is mostly long-lived
// (credential cache, supervision slots: about 50 MB for 100,000 devices),
// and with Go's defaults the heap grows to twice it between collections and
// keeps freed memory for a while: 155–165 MB of RSS with 100,000 devices
// sending 20,000 heartbeats a second, over the 150 MB budget. Collecting at
// half again the live heap, with a soft limit of 110 MiB for the Go heap as
// a backstop, keeps it under (docs/benchmarks.md). The limit is soft: were a
// much larger installation's live heap to reach it, the collector would run
// more often (the runtime caps it at half the CPU), never fail; such an
// installation sets GOMEMLIMIT to its own budget.
func serveGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(110 << 20)
	}
}
