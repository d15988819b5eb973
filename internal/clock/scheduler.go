// Package clock runs the legal-deadline scheduler: it sweeps the stored
// clocks, marks breaches, records them on the case timeline, notifies the
// assignee and supervisor, and escalates while a breach stays open. All
// state is in the database, so a restart loses nothing.
package clock

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"escudo/internal/store"
)

// Scheduler sweeps clocks. Sweep is the cluster job "clock.sweep" of the
// job runner (internal/jobs), run every clock_sweep of the configuration
// (default 30 s) by one node of the installation.
type Scheduler struct {
	DB       *store.DB
	Batch    int // clocks handled per sweep transaction; default 500
	breaches prometheus.Counter
	escal    prometheus.Counter
}

// Register adds the scheduler's metrics to reg.
func (s *Scheduler) Register(reg prometheus.Registerer) {
	s.breaches = prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_clock_breaches_total", Help: "Legal deadlines found breached."})
	s.escal = prometheus.NewCounter(prometheus.CounterOpts{Name: "escudo_clock_escalations_total", Help: "Escalations of breached deadlines."})
	reg.MustRegister(s.breaches, s.escal)
}

// Sweep handles every due clock now, in batches, and returns how many.
func (s *Scheduler) Sweep(ctx context.Context) (int, error) {
	batch := s.Batch
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		found, err := s.DB.SweepClocks(ctx, batch)
		if err != nil {
			return total, err
		}
		for _, b := range found {
			if b.Escalation == 0 {
				if s.breaches != nil {
					s.breaches.Inc()
				}
			} else if s.escal != nil {
				s.escal.Inc()
			}
		}
		total += len(found)
		if len(found) < batch {
			return total, nil
		}
	}
}
