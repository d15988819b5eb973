// Package web holds what every audience of escudo's web layer shares: the
// Core (store, logger, options, route mux, sessions, catalogues and
// templates), page rendering, strict decoding, the API's error shape and the
// permission guard. The audiences live in the packages below it (staff,
// public, api, gateway, signin); each registers its own routes on the Core,
// and internal/http composes them into one handler.
package web

import (
	"errors"
	"escudo"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/time/rate"

	"escudo/internal/alert"
	"escudo/internal/drill"
	"escudo/internal/heartbeat"
	"escudo/internal/i18n"
	"escudo/internal/store"
)

// Options configure the web layer. The zero value of every optional field
// is safe.
type Options struct {
	DB       *store.DB
	Logger   *slog.Logger
	Registry *prometheus.Registry // metrics registry; a new one when nil
	// SecureCookies marks session cookies Secure (behind TLS). A PublicURL
	// with https sets it too.
	SecureCookies bool
	// PublicURL is the address people reach escudo by (scheme, host and
	// port, no path). Security keys are bound to it (relying party and
	// origin) and absolute links are built from it, never from the
	// request's Host header. Without it security keys cannot be used.
	PublicURL *url.URL
	// TrustedProxies are the reverse proxies whose forwarding header is
	// believed: only when the connection comes from one of them is the
	// client address taken from ForwardedHeader. Empty: the connection's
	// own address is the client's, and forwarding headers are ignored.
	TrustedProxies []netip.Prefix
	// ForwardedHeader names the header the trusted proxies set:
	// "X-Forwarded-For" (the default) or "Forwarded" (RFC 7239). Only that
	// one is read, since a proxy passes the other through as the client
	// wrote it.
	ForwardedHeader string
	// PublicRate is how many public requests per minute one address may file.
	PublicRate int
	// Alerts is the rapid-response pipeline; without it the device and
	// console routes answer 503.
	Alerts *alert.Pipeline
	// SMSGatewaySecret signs the SMS gateway's inbound webhook; without it
	// the webhook refuses every request.
	SMSGatewaySecret []byte
	// Supervisor keeps device heartbeats; without it the heartbeat endpoint
	// answers 503.
	Supervisor *heartbeat.Supervisor
	// Drills runs test alerts through the whole chain; optional.
	Drills *drill.Runner
	// AllowPasswordOnly lets accounts sign in without a second factor. The
	// zero value requires one for every role but beneficiaries; set it only
	// for throw-away demonstrations and tests of other features.
	AllowPasswordOnly bool
	// Contact is the hotline, e-mail and offices the public pages show.
	Contact escudo.PublicContact
	// ReadRate is how many cases, people, devices or alerts one account may
	// open per minute (120 when zero): enough to work, too few to walk
	// through every record by changing ids.
	ReadRate int
	// ReauthWindow is how long a sign-in counts as recent, for addresses
	// and exports; ReauthWindow (5 minutes) when zero.
	ReauthWindow time.Duration
	// OCIDPrefix is the prefix of the contracts' OCDS identifiers, as
	// registered with the Open Contracting Partnership; "ocds-escudo"
	// when empty.
	OCIDPrefix string
}

// Core is the state every audience package works with. Audience packages
// embed it in their own server type, so a handler reads s.DB, s.Render,
// s.Handle as if they were its own.
type Core struct {
	DB   *store.DB
	Log  *slog.Logger
	Reg  *prometheus.Registry
	Opts Options
	Mux  *RouteMux

	// The server-rendered interface: sessions, catalogues, templates and
	// the rate limiters of the forms open to everyone.
	Sessions      *scs.SessionManager
	I18n          *i18n.Bundle
	Tmpl          *Templates
	LoginByAddr   *LimiterSet
	LoginByName   *LimiterSet
	PublicByAddr  *LimiterSet
	StatusByAddr  *LimiterSet
	ReadsByUser   *LimiterSet                                               // object reads per account
	CaseIncidents func(r *http.Request, p *Page, caseID int64) (any, error) // the case page's incidents, set by internal/web/prevention
}

// NewCore builds the shared state: defaults for the options, the metrics
// registry, sessions, catalogues and templates. It registers no route.
func NewCore(o Options) (*Core, error) {
	if o.DB == nil {
		return nil, errors.New("web: no store")
	}
	s := &Core{DB: o.DB, Log: o.Logger, Reg: o.Registry, Mux: NewRouteMux(), Opts: o}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Reg == nil {
		s.Reg = prometheus.NewRegistry()
		s.Reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if s.Opts.PublicURL != nil && s.Opts.PublicURL.Scheme == "https" {
		s.Opts.SecureCookies = true
	}
	if s.Opts.PublicRate == 0 {
		s.Opts.PublicRate = 5
	}
	sm := scs.New()
	st := s.DB.Sessions()
	st.UserKey = SessionUserKey // so disabling an account can end its sessions
	sm.Store = st
	sm.IdleTimeout = SessionIdle
	sm.Lifetime = SessionAbsolute
	sm.Cookie.Name = SessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = s.Opts.SecureCookies
	sm.Cookie.Persist = false // gone when the browser closes
	sm.Cookie.Path = "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		if ClientGone(r) {
			s.Log.Debug("client went away", "path", r.URL.Path, "err", err)
			return
		}
		if store.IsUnavailable(err) && s.I18n != nil {
			// The database is away: every signed-in page says "try
			// again" rather than "our fault".
			s.logUnavailable(r, err)
			w.Header().Set("Retry-After", "1")
			http.Error(w, s.I18n.ForRequest(r).T("error.unavailable"), http.StatusServiceUnavailable)
			return
		}
		s.Log.Error("session store", "err", err, "path", r.URL.Path)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
	bundle, err := i18n.New()
	if err != nil {
		return nil, err
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	perMinute := func(n int) rate.Limit {
		if n < 1 {
			n = 1
		}
		return rate.Every(time.Minute / time.Duration(n))
	}
	s.Sessions, s.I18n, s.Tmpl = sm, bundle, tmpl
	// Ten tries a minute from one address, five per account name: enough
	// for typing mistakes, far too few for guessing.
	s.LoginByAddr = NewLimiterSet(perMinute(10), 10)
	s.LoginByName = NewLimiterSet(perMinute(5), 5)
	s.PublicByAddr = NewLimiterSet(perMinute(s.Opts.PublicRate), s.Opts.PublicRate)
	s.StatusByAddr = NewLimiterSet(perMinute(10), 10)
	if s.Opts.ReadRate == 0 {
		s.Opts.ReadRate = 120
	}
	s.ReadsByUser = NewLimiterSet(perMinute(s.Opts.ReadRate), s.Opts.ReadRate)
	return s, nil
}
