package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"golang.org/x/time/rate"

	"escudo"
	"escudo/internal/i18n"
)

// Session timeouts: a staff session dies after 30 idle minutes and after 12
// hours in any case, so a forgotten browser at a shared desk closes itself.
const (
	sessionIdle     = 30 * time.Minute
	sessionAbsolute = 12 * time.Hour
	sessionCookie   = "escudo_session"
	sessionUserKey  = "uid"
	sessionAuthKey  = "auth_at"
)

// staffRoles are the roles that work cases through the web interface.
var staffRoles = []escudo.Role{escudo.RoleReception, escudo.RoleDuty, escudo.RoleAnalyst,
	escudo.RoleFollowUp, escudo.RoleCoordinator, escudo.RoleAdmin}

// web is the state of the server-rendered interface: sessions, catalogues,
// templates and the rate limiters of the forms open to everyone.
type web struct {
	sessions     *scs.SessionManager
	i18n         *i18n.Bundle
	tmpl         *templates
	loginByAddr  *limiterSet
	loginByName  *limiterSet
	publicByAddr *limiterSet
	statusByAddr *limiterSet
}

func (s *Server) newWeb() error {
	sm := scs.New()
	sm.Store = s.db.Sessions()
	sm.IdleTimeout = sessionIdle
	sm.Lifetime = sessionAbsolute
	sm.Cookie.Name = sessionCookie
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = s.opts.SecureCookies
	sm.Cookie.Persist = false // gone when the browser closes
	sm.Cookie.Path = "/"
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		s.log.Error("session store", "err", err, "path", r.URL.Path)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
	bundle, err := i18n.New()
	if err != nil {
		return err
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return err
	}
	perMinute := func(n int) rate.Limit {
		if n < 1 {
			n = 1
		}
		return rate.Every(time.Minute / time.Duration(n))
	}
	s.web = &web{
		sessions: sm,
		i18n:     bundle,
		tmpl:     tmpl,
		// Ten tries a minute from one address, five per account name: enough
		// for typing mistakes, far too few for guessing.
		loginByAddr:  newLimiterSet(perMinute(10), 10),
		loginByName:  newLimiterSet(perMinute(5), 5),
		publicByAddr: newLimiterSet(perMinute(s.opts.PublicRate), s.opts.PublicRate),
		statusByAddr: newLimiterSet(perMinute(10), 10),
	}
	return nil
}

// wrapWeb adds cross-origin request protection and session loading around
// the routes. Cross-origin protection rejects unsafe requests that a browser
// marks as coming from another site; non-browser API clients, which send no
// such headers, pass.
func (s *Server) wrapWeb(h http.Handler) http.Handler {
	if s.web == nil {
		return h
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"))
		if wantsHTML(r) {
			s.renderError(w, r, http.StatusForbidden, "error.cross_origin")
			return
		}
		s.jsonError(w, r, http.StatusForbidden, escudo.EFORBIDDEN, "error.cross_origin")
	}))
	mark := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionLoadedKey{}, true)))
	})
	web := cop.Handler(s.web.sessions.LoadAndSave(mark))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if deviceEndpoint(r) {
			h.ServeHTTP(w, r)
			return
		}
		web.ServeHTTP(w, r)
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

// currentUser returns the logged-in user of the request, loaded afresh from
// the store so that a disabled account or a changed role takes effect at
// once. A disabled user counts as logged out.
func (s *Server) currentUser(r *http.Request) *escudo.User {
	if u := escudo.UserFromContext(r.Context()); u != nil {
		return u
	}
	if s.web == nil || !hasSession(r) {
		return nil
	}
	id := s.web.sessions.GetInt64(r.Context(), sessionUserKey)
	if id == 0 {
		return nil
	}
	u, err := s.db.FindUserByID(r.Context(), id)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.ENOTFOUND {
			s.log.Error("load session user", "err", err)
		}
		return nil
	}
	if u.Disabled {
		return nil
	}
	return u
}

// sessionLoadedKey marks requests that passed the session middleware;
// scs panics when asked about a request that did not.
type sessionLoadedKey struct{}

func hasSession(r *http.Request) bool { return r.Context().Value(sessionLoadedKey{}) != nil }

// requireUser lets the request through only with a logged-in user holding
// one of roles (any role when none is given). Without a user, pages
// redirect to the login form and API calls get 401; with the wrong role,
// 403. The user travels in the request context for the layers below.
func (s *Server) requireUser(next http.HandlerFunc, roles ...escudo.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := s.currentUser(r)
		if u == nil {
			if wantsHTML(r) {
				target := "/login"
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					target += "?next=" + url.QueryEscape(r.URL.RequestURI())
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			s.jsonError(w, r, http.StatusUnauthorized, escudo.EUNAUTHORIZED, "error.unauthorized")
			return
		}
		if len(roles) > 0 && !hasRole(u, roles) {
			if wantsHTML(r) {
				s.renderError(w, r, http.StatusForbidden, "error.forbidden")
				return
			}
			s.jsonError(w, r, http.StatusForbidden, escudo.EFORBIDDEN, "error.forbidden")
			return
		}
		next(w, r.WithContext(escudo.NewContextWithUser(r.Context(), u)))
	}
}

func hasRole(u *escudo.User, roles []escudo.Role) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// wantsHTML tells browser page requests from API calls.
func wantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	accept := r.Header.Get("Accept")
	return accept == "" || strings.Contains(accept, "text/html") || strings.Contains(accept, "*/*") && !strings.Contains(accept, "application/json")
}

// completeLogin starts the session of a user whose credentials have been
// checked. A second factor, when required, is checked before this call.
// The token is renewed so a session fixed before login is worthless.
func (s *Server) completeLogin(w http.ResponseWriter, r *http.Request, u *escudo.User) {
	ctx := r.Context()
	if err := s.web.sessions.RenewToken(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.web.sessions.Put(ctx, sessionUserKey, u.ID)
	s.web.sessions.Put(ctx, sessionAuthKey, time.Now().Unix())
	if u.Locale != "" && s.web.i18n.Supported(u.Locale) {
		if _, err := r.Cookie(i18n.CookieName); err != nil {
			setLangCookie(w, u.Locale, s.opts.SecureCookies)
		}
	}
	http.Redirect(w, r, safeNext(r.FormValue("next"), "/queue"), http.StatusSeeOther)
}

// safeNext keeps redirects after login or a language switch on this site;
// anything else goes to fallback.
func safeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\\") {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}

// jsonError writes an API error with a translated message.
func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, status int, code, key string) {
	msg := key
	if s.web != nil {
		msg = s.web.i18n.ForRequest(r).T(key)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "key": key, "message": msg}})
}

// limiterSet keeps one token bucket per key (an address or an account
// name), forgetting keys idle for long enough that their bucket is full.
type limiterSet struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	m     map[string]*limiterEntry
	swept time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiterSet(limit rate.Limit, burst int) *limiterSet {
	if burst < 1 {
		burst = 1
	}
	return &limiterSet{limit: limit, burst: burst, m: map[string]*limiterEntry{}}
}

// allow takes one token for key.
func (l *limiterSet) allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// A bucket refills completely within burst/limit; after that its
		// entry carries no information.
		full := time.Duration(float64(l.burst)/float64(l.limit)*float64(time.Second)) + time.Second
		for k, e := range l.m {
			if now.Sub(e.seen) > full {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	e, ok := l.m[key]
	if !ok {
		e = &limiterEntry{lim: rate.NewLimiter(l.limit, l.burst)}
		l.m[key] = e
	}
	e.seen = now
	return e.lim.AllowN(now, 1)
}
