// Package drill runs drills: test alerts sent through the whole response
// chain (durable store, routing, notification delivery, an operator's
// acknowledgement), timed at each step and kept as results. Drills run on
// demand (escudo drill, POST /api/v1/drills) and on a schedule, so that every
// device's chain is exercised regularly.
package drill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/store"
)

// Runner starts drills and follows them until they are answered.
type Runner struct {
	DB     *store.DB
	Alerts *alert.Pipeline
	Now    func() time.Time
	Log    *slog.Logger
	// Timeout closes a drill nobody acknowledged; default 15 minutes.
	Timeout time.Duration
	// Every, when positive, drills each enabled device this often.
	Every time.Duration
	// PerRound bounds the scheduled drills started at once; default 20, so
	// that duty operators are not flooded with test alerts.
	PerRound int
	// Poll is how often running drills are followed; default 1 s.
	Poll time.Duration
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// MaxDevices bounds one request for drills.
const MaxDevices = 500

// Start raises a test alert for each device, in the beneficiary's name and
// marked as a drill, and records one drill per device. The alert names no
// device on purpose: a drill tests escudo's chain, not the device, so it
// must not count as the device's own test.
func (r *Runner) Start(ctx context.Context, deviceIDs []int64) ([]*store.Drill, error) {
	if r.Alerts == nil {
		return nil, errors.New("drill: no alert pipeline")
	}
	if len(deviceIDs) == 0 {
		return nil, escudo.FieldError("devices", "validation.required", nil)
	}
	if len(deviceIDs) > MaxDevices {
		return nil, escudo.FieldError("devices", "validation.too_many", map[string]any{"Max": MaxDevices})
	}
	out := make([]*store.Drill, 0, len(deviceIDs))
	for _, id := range deviceIDs {
		dev, err := r.DB.FindDeviceByID(ctx, id)
		if err != nil {
			return out, err
		}
		d, err := r.DB.StartDrill(ctx, id, r.now())
		if err != nil {
			return out, err
		}
		a, err := r.Alerts.Raise(ctx, escudo.AlertInput{
			PersonID: dev.PersonID, Type: escudo.AlertTest, Source: escudo.SourceDrill, ReceivedAt: d.StartedAt,
			Note:     fmt.Sprintf("Simulacro: dispositivo %d (%s). Drill for device %d.", dev.ID, dev.Kind, dev.ID),
			DedupKey: fmt.Sprintf("drill:%d", d.ID),
		})
		failure, storedAt := "", time.Time{}
		if err != nil {
			failure = escudo.ErrorKey(err)
			r.log().Error("drill alert", "device", id, "err", err)
			d.Status, d.Error = store.DrillFailed, failure
		} else {
			d.AlertID = a.ID
			storedAt = a.StoredAt
			d.StoredAt = &storedAt
		}
		if err := r.DB.DrillRaised(ctx, d.ID, d.AlertID, storedAt, failure); err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Track follows running drills once (the cluster job "drill.track",
// every second): it copies their alerts' notification
// and acknowledgement times and closes the answered or timed-out ones.
func (r *Runner) Track(ctx context.Context) ([]store.Drill, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	return r.DB.TrackDrills(ctx, r.now(), timeout)
}

// ScheduleRound starts drills for devices not drilled within Every: the
// cluster job "drill.schedule" of the job runner, hourly.
func (r *Runner) ScheduleRound(ctx context.Context) (int, error) {
	if r.Every <= 0 {
		return 0, nil
	}
	per := r.PerRound
	if per <= 0 {
		per = 20
	}
	ids, err := r.DB.DevicesDueForDrill(ctx, r.now().Add(-r.Every), per)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	ds, err := r.Start(ctx, ids)
	return len(ds), err
}
