package alert

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"escudo"
	"escudo/internal/store"
)

// Escalation runs as a cluster job of the job runner (internal/jobs, wired
// in cmd/escudo as "alert.escalate", every EscalateEvery): one node at a
// time reads the alerts whose acknowledgement time ran out from the
// database (indexed on next_escalation_at) and steps each to its next tier
// through the group-commit writer. No node keeps escalations in memory, so
// an alert taken by a node that then dies escalates on another, and a
// restart loses nothing.

// EscalateEvery is how often the escalation job runs: an alert escalates at
// most this long (plus the runner's poll) after its time ran out.
const EscalateEvery = time.Second

// escalateBatch bounds the alerts one pass steps; a storm is taken in
// several passes of one or a few commits each.
const escalateBatch = 1000

// EscalateDue escalates every alert whose acknowledgement time has run out
// at the pipeline's clock, and returns how many it escalated. The steps go
// through the group-commit writer together, so a storm of unacknowledged
// alerts escalates in a few commits instead of one fsync each, and does
// not starve the new alerts that share the writer.
func (p *Pipeline) EscalateDue(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := p.escalateBatch(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// escalateBatch steps one batch of due alerts; more reports a full batch.
func (p *Pipeline) escalateBatch(ctx context.Context) (int, bool, error) {
	due, err := p.db.EscalationsDue(ctx, p.now(), escalateBatch)
	if err != nil || len(due) == 0 {
		return 0, false, err
	}
	steps := make([]*escalation, len(due))
	for i, e := range due {
		st := &escalation{id: e.ID, from: e.Tier}
		st.it = &intake{actCtx: context.WithoutCancel(ctx), done: make(chan struct{}), act: func(ctx context.Context, tx *store.Tx) (*escudo.Alert, error) {
			return st.run(ctx, p, tx)
		}}
		steps[i] = st
	}
	queued := 0
	for _, st := range steps {
		select {
		case p.queue <- st.it:
			queued++
		case <-ctx.Done():
		}
	}
	n := 0
	var firstErr error
	for i, st := range steps {
		var err error
		if i < queued {
			select {
			case <-st.it.done:
				err = st.it.err
			case <-ctx.Done(): // stopping: the step may still commit
				err = ctx.Err()
			}
		} else {
			err = ctx.Err()
		}
		ok, err := p.afterEscalation(st, err)
		if err != nil {
			// Still due in the database: the next pass tries again.
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if ok {
			n++
		}
	}
	return n, len(due) == escalateBatch && firstErr == nil, firstErr
}

var errStale = errors.New("alert: escalation step already taken")

// escalation is one step of one alert from tier from to the next.
type escalation struct {
	id    int64
	from  int
	it    *intake
	a     *escudo.Alert
	notes []store.Notification
	next  time.Time
}

// run notifies the next tier of the alert if it is still open at tier
// from; the conditional update makes the step happen once across nodes.
func (st *escalation) run(ctx context.Context, p *Pipeline, tx *store.Tx) (*escudo.Alert, error) {
	a, err := tx.AlertForUpdate(ctx, st.id)
	if err != nil {
		return nil, err
	}
	st.a = a
	if a.Status != escudo.AlertOpen || a.Tier != st.from {
		return a, errStale
	}
	to := st.from + 1
	notes, err := p.notify(ctx, tx, a, to, recipientCache{})
	if err != nil {
		return nil, err
	}
	if len(notes) > 0 {
		if notes, err = tx.EnqueueBatch(ctx, notes, p.opts.Hold); err != nil {
			return nil, err
		}
	}
	next := tx.Now().Add(time.Duration(p.policy.Tier(to).AckTimeout))
	ok, err := tx.SetAlertTier(ctx, st.id, st.from, to, &next)
	if err != nil {
		return nil, err
	}
	if !ok {
		return a, errStale
	}
	a.Tier = to
	if err := tx.AlertEvent(ctx, st.id, store.AlertEventEscalated, strconv.Itoa(to)+":"+p.policy.Tier(to).Name); err != nil {
		return nil, err
	}
	if err := tx.Audit(ctx, store.AuditEntry{Action: "alert.escalate", ObjectType: "alert", ObjectID: strconv.FormatInt(st.id, 10), Fields: "tier"}); err != nil {
		return nil, err
	}
	st.notes, st.next = notes, next
	return a, nil
}

// afterEscalation follows a committed (or refused) step: the next tier is
// paged; a step taken elsewhere or a vanished alert is left alone.
func (p *Pipeline) afterEscalation(st *escalation, err error) (bool, error) {
	a := st.a
	if errors.Is(err, errStale) {
		return false, nil
	}
	if err != nil {
		if escudo.ErrorCode(err) == escudo.ENOTFOUND {
			return false, nil
		}
		return false, fmt.Errorf("alert: escalate %d: %w", st.id, err)
	}
	p.m.escalated.Inc()
	p.handoff(st.notes, nil)
	p.publish(Change{AlertID: st.id, Kind: store.AlertEventEscalated, Tier: a.Tier, Type: a.Type, Entity: a.Entity})
	return true, nil
}
