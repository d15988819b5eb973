package alert

import (
	"context"
	"time"

	"escudo/internal/store"
)

// Consoles on every node. A console's event stream subscribes to its own
// node's pipeline; with several nodes (PostgreSQL) ShareChanges relays each
// node's changes to the others through the store's notifications, so an
// alert taken, acknowledged, escalated or resolved on one node appears on
// the consoles of all within a second.

// relayLinger is how long the relay gathers changes before publishing
// them: under load one notification carries many changes (a few
// notifications a second instead of one per alert), at the cost of a few
// milliseconds on a console that has a whole second.
const relayLinger = 10 * time.Millisecond

// relayBuffer holds the changes waiting for the relay; beyond it the other
// nodes' consoles are told to reload instead.
const relayBuffer = 8192

// ShareChanges relays this node's alert changes to the other nodes and
// theirs to this node's subscribers, until ctx ends. On SQLite (one node)
// it returns at once.
func (p *Pipeline) ShareChanges(ctx context.Context) error {
	if !p.db.Shared() {
		return nil
	}
	out := make(chan Change, relayBuffer)
	p.subMu.Lock()
	p.subs[out] = struct{}{}
	p.subMu.Unlock()
	defer func() {
		p.subMu.Lock()
		delete(p.subs, out)
		p.subMu.Unlock()
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.publishLoop(ctx, out)
	}()
	err := p.db.ListenAlertChanges(ctx, func(cs []store.AlertChange, resync bool) {
		if resync {
			p.publishExcept(out, Change{Kind: ChangeResync})
			return
		}
		for _, c := range cs {
			p.publishExcept(out, Change{AlertID: c.AlertID, Kind: c.Kind, Tier: c.Tier, Type: c.Type, Entity: c.Entity})
		}
	})
	<-done
	return err
}

// publishLoop sends what reaches out to the other nodes, gathered for
// relayLinger.
func (p *Pipeline) publishLoop(ctx context.Context, out <-chan Change) {
	var batch []store.AlertChange
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case c := <-out:
			batch = append(batch, toStore(c))
		}
		linger := time.NewTimer(relayLinger)
	gather:
		for len(batch) < 1024 {
			select {
			case c := <-out:
				batch = append(batch, toStore(c))
			case <-linger.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		linger.Stop()
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := p.db.PublishAlertChanges(pctx, batch); err != nil {
			p.log.Warn("alert changes not sent to the other nodes", "changes", len(batch), "err", err)
		}
		cancel()
	}
}

func toStore(c Change) store.AlertChange {
	return store.AlertChange{AlertID: c.AlertID, Kind: c.Kind, Tier: c.Tier, Type: c.Type, Entity: c.Entity}
}

// publishExcept gives a change to every subscriber but relay (nil: to
// all); a change heard from another node skips the relay itself, which
// would send it back.
func (p *Pipeline) publishExcept(relay chan Change, c Change) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	for ch := range p.subs {
		if ch == relay {
			continue
		}
		select {
		case ch <- c:
		default:
			// Full: replace the oldest pending change by a resync marker.
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- Change{Kind: ChangeResync}:
			default:
			}
		}
	}
}
