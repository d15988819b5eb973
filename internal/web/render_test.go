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

// A request whose browser went away gets no answer and no error in the log
// (its queries failed because it was cancelled); any other failure is logged
// and answered with the generic error.
func TestServerErrorWhenTheClientWentAway(t *testing.T) {
	var logs bytes.Buffer
	s := &Core{Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/console?fragment=1", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	s.ServerError(w, r, ctx.Err())
	if w.Body.Len() != 0 || w.Code != http.StatusOK || logs.Len() != 0 {
		t.Fatalf("a cancelled request was answered (%d %q) or logged (%q)", w.Code, w.Body.String(), logs.String())
	}
	r = httptest.NewRequest("GET", "/console", nil)
	w = httptest.NewRecorder()
	s.ServerError(w, r, errors.New("disk full"))
	if w.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "disk full") {
		t.Fatalf("a failure was not answered 500 (%d) or not logged (%q)", w.Code, logs.String())
	}
}
