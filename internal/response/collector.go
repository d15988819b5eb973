// Package response measures how fast alerts are answered: it turns the
// alerts' timed steps (stored by the alert pipeline) into Prometheus
// histograms per federal entity and agency, and keeps the share of alerts
// meeting the targets (90% acknowledged within 15 s, 90% dispatched within
// 64 s) on /metrics. It reads the database, so it sees the steps taken on
// every node, and it adds no work to the alert path.
package response

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"escudo/internal/store"
)

// Collector polls the alerts' step times.
type Collector struct {
	DB       *store.DB
	Now      func() time.Time
	Log      *slog.Logger
	Interval time.Duration // default 10 s
	// Lag leaves recent steps for the next poll, so a transaction that
	// committed late with an earlier timestamp is not missed; default 2 s.
	Lag time.Duration

	ack, dispatch, resolve, notify *prometheus.HistogramVec
	ackShare, dispatchShare        *prometheus.GaugeVec
	last                           time.Time
	lastReport                     time.Time
}

// NewCollector returns a collector whose metrics are registered on reg.
func NewCollector(db *store.DB, reg prometheus.Registerer) *Collector {
	c := &Collector{DB: db}
	c.ack = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "escudo_alert_time_to_acknowledge_seconds",
		Help:    "Time from an alert's reception to an operator's acknowledgement (tests and drills excluded).",
		Buckets: []float64{1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1800}}, []string{"entity"})
	c.dispatch = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "escudo_alert_time_to_dispatch_seconds",
		Help:    "Time from an alert's reception to the dispatch of help, by dispatching agency.",
		Buckets: []float64{5, 10, 20, 30, 45, 64, 90, 120, 300, 600, 1800, 3600}}, []string{"entity", "agency"})
	c.resolve = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "escudo_alert_time_to_resolve_seconds",
		Help:    "Time from an alert's reception to its resolution.",
		Buckets: []float64{60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200}}, []string{"entity", "agency"})
	c.notify = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "escudo_alert_time_to_first_notification_seconds",
		Help:    "Time from an alert's reception to its first delivered notification.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30}}, []string{"entity"})
	c.ackShare = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "escudo_alert_ack_within_target_ratio",
		Help: "Share of the last 30 days' alerts acknowledged within 15 s (target 0.9); entity \"all\" for the whole country."}, []string{"entity"})
	c.dispatchShare = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "escudo_alert_dispatch_within_target_ratio",
		Help: "Share of the last 30 days' alerts dispatched within 64 s (target 0.9)."}, []string{"entity"})
	if reg != nil {
		reg.MustRegister(c.ack, c.dispatch, c.resolve, c.notify, c.ackShare, c.dispatchShare)
	}
	return c
}

func (c *Collector) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Poll observes the steps taken since the last poll (since start on the
// first) and, once a minute, refreshes the target shares.
func (c *Collector) Poll(ctx context.Context) error {
	lag := c.Lag
	if lag <= 0 {
		lag = 2 * time.Second
	}
	to := c.now().Add(-lag)
	if c.last.IsZero() {
		c.last = to
		return nil
	}
	if !to.After(c.last) {
		return nil
	}
	evs, err := c.DB.ResponseEventsBetween(ctx, c.last, to)
	if err != nil {
		return err
	}
	c.last = to
	for _, e := range evs {
		if e.Test {
			continue
		}
		switch e.Step {
		case "acknowledge":
			c.ack.WithLabelValues(e.Entity).Observe(e.Seconds)
		case "dispatch":
			c.dispatch.WithLabelValues(e.Entity, e.Agency).Observe(e.Seconds)
		case "resolve":
			c.resolve.WithLabelValues(e.Entity, e.Agency).Observe(e.Seconds)
		case "notify":
			c.notify.WithLabelValues(e.Entity).Observe(e.Seconds)
		}
	}
	if c.now().Sub(c.lastReport) >= time.Minute {
		c.lastReport = c.now()
		rep, err := c.DB.ResponseTimes(ctx, store.ResponseFilter{})
		if err != nil {
			return err
		}
		set := func(entity string, st store.ResponseStats) {
			if st.AckWithinTarget >= 0 {
				c.ackShare.WithLabelValues(entity).Set(st.AckWithinTarget)
			}
			if st.DispatchWithinTarget >= 0 {
				c.dispatchShare.WithLabelValues(entity).Set(st.DispatchWithinTarget)
			}
		}
		set("all", rep.Total)
		for _, st := range rep.Entities {
			set(st.Entity, st)
		}
	}
	return nil
}
