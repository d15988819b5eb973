package alert

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// recorder is a Deliverer that keeps what it is handed, with the outcome
// of the commit each was handed over in.
type recorder struct {
	mu   sync.Mutex
	hs   []handed
	hook func(ns []store.Notification) // called at handoff, when set
}

type handed struct {
	ns        []store.Notification
	committed func() error
}

func (r *recorder) DeliverBeforeCommit(ns []store.Notification, committed func() error) {
	if r.hook != nil {
		r.hook(ns)
	}
	r.mu.Lock()
	r.hs = append(r.hs, handed{ns, committed})
	r.mu.Unlock()
}

// take returns the notifications handed over whose transaction committed,
// and how many were handed over for a transaction that failed.
func (r *recorder) takeAll() (ok []store.Notification, failed int) {
	r.mu.Lock()
	hs := r.hs
	r.hs = nil
	r.mu.Unlock()
	for _, h := range hs {
		if h.committed != nil && h.committed() != nil {
			failed += len(h.ns)
			continue
		}
		ok = append(ok, h.ns...)
	}
	return ok, failed
}

func (r *recorder) take() []store.Notification {
	ok, _ := r.takeAll()
	return ok
}

type fixture struct {
	db       *store.DB
	p        *Pipeline
	clock    *testdb.Clock
	rec      *recorder
	person   *escudo.Person
	device   *escudo.Device
	duty     *escudo.User
	coord    *escudo.User
	liaison  *escudo.User // state liaison of Oaxaca
	other    *escudo.User // state liaison of Chihuahua: never notified for Oaxaca
	federal  *escudo.User // federal police liaison
	policy   escudo.EscalationPolicy
	stopLoop func()
}

func user(t *testing.T, db *store.DB, name string, role escudo.Role, entity, agency, email string) *escudo.User {
	t.Helper()
	u := &escudo.User{Username: name, DisplayName: name, Role: role, Entity: entity, Agency: agency, Email: email}
	if err := db.CreateUser(context.Background(), u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return u
}

func setup(t *testing.T, db *store.DB, clock *testdb.Clock) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, clock: clock, rec: &recorder{}}
	f.person = &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Bety Cariño", Entity: "OAX",
		Phone: "+52 951 555 0101", Address: "Calle Reforma 5, Huajuapan"}
	if err := db.CreatePerson(ctx, f.person); err != nil {
		t.Fatal(err)
	}
	f.device = &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: f.person.ID, HeartbeatInterval: time.Minute}
	if _, err := db.CreateDevice(ctx, f.device); err != nil {
		t.Fatal(err)
	}
	f.duty = user(t, db, "operadora", escudo.RoleDuty, "", "", "operadora@mecanismo.example")
	f.coord = user(t, db, "supervisor", escudo.RoleCoordinator, "", "", "")
	f.liaison = user(t, db, "enlace.oax", escudo.RoleLiaison, "OAX", "policia_estatal", "")
	f.other = user(t, db, "enlace.chh", escudo.RoleLiaison, "CHH", "policia_estatal", "")
	f.federal = user(t, db, "enlace.pf", escudo.RoleLiaison, "CDMX", "policia_federal", "")
	f.policy = escudo.DefaultEscalationPolicy()
	f.policy.Tiers[0].Webhooks = []string{"http://control.example/hook"}
	f.policy.Entities = map[string]escudo.EntityRoute{"OAX": {SMS: []string{"+529515550000"}}}
	p, err := New(Options{DB: db, Policy: f.policy, Deliverer: f.rec, Now: clock.Now, ConsoleURL: "https://escudo.example"})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	if err := db.PrepareAlertStatements(ctx); err != nil {
		t.Fatal(err)
	}
	// Only the writer runs in the background: escalations are driven by the
	// test through EscalateDue, on the test's clock.
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p.writeLoop(lctx); close(done) }()
	f.stopLoop = func() { cancel(); <-done }
	t.Cleanup(f.stopLoop)
	return f
}

func (f *fixture) press(t *testing.T, typ escudo.AlertType, msgID string) *escudo.Alert {
	t.Helper()
	in := escudo.AlertInput{DeviceID: f.device.ID, PersonID: f.person.ID, Type: typ, Source: escudo.SourceDevice, MessageID: msgID,
		Location: &escudo.Location{Lat: 17.8, Lon: -97.77, AccuracyM: 12}}
	a, err := f.p.Submit(context.Background(), in, "OAX")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// notified returns the channels/users notified for an alert at a tier.
func notified(t *testing.T, db *store.DB, alertID int64) map[string]bool {
	t.Helper()
	ns, err := db.AlertNotifications(context.Background(), alertID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range ns {
		out[n.DedupKey] = true
	}
	return out
}

// The first notifications are handed to delivery as soon as the alert's
// transaction has written them, before it commits: a disk slow to fsync
// delays the device's acknowledgement, not the page to the duty desk.
func TestFirstNotificationsLeaveDuringCommit(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		var visible []bool
		f.rec.hook = func(ns []store.Notification) {
			_, err := db.FindAlertByID(ctx, ns[0].AlertID)
			visible = append(visible, err == nil)
		}
		a := f.press(t, escudo.AlertPanic, "m-early")
		if len(visible) != 1 || visible[0] {
			t.Fatalf("handoffs %v: want one, made before the alert was committed", visible)
		}
		ok, failed := f.rec.takeAll()
		if len(ok) != 3 || failed != 0 || ok[0].AlertID != a.ID {
			t.Fatalf("after the commit: %d handed over as committed, %d as failed", len(ok), failed)
		}
		if _, err := db.FindAlertByID(ctx, a.ID); err != nil {
			t.Fatalf("alert after Submit returned: %v", err)
		}
	})
}

func TestAlertStoredWithFirstNotificationsBeforeAnswer(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		a := f.press(t, escudo.AlertPanic, "m-1")
		if a.ID == 0 || a.Duplicate || a.Status != escudo.AlertOpen {
			t.Fatalf("alert %+v", a)
		}
		// When Submit returns the alert is committed, with its location sealed
		// and readable back, and its first notifications queued.
		got, err := db.FindAlertByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Location == nil || got.Location.Lat != 17.8 || got.Entity != "OAX" || got.PersonID != f.person.ID || got.DeviceKind != escudo.DevicePanicButton {
			t.Fatalf("stored alert %+v", got)
		}
		if !got.ReceivedAt.Equal(t0) || !got.StoredAt.Equal(t0) || got.NextEscalation == nil || !got.NextEscalation.Equal(t0.Add(15*time.Second)) {
			t.Fatalf("times: received %v stored %v next %v", got.ReceivedAt, got.StoredAt, got.NextEscalation)
		}
		ns, err := db.AlertNotifications(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		channels := map[string]int{}
		for _, n := range ns {
			channels[n.Channel]++
			if n.Channel == store.ChannelInbox && n.UserID != f.duty.ID {
				t.Errorf("first tier reached user %d, want only the duty operator", n.UserID)
			}
		}
		// Inbox and e-mail for the duty operator, the tier's webhook, the
		// entity's SMS number.
		want := map[string]int{store.ChannelInbox: 1, store.ChannelEmail: 1, store.ChannelWebhook: 1, store.ChannelSMS: 1}
		for c, n := range want {
			if channels[c] != n {
				t.Errorf("channel %s: %d notifications, want %d (all: %v)", c, channels[c], n, channels)
			}
		}
		// The external ones went straight to the deliverer, with their ids.
		handed := f.rec.take()
		if len(handed) != 3 {
			t.Fatalf("handed %d notifications to delivery, want 3", len(handed))
		}
		for _, n := range handed {
			if n.ID == 0 || n.AlertID != a.ID || n.Recipient == "" || n.Body == "" {
				t.Fatalf("handed notification %+v", n)
			}
		}
		// The polling workers leave them alone while the immediate path has them.
		due, err := db.ClaimDue(ctx, 100, time.Minute, store.ExternalChannels...)
		if err != nil || len(due) != 0 {
			t.Fatalf("poller claimed %d rows the immediate path holds (err %v)", len(due), err)
		}
		clock.Advance(31 * time.Second)
		due, err = db.ClaimDue(ctx, 100, time.Minute, store.ExternalChannels...)
		if err != nil || len(due) != 3 {
			t.Fatalf("after the hold the poller claims %d rows, want 3 (err %v)", len(due), err)
		}
	})
}

func TestDuplicatesAcknowledgedNotStored(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		first := f.press(t, escudo.AlertPanic, "m-1")
		steps := []struct {
			name    string
			advance time.Duration
			typ     escudo.AlertType
			msgID   string
			dup     bool
		}{
			{"same message id again (device retry)", time.Second, escudo.AlertPanic, "m-1", true},
			{"same type, new id, inside the window", 10 * time.Second, escudo.AlertPanic, "m-2", true},
			{"same type without id inside the window", 10 * time.Second, escudo.AlertPanic, "", true},
			{"another type is a new alert", time.Second, escudo.AlertTamper, "m-3", false},
			{"same type after the window", 3 * time.Minute, escudo.AlertPanic, "m-4", false},
		}
		for _, s := range steps {
			clock.Advance(s.advance)
			a := f.press(t, s.typ, s.msgID)
			if a.Duplicate != s.dup {
				t.Fatalf("%s: duplicate = %v, want %v", s.name, a.Duplicate, s.dup)
			}
			if s.dup && a.ID != first.ID {
				t.Fatalf("%s: acknowledged as alert %d, want the original %d", s.name, a.ID, first.ID)
			}
		}
		all, err := db.FindAlerts(ctx, escudo.AlertFilter{})
		if err != nil || len(all) != 3 {
			t.Fatalf("stored %d alerts, want 3 (err %v)", len(all), err)
		}
		// A second press is visible on the original's timeline; a retry is not.
		tl, err := db.AlertTimeline(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		repeats := 0
		for _, e := range tl {
			if e.Kind == store.AlertEventRepeat {
				repeats++
			}
		}
		if repeats != 2 {
			t.Fatalf("timeline shows %d repeats, want 2: %+v", repeats, tl)
		}
		// Once resolved, a new press is a new alert even inside the window.
		for _, a := range all {
			if _, err := f.p.Resolve(escudo.NewContextWithUser(ctx, f.duty), a.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Second)
		again := f.press(t, escudo.AlertPanic, "m-9")
		if again.Duplicate {
			t.Fatal("a press after the previous alert was closed was taken as a repeat")
		}
	})
}

func TestEscalationThroughTiersUntilAcknowledged(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		a := f.press(t, escudo.AlertPanic, "m-1")
		key := func(tier int, u *escudo.User) string {
			return "alert:" + itoa(a.ID) + ":" + itoa(int64(tier)) + ":inbox:u" + itoa(u.ID)
		}
		steps := []struct {
			advance  time.Duration
			tier     int
			reached  []*escudo.User
			notYet   []*escudo.User
			escalate int
		}{
			{14 * time.Second, 0, []*escudo.User{f.duty}, []*escudo.User{f.coord}, 0},
			{time.Second, 1, []*escudo.User{f.coord}, nil, 1},
			{59 * time.Second, 1, nil, nil, 0},
			{time.Second, 2, []*escudo.User{f.liaison}, []*escudo.User{f.other}, 1},
			{120 * time.Second, 3, []*escudo.User{f.federal}, []*escudo.User{f.other}, 1},
			// The last tier repeats until someone acknowledges.
			{120 * time.Second, 4, []*escudo.User{f.federal}, nil, 1},
		}
		for i, s := range steps {
			clock.Advance(s.advance)
			n, err := f.p.EscalateDue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != s.escalate {
				t.Fatalf("step %d: escalated %d, want %d", i, n, s.escalate)
			}
			got, err := db.FindAlertByID(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Tier != s.tier {
				t.Fatalf("step %d: tier %d, want %d", i, got.Tier, s.tier)
			}
			keys := notified(t, db, a.ID)
			for _, u := range s.reached {
				if !keys[key(s.tier, u)] {
					t.Fatalf("step %d: %s not notified at tier %d; have %v", i, u.Username, s.tier, keys)
				}
			}
			for _, u := range s.notYet {
				for tier := 0; tier <= s.tier; tier++ {
					if keys[key(tier, u)] {
						t.Fatalf("step %d: %s notified at tier %d", i, u.Username, tier)
					}
				}
			}
		}
		if n, err := db.AlertsAwaitingAck(ctx); err != nil || n != 1 {
			t.Fatalf("%d alerts awaiting acknowledgement, want 1 (err %v)", n, err)
		}
		if _, err := f.p.Acknowledge(escudo.NewContextWithUser(ctx, f.coord), a.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if n, err := f.p.EscalateDue(ctx); err != nil || n != 0 {
			t.Fatalf("escalated %d after acknowledgement (err %v)", n, err)
		}
		if n, err := db.AlertsAwaitingAck(ctx); err != nil || n != 0 {
			t.Fatalf("acknowledged alert still awaiting acknowledgement: %d (err %v)", n, err)
		}
		got, _ := db.FindAlertByID(ctx, a.ID)
		if got.Escalations != 4 || got.AcknowledgedBy != f.coord.ID || got.NextEscalation != nil {
			t.Fatalf("after ack: escalations %d acked by %d next %v", got.Escalations, got.AcknowledgedBy, got.NextEscalation)
		}
	})
}

func TestEscalationSurvivesRestart(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		a := f.press(t, escudo.AlertAlarm, "")
		// A new pipeline (as after a restart, or another node) learns the
		// open alert from the database and escalates it on time.
		p2, err := New(Options{DB: db, Policy: f.policy, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		wctx, stop := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() { p2.writeLoop(wctx); close(stopped) }()
		defer func() { stop(); <-stopped }()
		clock.Advance(15 * time.Second)
		if n, err := p2.EscalateDue(ctx); err != nil || n != 1 {
			t.Fatalf("escalated %d after restart (err %v)", n, err)
		}
		// The old pipeline's pass after it must not escalate the same step
		// again.
		if n, err := f.p.EscalateDue(ctx); err != nil || n != 0 {
			t.Fatalf("a second node escalated the same step: %d (err %v)", n, err)
		}
		got, _ := db.FindAlertByID(ctx, a.ID)
		if got.Tier != 1 || got.Escalations != 1 {
			t.Fatalf("tier %d escalations %d", got.Tier, got.Escalations)
		}
	})
}

func TestAcknowledgeDispatchResolveTimed(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := escudo.NewContextWithUser(context.Background(), f.duty)
		a := f.press(t, escudo.AlertPanic, "m-1")
		b := f.press(t, escudo.AlertTamper, "m-2")

		clock.Advance(7 * time.Second)
		if _, err := f.p.Acknowledge(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(3 * time.Second)
		if _, err := f.p.Acknowledge(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Second)
		if _, err := f.p.Dispatch(ctx, a.ID, escudo.Dispatch{}); err == nil {
			t.Fatal("dispatch without an agency was accepted")
		}
		if _, err := f.p.Dispatch(ctx, a.ID, escudo.Dispatch{Agency: "Policía Estatal de Oaxaca", Unit: "Patrulla 114"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(20 * time.Minute)
		if _, err := f.p.Resolve(ctx, a.ID, "nonsense", ""); err == nil {
			t.Fatal("an unknown outcome was accepted")
		}
		if _, err := f.p.Resolve(ctx, a.ID, escudo.OutcomeAttended, "La patrulla llegó; la persona está a salvo."); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAlertByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		at := func(p *time.Time, want time.Time, what string) {
			if p == nil || !p.Equal(want) {
				t.Fatalf("%s at %v, want %v", what, p, want)
			}
		}
		at(got.AcknowledgedAt, t0.Add(7*time.Second), "acknowledged")
		at(got.DispatchedAt, t0.Add(40*time.Second), "dispatched")
		at(got.ResolvedAt, t0.Add(40*time.Second+20*time.Minute), "resolved")
		if got.Status != escudo.AlertResolved || got.Agency != "Policía Estatal de Oaxaca" || got.Unit != "Patrulla 114" || got.Outcome != "attended" ||
			got.AcknowledgedBy != f.duty.ID || got.DispatchedBy != f.duty.ID || got.ResolvedBy != f.duty.ID {
			t.Fatalf("resolved alert %+v", got)
		}
		if _, err := f.p.Dispatch(ctx, a.ID, escudo.Dispatch{Agency: "otra"}); escudo.ErrorCode(err) != escudo.ECONFLICT {
			t.Fatalf("dispatch of a closed alert: %v", err)
		}
		// Dispatching an alert nobody acknowledged acknowledges it too.
		if _, err := f.p.Dispatch(ctx, b.ID, escudo.Dispatch{Agency: "Guardia Nacional"}); err != nil {
			t.Fatal(err)
		}
		gb, _ := db.FindAlertByID(ctx, b.ID)
		if gb.AcknowledgedAt == nil || gb.Status != escudo.AlertDispatched {
			t.Fatalf("dispatched without ack: %+v", gb)
		}
		open, err := db.FindAlerts(ctx, escudo.AlertFilter{Open: true})
		if err != nil || len(open) != 1 || open[0].ID != b.ID {
			t.Fatalf("open alerts %v (err %v)", open, err)
		}
		if n, err := db.AlertsAwaitingAck(ctx); err != nil || n != 0 {
			t.Fatalf("%d handled alerts still awaiting acknowledgement (err %v)", n, err)
		}
	})
}

func TestRaiseForSilentDevice(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		in := escudo.AlertInput{DeviceID: f.device.ID, Type: escudo.AlertSilent, DedupKey: "silent:1:" + t0.Format(time.RFC3339)}
		a, err := f.p.Raise(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.p.Raise(ctx, in)
		if err != nil || !again.Duplicate || again.ID != a.ID {
			t.Fatalf("repeat raise: %+v %v", again, err)
		}
		got, err := db.FindAlertByID(ctx, a.ID)
		if err != nil || got.Source != escudo.SourceSupervision || got.PersonID != f.person.ID || got.Entity != "OAX" {
			t.Fatalf("raised alert %+v %v", got, err)
		}
		if _, err := f.p.Raise(ctx, escudo.AlertInput{Type: escudo.AlertCall}); escudo.ErrorCode(err) != escudo.EINVALID {
			t.Fatalf("raise without person: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestActionsShareTheWriter: operators' actions commit with the alerts; a
// refused action answers only its own caller.
func TestActionsShareTheWriter(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := escudo.NewContextWithUser(context.Background(), f.duty)
		var ids []int64
		for i := range 20 {
			ids = append(ids, f.press(t, escudo.DeviceAlertTypes[i%5], "m-"+strconv.Itoa(i)).ID)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ids)+1)
		for i, id := range ids {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = f.p.Resolve(ctx, id, escudo.OutcomeTestAlert, "") }()
		}
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[len(ids)] = f.p.Acknowledge(ctx, 999999) }()
		wg.Wait()
		for i, err := range errs[:len(ids)] {
			if err != nil {
				t.Fatalf("resolve %d: %v", ids[i], err)
			}
		}
		if escudo.ErrorCode(errs[len(ids)]) != escudo.ENOTFOUND {
			t.Fatalf("acknowledging an unknown alert: %v", errs[len(ids)])
		}
		open, _ := db.FindAlerts(context.Background(), escudo.AlertFilter{Open: true})
		if len(open) != 0 {
			t.Fatalf("%d alerts left open", len(open))
		}
	})
}

// A new alert is numbered from reserved ids and paged before its commit;
// the rows are then stored under those ids. Retransmissions and second
// presses are left to the database and not paged early; a repeat only the
// database knows about makes the early page count as failed.
func TestEarlyPaging(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		// An alert stored by "another node" before this one starts paging early.
		other := f.press(t, escudo.AlertPanic, "m-other")
		staff := escudo.NewContextWithUser(ctx, f.duty)
		if _, err := f.p.Resolve(staff, other.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
			t.Fatal(err)
		}
		f.rec.take()
		f.p.startEarly(ctx)
		if f.p.early.Load() == nil {
			t.Fatal("early paging not started")
		}
		var mu sync.Mutex
		var visible []bool
		paged := make(chan int64, 8)
		f.rec.hook = func(ns []store.Notification) {
			mu.Lock()
			visible = append(visible, true)
			mu.Unlock()
			paged <- ns[0].AlertID
		}
		// The writer is held (as by a disk stalled in fsync): the alert is
		// paged all the same, and stored once the writer is free.
		hold, held := make(chan struct{}), make(chan struct{})
		go func() {
			_ = db.WithTx(ctx, true, func(tx *store.Tx) error {
				if db.Dialect == store.Postgres {
					if _, err := tx.Exec(ctx, `LOCK TABLE alerts IN EXCLUSIVE MODE`); err != nil {
						return err
					}
				}
				close(held)
				<-hold
				return nil
			})
		}()
		<-held
		pressed := make(chan *escudo.Alert, 1)
		go func() { pressed <- f.press(t, escudo.AlertPanic, "m-1") }()
		var early int64
		select {
		case early = <-paged:
		case <-time.After(10 * time.Second):
			close(hold)
			t.Fatal("no page while the writer was held")
		}
		if _, err := db.FindAlertByID(ctx, early); err == nil {
			t.Fatal("the alert was stored while the writer was held")
		}
		close(hold)
		a := <-pressed
		if a.ID != early {
			t.Fatalf("paged alert %d, stored %d", early, a.ID)
		}
		ok, failed := f.rec.takeAll()
		if len(ok) != 3 || failed != 0 {
			t.Fatalf("early page: %d committed, %d failed", len(ok), failed)
		}
		stored, err := db.AlertNotifications(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]bool{}
		for _, n := range stored {
			ids[n.ID] = true
		}
		for _, n := range ok {
			if n.AlertID != a.ID || !ids[n.ID] {
				t.Fatalf("paged notification %d (alert %d) not stored under its id; stored %v", n.ID, n.AlertID, ids)
			}
		}
		if a.ID <= other.ID {
			t.Fatalf("reserved alert id %d not after %d", a.ID, other.ID)
		}

		// The same message again, and a second press: not paged early, and
		// the database answers as before.
		visible = nil
		again := f.press(t, escudo.AlertPanic, "m-1")
		second := f.press(t, escudo.AlertPanic, "m-2")
		if len(visible) != 0 || !again.Duplicate || again.ID != a.ID || !second.Duplicate {
			t.Fatalf("repeats: early handoffs %v, retransmission %+v, second press %+v", visible, again, second)
		}
		f.rec.take()

		// Resolved, a new press is a new alert, paged early.
		if _, err := f.p.Resolve(staff, a.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
			t.Fatal(err)
		}
		b := f.press(t, escudo.AlertPanic, "m-3")
		if b.Duplicate || len(visible) != 1 {
			t.Fatalf("press after resolution: %+v, early handoffs %v", b, visible)
		}
		f.rec.take()
		if _, err := f.p.Resolve(staff, b.ID, escudo.OutcomeFalseAlarm, ""); err != nil {
			t.Fatal(err)
		}

		// A message this node has not seen but the database has: paged,
		// then found a repeat, so the page counts as failed.
		visible = nil
		dup := f.press(t, escudo.AlertPanic, "m-other")
		if !dup.Duplicate || dup.ID != other.ID || len(visible) != 1 {
			t.Fatalf("repeat known to the database only: %+v, early handoffs %v", dup, visible)
		}
		ok, failed = f.rec.takeAll()
		if len(ok) != 0 || failed != 3 {
			t.Fatalf("early page of a repeat: %d committed, %d failed; want 0 and 3", len(ok), failed)
		}
	})
}

// A storm of unacknowledged alerts escalates through the group-commit
// writer: the steps share commits instead of taking one fsync each.
func TestEscalationStormSharesCommits(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		f := setup(t, db, clock)
		ctx := context.Background()
		const storm = 50
		for i := range storm {
			in := escudo.AlertInput{PersonID: f.person.ID, Type: escudo.AlertPanic, Source: escudo.SourceHotline, DedupKey: fmt.Sprint("storm-", i)}
			if _, err := f.p.Submit(ctx, in, "OAX"); err != nil {
				t.Fatal(err)
			}
		}
		f.rec.take()
		commits := func() uint64 {
			m := &dto.Metric{}
			if err := f.p.m.batch.Write(m); err != nil {
				t.Fatal(err)
			}
			return m.GetHistogram().GetSampleCount()
		}
		before := commits()
		clock.Advance(15 * time.Second)
		n, err := f.p.EscalateDue(ctx)
		if err != nil || n != storm {
			t.Fatalf("escalated %d of %d (err %v)", n, storm, err)
		}
		if used := commits() - before; used >= storm {
			t.Fatalf("%d escalations took %d commits", storm, used)
		}
		open, err := db.FindAlerts(ctx, escudo.AlertFilter{Open: true, Limit: storm})
		if err != nil || len(open) != storm {
			t.Fatalf("open alerts: %d (err %v)", len(open), err)
		}
		for _, a := range open {
			if a.Tier != 1 || a.Escalations != 1 {
				t.Fatalf("alert %d at tier %d after %d escalations", a.ID, a.Tier, a.Escalations)
			}
		}
	})
}

// The dedup memory of early paging forgets what is older than the window,
// and past its bound it stops paging early rather than grow.
func TestRecentBounded(t *testing.T) {
	r := newRecent(time.Minute)
	in := escudo.AlertInput{DeviceID: 7, Type: escudo.AlertPanic, MessageID: "a"}
	if !r.fresh(&in, t0) || r.fresh(&in, t0.Add(time.Second)) {
		t.Fatal("a retransmission within the window was fresh")
	}
	if !r.fresh(&in, t0.Add(2*time.Minute)) {
		t.Fatal("the same message after the window was not fresh")
	}
	for i := range maxRecent {
		r.seen[recentKey{kindMessage, int64(i + 100), 1}] = t0.Add(2 * time.Minute).UnixNano()
	}
	other := escudo.AlertInput{DeviceID: 8, Type: escudo.AlertPanic, MessageID: "b"}
	if r.fresh(&other, t0.Add(2*time.Minute+2*time.Second)) {
		t.Fatal("paged early with the dedup memory full")
	}
	if n := len(r.seen); n > maxRecent+3 {
		t.Fatalf("dedup memory grew to %d past its bound %d", n, maxRecent)
	}
	if !r.fresh(&other, t0.Add(5*time.Minute)) {
		t.Fatal("after the window, the memory was not swept")
	}
}
