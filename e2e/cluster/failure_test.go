package cluster

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"escudo/internal/store"
)

// alertsConfig is a configuration file with a short first tier: an alert
// nobody acknowledges within firstTier goes to the supervisors' webhook.
func alertsConfig(rcv *receiver, firstTier, hold string) map[string]any {
	return map[string]any{"alerts": map[string]any{
		// No type-window deduplication: every message id is its own alert.
		"policy": map[string]any{"tiers": []map[string]any{
			{"name": "duty", "ack_timeout": firstTier, "roles": []string{"duty"}, "webhooks": []string{rcv.URL + "/duty"}},
			{"name": "supervisor", "ack_timeout": "10m", "roles": []string{"coordinator"}, "webhooks": []string{rcv.URL + "/supervisor"}},
		}},
		// hold: how long a notification handed to a node's workers is kept
		// from the others' polling (a dead node's are taken after it).
		"notify": map[string]any{"hold": hold, "poll_interval": "200ms", "base_backoff": "200ms", "max_backoff": "1s"},
	}}
}

// TestNodeKilledDuringBurst: two nodes share the alert burst; node A is
// killed with SIGKILL in the middle of it. Every alert answered 202 is in
// the database exactly once; every alert nobody acknowledged within the
// first tier is escalated once, by node B for those A took last; every
// accepted alert's first notification reaches the webhook receiver.
func TestNodeKilledDuringBurst(t *testing.T) {
	rcv := newReceiver(t)
	const firstTier = 3 * time.Second
	c := newCluster(t, alertsConfig(rcv, firstTier.String(), "2s"))
	a := c.StartNode("a")
	b := c.StartNode("b")
	s := c.setup(b, 10, 2)

	// Every third alert of a device is acknowledged at once, through B.
	l := startLoad(s.devices, []*Node{a, b}, 0, 3, b, s.staff.token)
	waitFor(t, "a burst through both nodes", 60*time.Second, func() bool {
		n := l.perNode()
		return n[0] >= 100 && n[1] >= 100
	})
	atKill := l.count()
	killedAt := time.Now()
	a.Kill()
	waitFor(t, "the burst going on through node B alone", 60*time.Second, func() bool { return l.count() >= atKill+200 })
	l.Stop()
	perNode := l.perNode()
	t.Logf("burst: %d requests, %d alerts accepted (A %d, B %d), %d before SIGKILL; load stopped %v after it",
		l.sent.Load(), l.count(), perNode[0], perNode[1], atKill, time.Since(killedAt).Round(time.Millisecond))

	db := c.DirectDB()
	l.checkStored(t, s, db)
	if t.Failed() {
		t.FailNow()
	}
	// The escalation job is node B's now.
	waitFor(t, "the escalation job running on node B", 30*time.Second, func() bool {
		ss, err := db.Schedules(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, sc := range ss {
			if sc.Name == "alert.escalate" {
				return sc.LastNode == "escudo-b" && sc.LastStarted != nil && sc.LastStarted.After(killedAt)
			}
		}
		return false
	})

	// Escalation: every alert not acknowledged reaches the supervisors,
	// once; those A stored in its last tier's time can only have been
	// escalated by B.
	var lastEscalation time.Time
	waitFor(t, "every unacknowledged alert escalated", 60*time.Second, func() bool {
		for _, x := range s.storedAlerts(t, db) {
			if x.AcknowledgedAt == nil && x.Tier < 1 {
				return false
			}
		}
		return true
	})
	stored := s.storedAlerts(t, db)
	byB, unacked, acked := 0, 0, 0
	for mid, id := range l.accepted {
		x := stored[id]
		events, err := db.AlertTimeline(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		escalations := 0
		for _, e := range events {
			if e.Kind == store.AlertEventEscalated {
				escalations++
				if e.At.After(lastEscalation) {
					lastEscalation = e.At
				}
			}
		}
		if l.acked[id] && x.AcknowledgedAt == nil {
			t.Errorf("alert %d: acknowledgement answered 200 but not stored", id)
		}
		switch {
		case x.AcknowledgedAt != nil:
			acked++
			if escalations > 1 {
				t.Errorf("acknowledged alert %d escalated %d times", id, escalations)
			}
		default:
			unacked++
			if escalations != 1 || x.Tier != 1 {
				t.Errorf("alert %d not acknowledged: escalated %d times, at tier %d (want once, tier 1)", id, escalations, x.Tier)
			}
			if l.acceptedBy[mid] == 0 && x.StoredAt.Add(firstTier).After(killedAt) {
				byB++
			}
		}
	}
	t.Logf("escalation: %d acknowledged, %d escalated once each, of which %d taken by A and due after it died (escalated by B); last escalation %v after SIGKILL",
		acked, unacked, byB, lastEscalation.Sub(killedAt).Round(time.Millisecond))
	if byB == 0 {
		t.Error("no alert of node A was due after it died: the test did not exercise escalation by node B")
	}
	if acked == 0 {
		t.Error("no alert acknowledged: the test did not exercise acknowledgement")
	}

	// Notifications: every accepted alert's first tier reaches the
	// receiver, and every escalated one its second.
	waitFor(t, "every notification delivered", 60*time.Second, func() bool {
		for _, x := range stored {
			if rcv.deliveries(x.ID, 0) == 0 || (x.AcknowledgedAt == nil && rcv.deliveries(x.ID, 1) == 0) {
				return false
			}
		}
		return true
	})
	dups, distinct := rcv.duplicates()
	t.Logf("webhook: %d notifications delivered, %d duplicate deliveries (%.2f%%), %d pages of alerts whose commit failed",
		distinct, dups, 100*float64(dups)/float64(max(distinct, 1)), rcv.phantoms(stored))
}

// TestPostgresRestartUnderLoad: alerts flow through two nodes while the
// PostgreSQL server is restarted, stopped (fast, then immediate mode) and
// started again, and frozen. Alert requests while it is away are answered
// 503 promptly, never left hanging; /readyz says 503; both nodes accept
// alerts again by themselves once it is back; no alert answered 202 is
// lost or stored twice; every one is escalated exactly once (escalation
// goes on across the outages) and notified at both tiers.
func TestPostgresRestartUnderLoad(t *testing.T) {
	rcv := newReceiver(t)
	// Every alert escalates 3 s after it is stored: escalation (a job of
	// the job runner) must go on by itself across the outages.
	c := newCluster(t, alertsConfig(rcv, "3s", "30s"))
	a := c.StartNode("a")
	b := c.StartNode("b")
	nodes := []*Node{a, b}
	s := c.setup(a, 10, 2)

	l := startLoad(s.devices, nodes, 50*time.Millisecond, 0, nil, "")
	waitFor(t, "alerts through both nodes", 60*time.Second, func() bool {
		n := l.perNode()
		return n[0] >= 50 && n[1] >= 50
	})
	const (
		recoverWithin = 30 * time.Second
		outage        = 2 * time.Second
	)
	// restart: pg_ctl restart -m fast, the server back at once and every
	// pooled connection dead; fast and immediate: pg_ctl stop in that mode,
	// start again after the outage; frozen: every server process stopped
	// with SIGSTOP, so connections stay open and nothing answers (a lost
	// network), then resumed.
	for _, mode := range []string{"restart", "fast", "immediate", "frozen"} {
		before := l.count()
		downAt := time.Now()
		switch mode {
		case "restart":
			c.PG.Restart("fast")
		case "frozen":
			c.PG.Freeze()
		default:
			c.PG.Stop(mode)
		}
		stopped := time.Now()
		if mode != "restart" {
			// While it is down, both nodes say so and turn alerts away.
			for i, n := range nodes {
				waitFor(t, "node "+n.Name+" /readyz 503 with PostgreSQL stopped ("+mode+")", 20*time.Second, func() bool { return !n.Ready() })
				waitFor(t, "alerts refused by node "+n.Name+" with PostgreSQL stopped ("+mode+")", 20*time.Second, func() bool {
					for _, f := range l.failuresSince(stopped) {
						if f.node == i {
							return true
						}
					}
					return false
				})
			}
			// Staff calls too: their token is looked up in the database.
			// (Not while frozen: a read on a pooled connection waits for the
			// server; only alerts and new connections are bounded.)
			for _, n := range nodes {
				if mode == "frozen" {
					break
				}
				if code, body := s.staff.try("GET", n.URL+"/api/v1/alerts"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"unavailable"`) {
					t.Errorf("%s: staff API on node %s with PostgreSQL away: %d %s (want 503 unavailable)", mode, n.Name, code, body)
				}
			}
			time.Sleep(time.Until(stopped.Add(outage)))
			if mode == "frozen" {
				c.PG.Thaw()
			} else {
				c.PG.Start()
			}
		}
		started := time.Now()
		for i, n := range nodes {
			waitFor(t, "node "+n.Name+" accepting alerts again after the "+mode+" restart", recoverWithin, func() bool {
				return l.acceptedSince(i, started) && n.Ready()
			})
		}
		recovered := time.Since(started)
		refused, after := l.failuresSince(downAt), l.failuresSince(started)
		t.Logf("%s: PostgreSQL away %v; %d alert requests refused (devices retry every 20 ms), %d of them after it was back; both nodes accepting and ready %v after it was back; %d alerts accepted before",
			mode, started.Sub(downAt).Round(time.Millisecond), len(refused), len(after), recovered.Round(time.Millisecond), before)
		if d, _ := rcv.duplicates(); d > 0 {
			t.Logf("%s: %d duplicate deliveries so far", mode, d)
		}
	}
	waitFor(t, "more alerts after the last restart", 60*time.Second, func() bool {
		n := l.perNode()
		return n[0] >= 20 && n[1] >= 20
	})
	l.Stop()
	perNode := l.perNode()
	t.Logf("load: %d requests, %d alerts accepted (A %d, B %d), %d refused", l.sent.Load(), l.count(), perNode[0], perNode[1], len(l.failures))

	// Refusals were prompt and said what happened.
	var slowest time.Duration
	codes := map[int]int{}
	wrong, slow := 0, 0
	for _, f := range l.failures {
		codes[f.code]++
		slowest = max(slowest, f.took)
		if f.code != http.StatusServiceUnavailable || !strings.Contains(f.body, `"unavailable"`) {
			if wrong++; wrong <= 5 {
				t.Errorf("alert refused on node %d with %d after %v: %s (want 503 unavailable)", f.node, f.code, f.took, f.body)
			}
		}
		// The bound is the pipeline's wait for a commit (10 s), plus slack.
		if f.took > 12*time.Second {
			if slow++; slow <= 5 {
				t.Errorf("alert request on node %d took %v to be refused", f.node, f.took)
			}
		}
	}
	if wrong+slow > 0 {
		t.Errorf("%d refusals not 503, %d slower than 12 s, of %d", wrong, slow, len(l.failures))
	}
	t.Logf("refusals by status: %v, slowest refusal %v, slowest acceptance %v", codes, slowest.Round(time.Millisecond), l.slowestOK.Round(time.Millisecond))
	if l.slowestOK > 15*time.Second {
		t.Errorf("an alert took %v to be accepted", l.slowestOK)
	}
	if len(l.failures) == 0 {
		t.Error("no request was refused: the outage was not exercised")
	}

	db := c.DirectDB()
	stored := l.checkStored(t, s, db)
	waitFor(t, "every accepted alert escalated", 60*time.Second, func() bool {
		for _, x := range s.storedAlerts(t, db) {
			if x.Tier < 1 {
				return false
			}
		}
		return true
	})
	for _, x := range s.storedAlerts(t, db) {
		events, err := db.AlertTimeline(context.Background(), x.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range events {
			if e.Kind == store.AlertEventEscalated {
				n++
			}
		}
		if n != 1 || x.Tier != 1 {
			t.Errorf("alert %d escalated %d times, at tier %d (want once, tier 1)", x.ID, n, x.Tier)
		}
	}
	waitFor(t, "every accepted alert notified, at both tiers", 60*time.Second, func() bool {
		for _, x := range stored {
			if rcv.deliveries(x.ID, 0) == 0 || rcv.deliveries(x.ID, 1) == 0 {
				return false
			}
		}
		return true
	})
	dups, distinct := rcv.duplicates()
	t.Logf("webhook: %d notifications delivered, %d duplicate deliveries, %d pages of alerts whose commit failed", distinct, dups, rcv.phantoms(stored))
	for _, n := range nodes {
		if os.Getenv("CLUSTER_DUMP_LOGS") != "" {
			_ = os.WriteFile("/tmp/node-"+n.Name+".log", []byte(n.Log()), 0o600)
		}
		t.Logf("node %s: %d log lines over the test (%d errors, %d warnings)", n.Name, n.log.lines(""), n.log.lines("level=ERROR"), n.log.lines("level=WARN"))
		select {
		case <-n.done:
			t.Errorf("node %s exited:\n%s", n.Name, tail(n.Log(), 4000))
		default:
		}
	}
}
