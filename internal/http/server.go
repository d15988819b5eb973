// Package http composes escudo's web layer into one handler: the shared
// core (internal/web) and each audience's routes (sign-in, public pages,
// staff pages, the JSON API and the device and SMS gateway), the operational
// endpoints (/healthz, /readyz; /metrics on a listener of its own) and the middleware every request
// passes: security headers, the client address for the audit log, panic
// recovery, request metrics, cross-origin protection and sessions.
package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/web"
	"escudo/internal/web/admin"
	"escudo/internal/web/api"
	"escudo/internal/web/boardroom"
	"escudo/internal/web/capacity"
	"escudo/internal/web/directory"
	"escudo/internal/web/funds"
	"escudo/internal/web/gateway"
	"escudo/internal/web/interagency"
	"escudo/internal/web/invites"
	"escudo/internal/web/oversight"
	"escudo/internal/web/portal"
	"escudo/internal/web/prevention"
	"escudo/internal/web/protection"
	"escudo/internal/web/public"
	"escudo/internal/web/shelter"
	"escudo/internal/web/signin"
	"escudo/internal/web/staff"
)

// Options configure a Server. The zero value of every optional field is safe.
type Options = web.Options

// Server is the HTTP front of escudo.
type Server struct {
	*web.Core
	handler  http.Handler
	requests *prometheus.HistogramVec
	devices  *gateway.Credentials // the gateway's credential cache
}

// New builds the server and its routes.
func New(o Options) (*Server, error) {
	core, err := web.NewCore(o)
	if err != nil {
		return nil, err
	}
	s := &Server{Core: core}
	s.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "escudo_http_request_duration_seconds", Help: "HTTP request time by route pattern and status class.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "code"})
	s.Reg.MustRegister(s.requests)

	s.Mux.HandleFunc("GET /healthz", web.Access{Public: true}, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	s.Mux.HandleFunc("GET /readyz", web.Access{Public: true}, s.handleReady)
	public.Register(core)
	signin.Register(core)
	staff.Register(core)
	boardroom.Register(core)
	oversight.Register(core)
	capacity.Register(core)
	admin.Register(core)
	shelter.Register(core)
	protection.Register(core)
	directory.Register(core)
	interagency.Register(core)
	prevention.Register(core)
	portal.Register(core)
	invites.Register(core)
	funds.Register(core)
	s.devices = gateway.Register(core)
	api.Register(core, s.devices)
	s.handler = s.middleware(s.wrapWeb(recordPattern(s.Mux.ServeMux)))
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// MetricsHandler serves the Prometheus metrics. They are never on the
// public listener: they count panic alerts per state, silent devices and
// alerts awaiting acknowledgement, small numbers that single people out.
// `escudo serve` serves them on --metrics-addr (loopback by default).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Reg, promhttp.HandlerOpts{Registry: s.Reg}))
	return mux
}

// Registry returns the metrics registry, for other components' metrics.
func (s *Server) Registry() *prometheus.Registry { return s.Reg }

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// statusWriter records the status code for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int)        { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// middleware adds security headers, the client address for limits and the
// audit log (believing forwarding headers only from trusted proxies), panic
// recovery and request metrics.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
		// The client's address, set once here: every limit, lockout and
		// audit entry reads it from the context.
		host := clientAddress(r, s.Opts.TrustedProxies, s.Opts.ForwardedHeader)
		pattern := new(string)
		r = r.WithContext(context.WithValue(store.WithRemote(r.Context(), host), patternKey{}, pattern))
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				s.Log.Error("panic", "path", r.URL.Path, "panic", v)
				http.Error(sw, "internal error", http.StatusInternalServerError)
			}
			route := *pattern
			if route == "" {
				route = "unmatched"
			}
			s.requests.WithLabelValues(route, strconv.Itoa(sw.code/100)+"xx").Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

type patternKey struct{}

// recordPattern copies the matched route pattern to the holder the outer
// middleware placed in the context: the wrappers in between pass copies of
// the request, so the mux's r.Pattern is not visible outside otherwise.
func recordPattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if p, ok := r.Context().Value(patternKey{}).(*string); ok {
			*p = r.Pattern
		}
	})
}

// wrapWeb adds cross-origin request protection and session loading around
// the routes. Cross-origin protection rejects unsafe requests that a browser
// marks as coming from another site; non-browser API clients, which send no
// such headers, pass.
func (s *Server) wrapWeb(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Log.Warn("cross-origin request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		if web.WantsHTML(r) {
			s.RenderError(w, r, http.StatusForbidden, "error.cross_origin")
			return
		}
		s.JSONError(w, r, http.StatusForbidden, escudo.EFORBIDDEN, "error.cross_origin")
	}))
	mark := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), web.SessionLoadedKey{}, true)))
	})
	withSessions := cop.Handler(s.Sessions.LoadAndSave(mark))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if deviceEndpoint(r) {
			h.ServeHTTP(w, r)
			return
		}
		withSessions.ServeHTTP(w, r)
	})
}

// deviceEndpoint reports whether r goes to an endpoint that devices and the
// SMS gateway call. Those authenticate every request by their own secret, never
// by a session cookie, so there is no ambient authority for a cross-site
// request to borrow, and skipping the session layer keeps the heartbeat path
// cheap.
func deviceEndpoint(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := r.URL.Path
	if p == "/api/v1/sms/inbound" {
		return true
	}
	rest, ok := strings.CutPrefix(p, "/api/v1/devices/")
	if !ok {
		return false
	}
	id, action, ok := strings.Cut(rest, "/")
	if !ok || id == "" || strings.ContainsRune(action, '/') {
		return false
	}
	return action == "heartbeat" || action == "alerts"
}
