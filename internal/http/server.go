// Package http serves escudo's web pages, its JSON API under /api/v1, the
// device endpoints and the operational endpoints (/healthz, /readyz,
// /metrics). It speaks only in domain types and calls the store.
package http

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/drill"
	"escudo/internal/heartbeat"
	"escudo/internal/store"
)

// Options configure a Server. The zero value of every optional field is safe.
type Options struct {
	DB       *store.DB
	Logger   *slog.Logger
	Registry *prometheus.Registry // metrics registry; a new one when nil
	// SecureCookies marks session cookies Secure (behind TLS).
	SecureCookies bool
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
}

// Server is the HTTP front of escudo.
type Server struct {
	db       *store.DB
	log      *slog.Logger
	reg      *prometheus.Registry
	mux      *routeMux
	opts     Options
	handler  http.Handler
	requests *prometheus.HistogramVec
	web      *web // sessions, catalogues and templates of the web interface
	devices  *deviceAuth
}

// New builds the server and its routes.
func New(o Options) (*Server, error) {
	if o.DB == nil {
		return nil, errors.New("http: no store")
	}
	s := &Server{db: o.DB, log: o.Logger, reg: o.Registry, mux: newRouteMux(), opts: o}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if s.opts.PublicRate == 0 {
		s.opts.PublicRate = 5
	}
	s.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "escudo_http_request_duration_seconds", Help: "HTTP request time by route pattern and status class.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "code"})
	s.reg.MustRegister(s.requests)

	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	if err := s.registerWeb(); err != nil {
		return nil, err
	}
	s.registerAPI()
	s.registerDevices()
	s.registerSupervision()
	s.registerSecurity()
	s.handler = s.middleware(s.wrapWeb(recordPattern(s.mux.ServeMux)))
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Registry returns the metrics registry, for other components' metrics.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
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

// middleware adds security headers, the client address for the audit log,
// panic recovery and request metrics.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		pattern := new(string)
		r = r.WithContext(context.WithValue(store.WithRemote(r.Context(), host), patternKey{}, pattern))
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic", "path", r.URL.Path, "panic", v)
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

// httpStatus maps error codes to status codes.
func httpStatus(code string) int {
	switch code {
	case escudo.EINVALID:
		return http.StatusBadRequest
	case escudo.ENOTFOUND:
		return http.StatusNotFound
	case escudo.ECONFLICT:
		return http.StatusConflict
	case escudo.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case escudo.EFORBIDDEN:
		return http.StatusForbidden
	case escudo.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// writeJSON writes v with the status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
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
