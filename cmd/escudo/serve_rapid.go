package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/gcpolicy"
	"escudo/internal/i18n"
	"escudo/internal/notify"
	"escudo/internal/store"
)

// RapidConfig is the "alerts" section of the configuration file: the
// escalation policy and the notification channels.
type RapidConfig struct {
	Policy     *escudo.EscalationPolicy `json:"policy,omitempty"`
	ConsoleURL string                   `json:"console_url,omitempty"`
	// SMSGatewaySecret signs the SMS gateway's inbound webhook.
	SMSGatewaySecret string       `json:"sms_gateway_secret,omitempty"`
	Notify           NotifyConfig `json:"notify"`
}

// NotifyConfig configures delivery.
type NotifyConfig struct {
	Workers       int             `json:"workers,omitempty"`
	MaxAttempts   int             `json:"max_attempts,omitempty"`
	BaseBackoff   escudo.Duration `json:"base_backoff,omitempty"`
	MaxBackoff    escudo.Duration `json:"max_backoff,omitempty"`
	PollInterval  escudo.Duration `json:"poll_interval,omitempty"`
	Hold          escudo.Duration `json:"hold,omitempty"`
	WebhookSecret string          `json:"webhook_secret,omitempty"`
	SMTP          *struct {
		Addr     string `json:"addr"`
		From     string `json:"from"`
		Username string `json:"username,omitempty"`
		Password string `json:"password,omitempty"`
		StartTLS string `json:"starttls,omitempty"`
	} `json:"smtp,omitempty"`
	SMSGateway *struct {
		URL   string `json:"url"`
		Token string `json:"token,omitempty"`
	} `json:"sms_gateway,omitempty"`
}

// rapidFlags are the serve flags of the rapid-response pipeline.
type rapidFlags struct {
	webhooks      string
	webhookSecret string
	smsSecret     string
	consoleURL    string
	cfg           RapidConfig
}

// rapidSettings is set by the serve command; other commands that call serve
// (demo) get the defaults.
var rapidSettings *rapidFlags

func addRapidFlags(fs *flag.FlagSet) *rapidFlags {
	f := &rapidFlags{}
	fs.StringVar(&f.webhooks, "alert-webhook", os.Getenv("ESCUDO_ALERT_WEBHOOK"), "comma-separated URLs notified of every alert at once (first tier)")
	fs.StringVar(&f.webhookSecret, "webhook-secret", os.Getenv("ESCUDO_WEBHOOK_SECRET"), "secret signing outgoing webhooks (X-Escudo-Signature)")
	fs.StringVar(&f.smsSecret, "sms-gateway-secret", os.Getenv("ESCUDO_SMS_GATEWAY_SECRET"), "secret of the SMS gateway's inbound webhook")
	fs.StringVar(&f.consoleURL, "console-url", os.Getenv("ESCUDO_CONSOLE_URL"), "base URL of the console, for links in notifications (default: --public-url)")
	return f
}

// rapid is the running pipeline and delivery pool.
type rapid struct {
	reg       *prometheus.Registry
	pipeline  *alert.Pipeline
	disp      *notify.Dispatcher
	smsSecret []byte
}

func newRapid(db *store.DB, log *slog.Logger, f *rapidFlags, baseURL string) (*rapid, error) {
	if f == nil {
		f = &rapidFlags{}
	}
	c := f.cfg
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(walMetrics(db)...)
	secret := firstNonEmpty(f.webhookSecret, c.Notify.WebhookSecret)
	senders := map[string]notify.Sender{store.ChannelWebhook: &notify.Webhook{Secret: []byte(secret)}}
	if s := c.Notify.SMTP; s != nil && s.Addr != "" {
		senders[store.ChannelEmail] = &notify.SMTP{Addr: s.Addr, From: s.From, Username: s.Username, Password: s.Password, StartTLS: s.StartTLS}
	}
	if g := c.Notify.SMSGateway; g != nil && g.URL != "" {
		senders[store.ChannelSMS] = &notify.SMSGateway{URL: g.URL, Token: g.Token}
	}
	disp, err := notify.New(notify.Options{DB: db, Senders: senders, Workers: c.Notify.Workers, MaxAttempts: c.Notify.MaxAttempts,
		BaseBackoff: time.Duration(c.Notify.BaseBackoff), MaxBackoff: time.Duration(c.Notify.MaxBackoff),
		PollInterval: time.Duration(c.Notify.PollInterval), Registry: reg, Logger: log})
	if err != nil {
		return nil, err
	}
	var policy escudo.EscalationPolicy
	if c.Policy != nil {
		policy = *c.Policy
	}
	if len(policy.Tiers) == 0 {
		d := escudo.DefaultEscalationPolicy()
		d.Entities, policy = policy.Entities, d
	}
	if f.webhooks != "" {
		policy.Tiers = append([]escudo.EscalationTier(nil), policy.Tiers...)
		for _, u := range strings.Split(f.webhooks, ",") {
			if u = strings.TrimSpace(u); u != "" {
				policy.Tiers[0].Webhooks = append(policy.Tiers[0].Webhooks, u)
			}
		}
	}
	consoleURL := firstNonEmpty(f.consoleURL, c.ConsoleURL, baseURL)
	loc := i18n.MustNew().Localizer(i18n.Default)
	p, err := alert.New(alert.Options{DB: db, Policy: policy, Deliverer: disp, Registry: reg, Logger: log, ConsoleURL: consoleURL,
		Hold: time.Duration(c.Notify.Hold), Text: func(key string, args map[string]any) string { return loc.T(key, args) }})
	if err != nil {
		return nil, err
	}
	r := &rapid{reg: reg, pipeline: p, disp: disp}
	if s := firstNonEmpty(f.smsSecret, c.SMSGatewaySecret); s != "" {
		// Used as written, so the gateway signs with the same text.
		r.smsSecret = []byte(s)
	}
	return r, nil
}

// start runs the pipeline and the delivery pool; stop ends them after the
// HTTP server has stopped taking alerts, so queued alerts are committed.
func (r *rapid) start(log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := r.pipeline.Run(ctx); err != nil {
			log.Error("alert pipeline stopped", "err", err)
		}
	}()
	go func() { defer wg.Done(); r.disp.Run(ctx) }()
	// A queue of alerts for the database gets the CPU the collector
	// would otherwise take (internal/gcpolicy).
	wg.Add(1)
	go func() { defer wg.Done(); gcpolicy.Run(ctx, r.pipeline.Backlog, 250*time.Millisecond, log) }()
	// Several nodes (PostgreSQL): each console hears every node's alerts.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := r.pipeline.ShareChanges(ctx); err != nil {
			log.Error("alert changes between nodes stopped", "err", err)
		}
	}()
	return func() { cancel(); wg.Wait() }
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// loadRapidConfig reads the "alerts" section of the configuration file.
func (f *rapidFlags) load(cfg *Config) error {
	if cfg == nil || cfg.Alerts == nil {
		return nil
	}
	f.cfg = *cfg.Alerts
	if f.cfg.Policy != nil {
		if err := f.cfg.Policy.Validate(); err != nil {
			return fmt.Errorf("config: alerts.policy: %w", err)
		}
	}
	return nil
}

// walMetrics shows the SQLite write-ahead log and its background
// checkpoints (constant zero on PostgreSQL).
func walMetrics(db *store.DB) []prometheus.Collector {
	pick := func(i int) func() float64 {
		return func() float64 {
			f, b, c, busy := db.WALStats()
			return float64([]int64{f, b, c, busy}[i])
		}
	}
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escudo_sqlite_wal_pages", Help: "Pages in the SQLite write-ahead log at the last checkpoint."}, pick(0)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "escudo_sqlite_wal_backfilled_pages", Help: "Of those, pages already copied back to the database file."}, pick(1)),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escudo_sqlite_checkpoints_total", Help: "Background checkpoints of the SQLite write-ahead log."}, pick(2)),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "escudo_sqlite_checkpoints_incomplete_total", Help: "Checkpoints that readers kept from copying the whole log."}, pick(3)),
	}
}
