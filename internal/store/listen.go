package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"escudo"
)

// Alert changes between nodes (PostgreSQL LISTEN/NOTIFY). Each node
// publishes the changes of the alerts it handles (taken, acknowledged,
// dispatched, escalated, resolved) on one channel, several to a
// notification; every node listens on a connection of its own, outside the
// pool, which it opens again by itself when it is lost (a PostgreSQL
// restart), telling its consoles to reload since changes may have passed
// meanwhile. On SQLite (one node) there is nothing to publish or hear.

// alertChannel is the notification channel of alert changes.
const alertChannel = "escudo_alert_changes"

// maxNotifyPayload stays under PostgreSQL's 8,000-byte payload limit.
const maxNotifyPayload = 7000

// AlertChange is one change of an alert, as consoles are told of it.
type AlertChange struct {
	AlertID int64
	Kind    string // AlertEvent* kinds
	Tier    int
	Type    escudo.AlertType
	Entity  string
}

type wireChange struct {
	ID     int64  `json:"i"`
	Kind   string `json:"k"`
	Tier   int    `json:"t,omitempty"`
	Type   string `json:"y,omitempty"`
	Entity string `json:"e,omitempty"`
}

type wireChanges struct {
	Node    string       `json:"n"`
	Changes []wireChange `json:"c"`
}

// Shared reports whether several nodes may share this database, so that
// alert changes are worth publishing (PostgreSQL).
func (db *DB) Shared() bool { return db.Dialect == Postgres }

func (db *DB) nodeName() string {
	db.nodeOnce.Do(func() {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		db.node = hex.EncodeToString(b)
	})
	return db.node
}

// PublishAlertChanges tells the other nodes of changes, in as few
// notifications as their size allows, sent in one round trip; on SQLite it
// does nothing.
func (db *DB) PublishAlertChanges(ctx context.Context, cs []AlertChange) error {
	if db.Dialect != Postgres || len(cs) == 0 {
		return nil
	}
	var payloads []string
	batch := wireChanges{Node: db.nodeName()}
	size := 0
	flush := func() error {
		if len(batch.Changes) == 0 {
			return nil
		}
		b, err := json.Marshal(batch)
		if err != nil {
			return err
		}
		payloads = append(payloads, string(b))
		batch.Changes, size = batch.Changes[:0:0], 0
		return nil
	}
	for _, c := range cs {
		w := wireChange{ID: c.AlertID, Kind: c.Kind, Tier: c.Tier, Type: string(c.Type), Entity: c.Entity}
		n := 40 + len(w.Kind) + len(w.Type) + len(w.Entity)
		if size+n > maxNotifyPayload {
			if err := flush(); err != nil {
				return err
			}
		}
		batch.Changes = append(batch.Changes, w)
		size += n
	}
	if err := flush(); err != nil {
		return err
	}
	// PostgreSQL only, so written with its own placeholders: $1 the
	// channel, then each payload.
	var q strings.Builder
	q.WriteString("SELECT ")
	args := []any{alertChannel}
	for i, p := range payloads {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("pg_notify($1, $" + strconv.Itoa(i+2) + ")")
		args = append(args, p)
	}
	if _, err := db.sidePool().ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("store: publish alert changes: %w", err)
	}
	return nil
}

// ListenAlertChanges calls fn with the changes the other nodes publish until
// ctx ends. It holds a connection of its own and opens it again whenever it
// is lost, retrying with a growing pause (at most 5 s); after each
// reconnection fn is called once with resync set, since changes made while
// it was away were not heard. fn runs on the listener's goroutine and should
// not block. On SQLite it returns at once.
func (db *DB) ListenAlertChanges(ctx context.Context, fn func(cs []AlertChange, resync bool)) error {
	if db.Dialect != Postgres {
		return nil
	}
	me := db.nodeName()
	pause := 100 * time.Millisecond
	lost := false
	for {
		err := db.listenOnce(ctx, me, func(cs []AlertChange, resync bool) {
			pause = 100 * time.Millisecond
			if resync && !lost {
				return // the first connection: nothing was missed
			}
			fn(cs, resync)
		})
		if ctx.Err() != nil {
			return nil
		}
		lost = true
		db.log.Warn("alert change listener lost its connection; reconnecting", "err", err, "pause", pause)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// ListenerName is the application_name of the listener's connection.
const ListenerName = "escudo alert listener"

// listenIdle is how long the listener waits for a notification before it
// checks that its connection is alive.
const listenIdle = 15 * time.Second

// listenOnce listens on one connection until it fails; it calls fn with
// resync set once it is listening.
func (db *DB) listenOnce(ctx context.Context, me string, fn func([]AlertChange, bool)) error {
	cfg, err := pgx.ParseConfig(db.url)
	if err != nil {
		return err
	}
	// Named, so operators find it in pg_stat_activity.
	cfg.RuntimeParams["application_name"] = ListenerName
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+alertChannel); err != nil {
		return err
	}
	fn(nil, true)
	for {
		wctx, cancel := context.WithTimeout(ctx, listenIdle)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed() {
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				err = conn.Ping(pctx)
				cancel()
				if err == nil {
					continue
				}
			}
			return err
		}
		var w wireChanges
		if err := json.Unmarshal([]byte(n.Payload), &w); err != nil {
			db.log.Warn("alert change notification unreadable", "err", err)
			continue
		}
		if w.Node == me {
			continue // this node's own, already told to its consoles
		}
		cs := make([]AlertChange, len(w.Changes))
		for i, c := range w.Changes {
			cs[i] = AlertChange{AlertID: c.ID, Kind: c.Kind, Tier: c.Tier, Type: escudo.AlertType(c.Type), Entity: c.Entity}
		}
		fn(cs, false)
	}
}
