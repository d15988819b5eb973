package store

import (
	"context"
	"sync/atomic"
	"time"

	"escudo"
)

// A request for protection that declares imminent danger rings on the
// duty console like a panic button: FileRequest stores an alert in the
// same transaction as the case, so it can never be lost, and hands it to
// the alert pipeline once committed, which sounds the consoles and
// escalates it while nobody acknowledges it.

// requestAlerts is what the alert pipeline registered: when an alert
// escalates unless acknowledged, and whom to hand it to after the commit.
type requestAlerts struct {
	ackTimeout atomic.Int64 // nanoseconds; 0: no escalation time
	observe    atomic.Pointer[func(*escudo.Alert)]
}

func (r *requestAlerts) raised(a *escudo.Alert) {
	if f := r.observe.Load(); f != nil {
		(*f)(a)
	}
}

// ObserveRequestAlerts registers the alert pipeline for alerts raised by
// requests with imminent danger: they escalate after ackTimeout unless
// acknowledged, and observe receives each one after its commit.
func (db *DB) ObserveRequestAlerts(ackTimeout time.Duration, observe func(*escudo.Alert)) {
	db.requestAlerts.ackTimeout.Store(int64(ackTimeout))
	db.requestAlerts.observe.Store(&observe)
}

// raiseRequestAlert stores the console alert of case c, just filed with
// imminent danger; its note names the case's reference for the operator.
func (tx *Tx) raiseRequestAlert(ctx context.Context, c *escudo.Case) (*escudo.Alert, error) {
	in := &escudo.AlertInput{PersonID: c.PersonID, Type: escudo.AlertImminentRequest, Source: escudo.SourceRequest,
		ReceivedAt: tx.now, Note: c.Reference, DedupKey: "request:" + c.Reference}
	it := &NewAlert{In: in, Entity: c.Person.Entity}
	if d := time.Duration(tx.db.requestAlerts.ackTimeout.Load()); d > 0 {
		it.Escalate = tx.now.Add(d)
	}
	if err := tx.InsertAlerts(ctx, []*NewAlert{it}, 0); err != nil {
		return nil, err
	}
	return it.Alert, nil
}
