package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An API caller that gave up (a device timing out under load) is answered
// 503 without a body or a log line; an internal failure still logs.
func TestAPIErrorWhenTheCallerWentAway(t *testing.T) {
	var logs bytes.Buffer
	s := &Core{Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/api/v1/devices/1/alerts", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	s.APIError(w, r, ctx.Err())
	if w.Code != http.StatusServiceUnavailable || w.Body.Len() != 0 || logs.Len() != 0 {
		t.Fatalf("a cancelled request was answered %d %q or logged %q", w.Code, w.Body.String(), logs.String())
	}
	r = httptest.NewRequest("POST", "/api/v1/devices/1/alerts", nil)
	w = httptest.NewRecorder()
	s.APIError(w, r, errors.New("disk full"))
	if w.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "disk full") {
		t.Fatalf("a failure was answered %d or not logged (%q)", w.Code, logs.String())
	}
}
