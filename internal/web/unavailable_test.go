package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"escudo"
)

// A request that failed because the database is away is answered 503
// "unavailable" with Retry-After, in the API's error shape, and logged at
// most once a second; any other failure stays a 500.
func TestAPIErrorDatabaseUnavailable(t *testing.T) {
	unavailableLog.mu.Lock()
	unavailableLog.last, unavailableLog.skipped = time.Time{}, 0
	unavailableLog.mu.Unlock()
	var logs bytes.Buffer
	s := &Core{Log: slog.New(slog.NewTextHandler(&logs, nil))}
	down := fmt.Errorf("store: begin: %w", context.DeadlineExceeded)
	for range 5 {
		w := httptest.NewRecorder()
		s.APIError(w, httptest.NewRequest("POST", "/api/v1/devices/1/alerts", nil), down)
		var body APIErrorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if w.Code != http.StatusServiceUnavailable || body.Error.Code != escudo.EUNAVAILABLE || body.Error.Key != "error.unavailable" || w.Header().Get("Retry-After") == "" {
			t.Fatalf("database away: %d %+v %v", w.Code, body, w.Header())
		}
	}
	if n := strings.Count(logs.String(), "database unavailable"); n != 1 {
		t.Fatalf("5 refusals in a burst logged %d times, want once:\n%s", n, logs.String())
	}
	w := httptest.NewRecorder()
	s.APIError(w, httptest.NewRequest("GET", "/api/v1/cases", nil), errors.New("disk full"))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("another failure answered %d, want 500", w.Code)
	}
}
