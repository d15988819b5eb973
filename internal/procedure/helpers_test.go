package procedure_test

import (
	"errors"
	"testing"
	"time"

	"escudo"
)

var (
	received = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	now      = received.Add(48 * time.Hour)
)

// want is the exact error a rule must return; the zero value means none.
type want struct {
	code, key, field string
}

func (w want) check(t *testing.T, err error) {
	t.Helper()
	if w == (want{}) {
		if err != nil {
			t.Fatalf("want no error, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want %s %s (%s), got no error", w.code, w.key, w.field)
	}
	var e *escudo.Error
	if v, ok := escudo.AsValidation(err); ok && len(v) > 0 {
		if len(v) != 1 {
			t.Fatalf("want one error, got %v", v)
		}
		e = v[0]
	} else if !errors.As(err, &e) {
		t.Fatalf("want an *escudo.Error, got %T %v", err, err)
	}
	if e.Code != w.code || e.Key != w.key || e.Field != w.field {
		t.Fatalf("want %s %s (%s), got %s %s (%s)", w.code, w.key, w.field, e.Code, e.Key, e.Field)
	}
}

// noErr expects no error.
var noErr want

func invalid(field, key string) want { return want{escudo.EINVALID, key, field} }
func conflict(key string) want       { return want{escudo.ECONFLICT, key, ""} }
