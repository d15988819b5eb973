package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"escudo"
)

// Session timeouts: a staff session dies after 30 idle minutes and after 12
// hours in any case, so a forgotten browser at a shared desk closes itself.
const (
	SessionIdle     = 30 * time.Minute
	SessionAbsolute = 12 * time.Hour
	SessionCookie   = "escudo_session"
	SessionUserKey  = "uid"
	SessionAuthKey  = "auth_at"
)

// StaffRoles are the roles that work cases through the web interface.
var StaffRoles = []escudo.Role{escudo.RoleReception, escudo.RoleDuty, escudo.RoleAnalyst,
	escudo.RoleFollowUp, escudo.RoleCoordinator, escudo.RoleAdmin}

// currentUser returns the logged-in user of the request, loaded afresh from
// the store so that a disabled account or a changed role takes effect at
// once. A disabled user counts as logged out.
func (s *Core) CurrentUser(r *http.Request) *escudo.User {
	if u := escudo.UserFromContext(r.Context()); u != nil {
		return u
	}
	if s.I18n == nil || !HasSession(r) {
		return nil
	}
	id := s.Sessions.GetInt64(r.Context(), SessionUserKey)
	if id == 0 || !s.sessionFresh(r) {
		return nil
	}
	u, err := s.DB.FindUserByID(r.Context(), id)
	if err != nil {
		if escudo.ErrorCode(err) != escudo.ENOTFOUND {
			s.Log.Error("load session user", "err", err)
		}
		return nil
	}
	if u.Disabled {
		return nil
	}
	return u
}

// SessionLoadedKey marks requests that passed the session middleware;
// scs panics when asked about a request that did not.
type SessionLoadedKey struct{}

func HasSession(r *http.Request) bool { return r.Context().Value(SessionLoadedKey{}) != nil }

// requireUser lets the request through only with a logged-in user holding
// one of roles (any role when none is given). Without a user, pages
// redirect to the login form and API calls get 401; with the wrong role,
// 403. The user travels in the request context for the layers below.
func (s *Core) RequireUser(next http.HandlerFunc, roles ...escudo.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := s.CurrentUser(r)
		if u == nil {
			if LiveRequest(r) {
				// A page's script asking for fresh data: a login page in
				// its place would hide what the page already shows.
				w.Header().Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if WantsHTML(r) {
				target := "/login"
				if r.Method == http.MethodGet || r.Method == http.MethodHead {
					target += "?next=" + url.QueryEscape(r.URL.RequestURI())
				}
				http.Redirect(w, r, target, http.StatusSeeOther)
				return
			}
			s.JSONError(w, r, http.StatusUnauthorized, escudo.EUNAUTHORIZED, "error.unauthorized")
			return
		}
		if len(roles) > 0 && !HasRole(u, roles) {
			if WantsHTML(r) {
				s.RenderError(w, r, http.StatusForbidden, "error.forbidden")
				return
			}
			s.JSONError(w, r, http.StatusForbidden, escudo.EFORBIDDEN, "error.forbidden")
			return
		}
		if u.MustChangePassword && r.URL.Path != PasswordPath && r.URL.Path != "/logout" {
			// An administrator set this password: the person chooses their
			// own before anything else opens.
			if LiveRequest(r) || !WantsHTML(r) {
				s.JSONError(w, r, http.StatusForbidden, escudo.EFORBIDDEN, "error.password_change_first")
				return
			}
			http.Redirect(w, r, PasswordPath, http.StatusSeeOther)
			return
		}
		next(w, r.WithContext(escudo.NewContextWithUser(r.Context(), u)))
	}
}

// PasswordPath is where an account chooses its password.
const PasswordPath = "/account/password"

func HasRole(u *escudo.User, roles []escudo.Role) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// LiveRequest tells a page's own script refreshing part of the page (the
// duty console's list and heartbeat) from a person opening a page.
func LiveRequest(r *http.Request) bool {
	return r.Header.Get("X-Escudo-Live") == "1" || r.URL.Query().Get("fragment") == "1"
}

// WantsHTML tells browser page requests from API calls.
func WantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return false
	}
	accept := r.Header.Get("Accept")
	return accept == "" || strings.Contains(accept, "text/html") || strings.Contains(accept, "*/*") && !strings.Contains(accept, "application/json")
}

// SafeNext keeps redirects after login or a language switch on this site;
// anything else goes to fallback.
func SafeNext(next, fallback string) string {
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
func (s *Core) JSONError(w http.ResponseWriter, r *http.Request, status int, code, key string) {
	msg := key
	if s.I18n != nil {
		msg = s.I18n.ForRequest(r).T(key)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "key": key, "message": msg}})
}

// LimiterSet keeps one token bucket per key (an address or an account
// name), forgetting keys idle for long enough that their bucket is full.
type LimiterSet struct {
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

func NewLimiterSet(limit rate.Limit, burst int) *LimiterSet {
	if burst < 1 {
		burst = 1
	}
	return &LimiterSet{limit: limit, burst: burst, m: map[string]*limiterEntry{}}
}

// allow takes one token for key.
func (l *LimiterSet) Allow(key string) bool {
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

// ReauthWindow is how long a proof of identity counts as recent.
const ReauthWindow = 5 * time.Minute

// RecentlyAuthenticated reports whether the session's user proved who they
// are (password or second factor) within the last few minutes: needed
// before exports and before an address or safe-house data is shown.
func (s *Core) RecentlyAuthenticated(r *http.Request) bool {
	if !HasSession(r) {
		return false
	}
	at := s.Sessions.GetInt64(r.Context(), SessionAuthKey)
	window := s.Opts.ReauthWindow
	if window <= 0 {
		window = ReauthWindow
	}
	return at != 0 && time.Since(time.Unix(at, 0)) <= window
}
