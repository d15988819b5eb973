package http

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"escudo"
)

// apiErrorBody is the one error shape of the JSON API.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string          `json:"code"`    // escudo error code: invalid, not_found, ...
	Key     string          `json:"key"`     // translation key, stable for clients
	Message string          `json:"message"` // in the caller's language
	Fields  []apiFieldError `json:"fields,omitempty"`
}

type apiFieldError struct {
	Field   string `json:"field"` // JSON path of the input, e.g. person.name
	Code    string `json:"code"`  // translation key, e.g. validation.required
	Message string `json:"message"`
}

// apiError writes err in the API's error shape. Internal errors are logged
// and shown only as a generic message.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	body := apiErrorDetail{Code: escudo.EINVALID}
	var e *escudo.Error
	isErr := errors.As(err, &e)
	v, isValidation := escudo.AsValidation(err)
	switch {
	case errors.Is(err, errUnsupportedMedia):
		status, body.Key = http.StatusUnsupportedMediaType, e.Key
	case errors.Is(err, errMethodNotAllowed):
		status, body.Code, body.Key = http.StatusMethodNotAllowed, e.Code, e.Key
	case isErr && e.Field == "":
		status, body.Code, body.Key = httpStatus(e.Code), e.Code, e.Key
		body.Message = s.apiText(r, e.Key, e.Args)
	case isValidation:
		body.Key = "error.invalid_input"
		// Checks run over maps in places; sorting keeps answers identical.
		v = slices.Clone(v)
		slices.SortStableFunc(v, func(a, b *escudo.Error) int { return strings.Compare(a.Field, b.Field) })
		for _, fe := range v {
			body.Fields = append(body.Fields, apiFieldError{Field: fe.Field, Code: fe.Key, Message: s.apiFieldText(r, fe)})
		}
	default:
		status, body.Code, body.Key = http.StatusInternalServerError, escudo.EINTERNAL, "error.internal"
	}
	if status == http.StatusInternalServerError {
		// Never show the cause: it may name tables, keys or data.
		s.log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Code, body.Key = escudo.EINTERNAL, "error.internal"
	}
	if body.Message == "" || status == http.StatusInternalServerError {
		body.Message = s.apiText(r, body.Key, nil)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="escudo"`)
	}
	writeJSON(w, status, apiErrorBody{Error: body})
}

// apiNotFound answers unknown case or person ids, including malformed ones.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.apiError(w, r, escudo.Errorf(escudo.ENOTFOUND, "error.not_found"))
}
