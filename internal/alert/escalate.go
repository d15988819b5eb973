package alert

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"escudo"
	"escudo/internal/store"
)

// scheduler holds the open, unacknowledged alerts and when each escalates
// next. Acknowledged alerts leave the index at once; their heap entries are
// skipped when they come due, so memory is bounded by the alerts awaiting
// acknowledgement plus at most one tier's timeout of stale entries.
type scheduler struct {
	mu   sync.Mutex
	h    dueHeap
	open map[int64]int // alert id -> tier it is waiting on
	wake chan struct{}
}

type dueEntry struct {
	due  time.Time
	id   int64
	tier int
}

type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func newScheduler() *scheduler {
	return &scheduler{open: map[int64]int{}, wake: make(chan struct{}, 1)}
}

func (s *scheduler) add(id int64, tier int, due time.Time) {
	s.mu.Lock()
	if cur, ok := s.open[id]; ok && cur > tier {
		s.mu.Unlock()
		return
	}
	s.open[id] = tier
	heap.Push(&s.h, dueEntry{due: due, id: id, tier: tier})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *scheduler) remove(id int64) {
	s.mu.Lock()
	delete(s.open, id)
	s.mu.Unlock()
}

func (s *scheduler) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.open)
}

// popDue removes and returns the entries due at now that are still current.
func (s *scheduler) popDue(now time.Time) []dueEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dueEntry
	for s.h.Len() > 0 && !s.h[0].due.After(now) {
		e := heap.Pop(&s.h).(dueEntry)
		if tier, ok := s.open[e.id]; ok && tier == e.tier {
			out = append(out, e)
		}
	}
	// Stale entries of acknowledged alerts would otherwise wait for their
	// due time; compact when they dominate.
	if s.h.Len() > 1024 && s.h.Len() > 4*len(s.open) {
		live := s.h[:0]
		for _, e := range s.h {
			if tier, ok := s.open[e.id]; ok && tier == e.tier {
				live = append(live, e)
			}
		}
		s.h = live
		heap.Init(&s.h)
	}
	return out
}

// next returns the earliest due time, if any.
func (s *scheduler) next() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.h.Len() == 0 {
		return time.Time{}, false
	}
	return s.h[0].due, true
}

// loadOpen fills the scheduler from the database at start-up.
func (p *Pipeline) loadOpen(ctx context.Context) error {
	due, err := p.db.EscalationsDue(ctx, p.now().Add(100*365*24*time.Hour), 1_000_000)
	if err != nil {
		return fmt.Errorf("alert: load open alerts: %w", err)
	}
	for _, d := range due {
		p.sched.add(d.ID, d.Tier, d.Due)
	}
	return nil
}

// escalationLoop fires escalations as they come due and sweeps the database
// for those it does not know about.
func (p *Pipeline) escalationLoop(ctx context.Context) {
	sweep := time.NewTicker(p.opts.SweepInterval)
	defer sweep.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if n, err := p.EscalateDue(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("alert escalation", "err", err)
		} else if n > 0 {
			// Counted in escudo_alert_escalations_total; under load this
			// runs at every commit, too often for a line at info level.
			p.log.Debug("alerts escalated", "count", n)
		}
		wait := time.Hour
		if due, ok := p.sched.next(); ok {
			wait = max(due.Sub(p.now()), time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-p.sched.wake:
		case <-timer.C:
		case <-sweep.C:
			if err := p.SweepEscalations(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("alert escalation sweep", "err", err)
			}
		}
	}
}

// SweepEscalations adds to the scheduler the alerts the database says are
// due but the scheduler does not hold (raised on another node, or before a
// restart).
func (p *Pipeline) SweepEscalations(ctx context.Context) error {
	due, err := p.db.EscalationsDue(ctx, p.now(), 1000)
	if err != nil {
		return err
	}
	for _, d := range due {
		p.sched.add(d.ID, d.Tier, d.Due)
	}
	return nil
}

// EscalateDue escalates every alert whose acknowledgement time has run out
// at the pipeline's clock, and returns how many it escalated. The steps go
// through the group-commit writer together, so a storm of unacknowledged
// alerts escalates in a few commits instead of one fsync each, and does
// not starve the new alerts that share the writer.
func (p *Pipeline) EscalateDue(ctx context.Context) (int, error) {
	due := p.sched.popDue(p.now())
	if len(due) == 0 {
		return 0, nil
	}
	steps := make([]*escalation, len(due))
	for i, e := range due {
		st := &escalation{id: e.id, from: e.tier}
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
			// Try again shortly rather than leave the alert unescalated.
			p.sched.add(st.id, st.from, p.now().Add(time.Second))
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if ok {
			n++
		}
	}
	return n, firstErr
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
// paged and scheduled, a step taken elsewhere is followed, a vanished alert
// forgotten.
func (p *Pipeline) afterEscalation(st *escalation, err error) (bool, error) {
	a := st.a
	if errors.Is(err, errStale) {
		p.sched.remove(st.id)
		if a != nil && a.Status == escudo.AlertOpen && a.Tier > st.from && a.NextEscalation != nil {
			// Another node escalated: follow its schedule.
			p.sched.add(st.id, a.Tier, *a.NextEscalation)
		}
		return false, nil
	}
	if err != nil {
		if escudo.ErrorCode(err) == escudo.ENOTFOUND {
			p.sched.remove(st.id)
			return false, nil
		}
		return false, fmt.Errorf("alert: escalate %d: %w", st.id, err)
	}
	p.m.escalated.Inc()
	p.handoff(st.notes, nil)
	p.sched.add(st.id, a.Tier, st.next)
	p.publish(Change{AlertID: st.id, Kind: store.AlertEventEscalated, Tier: a.Tier, Type: a.Type, Entity: a.Entity})
	return true, nil
}
