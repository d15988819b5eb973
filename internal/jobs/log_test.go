package jobs

import (
	"context"
	"log/slog"
	"sync"
	"testing"
)

type records struct {
	mu   sync.Mutex
	msgs []slog.Record
}

func (h *records) Enabled(context.Context, slog.Level) bool { return true }
func (h *records) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *records) WithGroup(string) slog.Handler            { return h }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r)
	h.mu.Unlock()
	return nil
}

// A repeated error (the database away) is logged once per message and job
// every ten seconds, then with how many were left out; different jobs and
// messages each get their line.
func TestRepeatedErrorsAreThrottled(t *testing.T) {
	h := &records{}
	r := &Runner{log: slog.New(h), logged: map[string]*logged{}}
	for range 50 {
		r.logError("jobs: read schedules", "err", "connection refused")
		r.logError("job failed", "job", "clock.sweep", "err", "connection refused")
		r.logError("job failed", "job", "alert.escalate", "err", "connection refused")
	}
	if len(h.msgs) != 3 {
		t.Fatalf("%d lines for 150 errors of 3 kinds, want 3", len(h.msgs))
	}
	// Ten seconds later the next one is logged with the count left out.
	r.logged["jobs: read schedules"].at = r.logged["jobs: read schedules"].at.Add(-logEvery)
	r.logError("jobs: read schedules", "err", "connection refused")
	if len(h.msgs) != 4 {
		t.Fatalf("%d lines after ten seconds, want 4", len(h.msgs))
	}
	var missed int64
	h.msgs[3].Attrs(func(a slog.Attr) bool {
		if a.Key == "like_it_since_last" {
			missed = a.Value.Int64()
		}
		return true
	})
	if missed != 49 {
		t.Fatalf("the line says %d left out, want 49", missed)
	}
}
