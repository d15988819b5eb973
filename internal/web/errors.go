package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"escudo"
	"escudo/internal/store"
)

// APIErrorBody is the one error shape of the JSON API.
type APIErrorBody struct {
	Error APIErrorDetail `json:"error"`
}

type APIErrorDetail struct {
	Code    string          `json:"code"`    // escudo error code: invalid, not_found, ...
	Key     string          `json:"key"`     // translation key, stable for clients
	Message string          `json:"message"` // in the caller's language
	Fields  []APIFieldError `json:"fields,omitempty"`
}

type APIFieldError struct {
	Field   string `json:"field"` // JSON path of the input, e.g. person.name
	Code    string `json:"code"`  // translation key, e.g. validation.required
	Message string `json:"message"`
}

// apiError writes err in the API's error shape. Internal errors are logged
// and shown only as a generic message.
func (s *Core) APIError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// The caller gave up (a device timing out under load): there is no
		// one to answer, and a log line each would flood the log just when
		// the server is busiest. The request metrics count the 503.
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	status := http.StatusBadRequest
	body := APIErrorDetail{Code: escudo.EINVALID}
	var e *escudo.Error
	isErr := errors.As(err, &e)
	v, isValidation := escudo.AsValidation(err)
	switch {
	case errors.Is(err, ErrUnsupportedMedia):
		status, body.Key = http.StatusUnsupportedMediaType, e.Key
	case errors.Is(err, ErrMethodNotAllowed):
		status, body.Code, body.Key = http.StatusMethodNotAllowed, e.Code, e.Key
	case isErr && e.Field == "":
		status, body.Code, body.Key = HTTPStatus(e.Code), e.Code, e.Key
		body.Message = s.APIText(r, e.Key, e.Args)
	case store.IsUnavailable(err):
		// The database is away (restarting, unreachable): a clear "try
		// again", logged once a second at most, not a 500 per request.
		status, body.Code, body.Key = http.StatusServiceUnavailable, escudo.EUNAVAILABLE, "error.unavailable"
		w.Header().Set("Retry-After", "1")
		s.logUnavailable(r, err)
	case isValidation:
		body.Key = "error.invalid_input"
		// Checks run over maps in places; sorting keeps answers identical.
		v = slices.Clone(v)
		slices.SortStableFunc(v, func(a, b *escudo.Error) int { return strings.Compare(a.Field, b.Field) })
		for _, fe := range v {
			body.Fields = append(body.Fields, APIFieldError{Field: fe.Field, Code: fe.Key, Message: s.APIFieldText(r, fe)})
		}
	default:
		status, body.Code, body.Key = http.StatusInternalServerError, escudo.EINTERNAL, "error.internal"
	}
	if status == http.StatusInternalServerError {
		// Never show the cause: it may name tables, keys or data.
		s.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Code, body.Key = escudo.EINTERNAL, "error.internal"
	}
	if body.Message == "" || status == http.StatusInternalServerError {
		body.Message = s.APIText(r, body.Key, nil)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="escudo"`)
	}
	WriteJSON(w, status, APIErrorBody{Error: body})
}

// apiNotFound answers unknown case or person ids, including malformed ones.
func (s *Core) APINotFound(w http.ResponseWriter, r *http.Request) {
	s.APIError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.not_found"))
}

// HTTPStatus maps error codes to status codes.
func HTTPStatus(code string) int {
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
	case escudo.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteJSON writes v with the status code.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// ErrMethodNotAllowed answers a known path with the wrong method (405).
var ErrMethodNotAllowed = &escudo.Error{Code: "method_not_allowed", Key: "error.method_not_allowed"}

// unavailableLog limits the log lines of requests refused while the
// database is away: one a second, with the number refused since the last.
var unavailableLog struct {
	mu      sync.Mutex
	last    time.Time
	skipped int
}

func (s *Core) logUnavailable(r *http.Request, err error) {
	u := &unavailableLog
	u.mu.Lock()
	now := time.Now()
	if now.Sub(u.last) < time.Second {
		u.skipped++
		u.mu.Unlock()
		return
	}
	skipped := u.skipped
	u.last, u.skipped = now, 0
	u.mu.Unlock()
	s.Log.Warn("requests refused: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err, "refused_since_last_line", skipped)
}
