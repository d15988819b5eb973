package main

import (
	"context"
	"errors"
	"escudo"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"escudo/internal/auditsink"
	"escudo/internal/clock"
	"escudo/internal/gcpolicy"
	escudohttp "escudo/internal/http"
	"escudo/internal/jobs"
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
		publicURL := fs.String("public-url", os.Getenv("ESCUDO_PUBLIC_URL"), "the address people reach escudo by, e.g. https://escudo.example (required): security keys and links use it, never the Host header")
		proxies := fs.String("trusted-proxies", os.Getenv("ESCUDO_TRUSTED_PROXIES"), "reverse proxies whose forwarding header gives the client address: CIDR ranges or addresses, comma-separated")
		fs.StringVar(&webSettings.metricsAddr, "metrics-addr", envOr("ESCUDO_METRICS_ADDR", "127.0.0.1:9464"), "listen address of /metrics, apart from the public one (keep it on loopback or a private network; \"off\" serves none)")
		fs.StringVar(&webSettings.forwardedHeader, "forwarded-header", envOr("ESCUDO_FORWARDED_HEADER", "X-Forwarded-For"), "the header the trusted proxies set: X-Forwarded-For or Forwarded")
		sink := fs.String("audit-sink", os.Getenv("ESCUDO_AUDIT_SINK"), "stream every signed audit checkpoint, as it is made, to an append-only file outside the data folder or to a webhook (https://..., or http:// on a loopback address)")
		fs.DurationVar(&auditSettings.checkpointInterval, "audit-checkpoint-interval", store.DefaultCheckpointInterval, "sign the head of the audit log this often while entries are written")
		fs.IntVar(&auditSettings.checkpointEvery, "audit-checkpoint-every", store.DefaultCheckpointEvery, "also sign a checkpoint every this many audit entries")
		fs.DurationVar(&auditSettings.refusalInterval, "audit-refusal-interval", store.DefaultRefusalInterval, "count refusals of unauthenticated callers for this long before writing one entry per source and reason")
		fs.StringVar(&jobSettings.Node, "node", os.Getenv("ESCUDO_NODE"), "this node's name among the nodes sharing one PostgreSQL database, e.g. escudo-a (letters, digits, . _ -; default: a random id)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if n := jobSettings.Node; n != "" && !validNodeName(n) {
			fmt.Fprintf(stderr, "escudo serve: --node %q: use up to 64 letters, digits, dots, dashes or underscores\n", n)
			return errUsage
		}
		flags := webSettings
		if err := flags.parse(*publicURL, *proxies); err != nil {
			fmt.Fprintf(stderr, "escudo serve: %v\n", err)
			return errUsage
		}
		webSettings = flags
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
		if cfg.Contact != nil {
			webSettings.contact = *cfg.Contact
		}
		webSettings.ocidPrefix = cfg.OCDSPrefix
		clockSweep = time.Duration(cfg.ClockSweep)
		measuresSweep = time.Duration(cfg.MeasuresSweep)
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

// webSettings are the web interface's serve flags; demo keeps the defaults
// and takes its own address as public URL.
var webSettings webFlags

type webFlags struct {
	contact         escudo.PublicContact // from the configuration file
	ocidPrefix      string               // from the configuration file
	metricsAddr     string               // "" or "off": no metrics listener
	secureCookies   bool
	publicRate      int
	publicURL       *url.URL
	trustedProxies  []netip.Prefix
	forwardedHeader string
}

// parse checks the public URL (required) and the trusted proxies.
func (f *webFlags) parse(publicURL, proxies string) error {
	if publicURL == "" {
		return errors.New("--public-url is required (ESCUDO_PUBLIC_URL): the address people reach escudo by, e.g. https://escudo.example")
	}
	u, err := parsePublicURL(publicURL)
	if err != nil {
		return err
	}
	f.publicURL = u
	if f.trustedProxies, err = escudohttp.ParseTrustedProxies(proxies); err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	switch strings.ToLower(f.forwardedHeader) {
	case "x-forwarded-for":
		f.forwardedHeader = "X-Forwarded-For"
	case "forwarded":
		f.forwardedHeader = "Forwarded"
	default:
		return fmt.Errorf("--forwarded-header: %q is neither X-Forwarded-For nor Forwarded", f.forwardedHeader)
	}
	return nil
}

// parsePublicURL accepts http or https with a host and nothing after it.
func parsePublicURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("--public-url %q: want scheme and host only, e.g. https://escudo.example", s)
	}
	return u, nil
}

// serve runs the HTTP server and the background workers until ctx ends.
// banner, when set, is printed once the listener is ready.
// clockSweep is the configuration's clock_sweep (0: the scheduler's 30 s).
var clockSweep time.Duration

// measuresSweep is the configuration's measures_sweep (0: one minute).
var measuresSweep time.Duration

func serve(ctx context.Context, db *store.DB, log *slog.Logger, addr string, stdout io.Writer, banner func(url string)) error {
	start := time.Now()
	// Set before any writer starts.
	db.CheckpointEvery, db.RefusalInterval = auditSettings.checkpointEvery, auditSettings.refusalInterval
	if err := db.RecomputeDeadlines(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	listening := "http://" + ln.Addr().String()
	public := webSettings.publicURL
	if public == nil {
		// The demo: its own address is its public one.
		if public, err = url.Parse(listening); err != nil {
			return err
		}
	}
	if public.Scheme == "http" && !isLoopback(public.Hostname()) {
		log.Warn("the public URL is not https: sessions travel in clear and browsers refuse security keys", "public_url", public.String())
	}
	// Letters print the verification page's address and the hotline.
	db.SetLetterSettings(store.LetterSettings{DutyPhone: webSettings.contact.Hotline, VerifyURL: public.String() + "/verificar"})
	rr, err := newRapid(db, log, rapidSettings, public.String())
	if err != nil {
		return err
	}
	sv := newSupervision(db, log, rr, supervisionSettings)
	srv, err := escudohttp.New(escudohttp.Options{DB: db, Logger: log, Registry: rr.reg, Alerts: rr.pipeline, SMSGatewaySecret: rr.smsSecret,
		Supervisor: sv.sup, Drills: sv.drills, AllowPasswordOnly: passwordOnly,
		SecureCookies: webSettings.secureCookies, PublicRate: webSettings.publicRate,
		PublicURL: public, TrustedProxies: webSettings.trustedProxies, ForwardedHeader: webSettings.forwardedHeader,
		Contact: webSettings.contact, OCIDPrefix: webSettings.ocidPrefix})
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
	sched := &clock.Scheduler{DB: db}
	sched.Register(srv.Registry())
	// Deferred after the pipeline and the supervisor, so it stops first:
	// escalations under way still reach a running writer.
	defer startJobs(db, log, srv.Registry(), func(r *jobs.Runner) {
		scheduleJobs(r, db, rr, sv, sched, clockSweep, auditSettings.checkpointInterval)
	})()
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log.Info("escudo serving", "url", listening, "public_url", public.String(), "trusted_proxies", len(webSettings.trustedProxies), "db", db.Dialect, "startup", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "escudo listening on %s\n", listening)
	if banner != nil {
		banner(listening)
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	if m := webSettings.metricsAddr; m != "" && m != "off" {
		mln, err := net.Listen("tcp", m)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		ms := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		defer ms.Close()
		log.Info("metrics served apart", "url", "http://"+mln.Addr().String()+"/metrics")
		go func() {
			if err := ms.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
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

// serveGC sets the server's garbage collector to its steady setting unless
// the operator set GOGC or GOMEMLIMIT; while alerts queue, gcpolicy.Run
// relaxes it (internal/gcpolicy says why).
func serveGC() {
	if !gcpolicy.Operator() {
		gcpolicy.Apply(gcpolicy.Steady)
	}
}

// isLoopback reports whether host names this machine (the demo, tests).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
