// Package escudo holds the domain of the protection mechanism: people, cases,
// clocks, users and the service interfaces that the technology packages under
// internal/ implement. It imports nothing outside the standard library.
package escudo

import (
	"errors"
	"fmt"
)

// Error codes, mapped to HTTP status codes at the boundary.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOMANY      = "too_many_requests"
	EINTERNAL     = "internal"
	// EUNAVAILABLE: a part the request needs (the database) is away for
	// now; the request may be sent again.
	EUNAVAILABLE = "unavailable"
)

// Error is an application error. Key is a translation key shown to users;
// Field names the offending input field, when there is one; Args fill the
// translated message.
type Error struct {
	Code  string
	Key   string
	Field string
	Args  map[string]any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("escudo: %s: %s (%s)", e.Code, e.Key, e.Field)
	}
	return fmt.Sprintf("escudo: %s: %s", e.Code, e.Key)
}

// Errorf returns an *Error with the given code and translation key.
func Errorf(code, key string) *Error { return &Error{Code: code, Key: key} }

// FieldError returns a validation error for one field.
func FieldError(field, key string, args map[string]any) *Error {
	return &Error{Code: EINVALID, Key: key, Field: field, Args: args}
}

// ErrorCode returns the code of err, or EINTERNAL when err carries none.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorKey returns the translation key of err, or "error.internal".
func ErrorKey(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Key
	}
	return "error.internal"
}

// ValidationErrors gathers every field error of one input so a form can show
// them all at once.
type ValidationErrors []*Error

func (v ValidationErrors) Error() string {
	if len(v) == 0 {
		return "escudo: no validation errors"
	}
	return fmt.Sprintf("escudo: %d invalid fields, first: %s", len(v), v[0].Error())
}

// Add appends a field error.
func (v *ValidationErrors) Add(field, key string, args map[string]any) {
	*v = append(*v, FieldError(field, key, args))
}

// Err returns nil when there are no errors.
func (v ValidationErrors) Err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}

// AsValidation extracts field errors from err.
func AsValidation(err error) (ValidationErrors, bool) {
	var v ValidationErrors
	if errors.As(err, &v) {
		return v, true
	}
	var e *Error
	if errors.As(err, &e) && e.Code == EINVALID {
		return ValidationErrors{e}, true
	}
	return nil, false
}
