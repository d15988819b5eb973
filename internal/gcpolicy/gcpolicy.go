// Package gcpolicy sets the server's garbage collector and relaxes it while
// alerts queue for the database.
//
// In steady state the collector runs at half again the live heap with a
// soft limit of 110 MiB, which keeps 100,000 supervised devices under their
// memory budget (docs/benchmarks.md, "Rapid response"). That setting is a
// trap when alerts queue: every waiting request adds to the live heap, the
// heap nears the limit, and the collector runs nearly all the time (61 % of
// the server's CPU in a profile of one PostgreSQL node at 500 alerts/s),
// taking the CPU the writer needs to drain the queue, so the queue grows
// further. While the alert writer's queue is long, the Governor spends
// memory instead (collection at three times the live heap, limit 1 GiB),
// and goes back to the steady setting once the queue has stayed short for
// a while. An operator's GOGC or GOMEMLIMIT is left alone.
package gcpolicy

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"
	"time"
)

// Settings are the collector's target percentage and soft memory limit.
type Settings struct {
	Percent int
	Limit   int64
}

var (
	// Steady is the setting without a queue.
	Steady = Settings{Percent: 50, Limit: 110 << 20}
	// Backlog is the setting while alerts queue.
	Backlog = Settings{Percent: 200, Limit: 1 << 30}
)

// Governor decides, from the alert writer's queue length sampled over time,
// which Settings apply. It is pure: Run applies its decisions.
type Governor struct {
	Enter int           // queue length that starts a backlog; default 64
	Exit  int           // queue length below which it may end; default 8
	Calm  time.Duration // how long the queue must stay below Exit; default 10s

	backlog bool
	calmFor time.Time // since when the queue has been below Exit (zero: not)
}

func (g *Governor) defaults() {
	if g.Enter <= 0 {
		g.Enter = 64
	}
	if g.Exit <= 0 {
		g.Exit = 8
	}
	if g.Calm <= 0 {
		g.Calm = 10 * time.Second
	}
}

// Observe takes one sample of the queue length at now and returns the
// settings that apply and whether they changed with this sample.
func (g *Governor) Observe(queue int, now time.Time) (Settings, bool) {
	g.defaults()
	was := g.backlog
	switch {
	case queue >= g.Enter:
		g.backlog, g.calmFor = true, time.Time{}
	case !g.backlog:
	case queue >= g.Exit:
		g.calmFor = time.Time{}
	case g.calmFor.IsZero():
		g.calmFor = now
	case now.Sub(g.calmFor) >= g.Calm:
		g.backlog, g.calmFor = false, time.Time{}
	}
	s := Steady
	if g.backlog {
		s = Backlog
	}
	return s, g.backlog != was
}

// Operator reports whether the operator set the collector (GOGC or
// GOMEMLIMIT in the environment): then nothing here changes it.
func Operator() bool { return os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" }

// Apply sets s in the runtime.
func Apply(s Settings) {
	debug.SetGCPercent(s.Percent)
	debug.SetMemoryLimit(s.Limit)
}

// Run samples queue every interval until ctx ends, applying the Governor's
// decisions and logging each change at info level (rare: a backlog starts
// or ends). It returns at once when the operator set the collector.
func Run(ctx context.Context, queue func() int, interval time.Duration, log *slog.Logger) {
	if Operator() {
		return
	}
	g := &Governor{}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			n := queue()
			if s, changed := g.Observe(n, now); changed {
				Apply(s)
				log.Info("garbage collector set for the alert queue", "queued", n, "gc_percent", s.Percent, "memory_limit_mib", s.Limit>>20)
			}
		}
	}
}
