package loadgen

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/heartbeat"
	escudohttp "escudo/internal/http"
	"escudo/internal/notify"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// freeAddr returns a local address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestRunAgainstEscudo drives a real escudo (HTTP server, alert pipeline,
// delivery workers, supervisor) on SQLite: the generator registers its
// devices through the API, every acknowledged alert reaches its receiver,
// and a second run reuses the devices.
func TestRunAgainstEscudo(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	receiver := freeAddr(t)
	policy := escudo.DefaultEscalationPolicy()
	policy.Tiers[0].Webhooks = []string{"http://" + receiver + "/"}
	disp, err := notify.New(notify.Options{DB: db, Senders: map[string]notify.Sender{store.ChannelWebhook: &notify.Webhook{}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := alert.New(alert.Options{DB: db, Policy: policy, Deliverer: disp})
	if err != nil {
		t.Fatal(err)
	}
	sup := heartbeat.New(heartbeat.Options{DB: db})
	done := make(chan struct{}, 2)
	go func() { _ = p.Run(ctx); done <- struct{}{} }()
	go func() { disp.Run(ctx); done <- struct{}{} }()
	defer func() { cancel(); <-done; <-done }()
	srv, err := escudohttp.New(escudohttp.Options{DB: db, Alerts: p, Supervisor: sup})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	coord := &escudo.User{Username: "coordinacion", DisplayName: "Coordinación", Role: escudo.RoleCoordinator}
	if err := db.CreateUser(ctx, coord, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	_, token, err := db.CreateAPIToken(ctx, coord.ID, "loadgen", 0)
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	c := Config{URL: ts.URL, Token: token, Devices: 12, HeartbeatInterval: 5 * time.Second, AlertsPerSecond: 20,
		Duration: 1500 * time.Millisecond, StateFile: filepath.Join(t.TempDir(), "state.json"), Receiver: receiver,
		Resolve: true, Grace: 10 * time.Second, Entities: []string{"OAX", "GRO"}, Warmup: true, Progress: &progress}
	rep, err := Run(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if rep.AlertsSent == 0 || rep.Lost != 0 || rep.AlertsFailed != 0 || rep.Notified != rep.AlertsAcked-rep.Duplicates || rep.Ack.N != rep.AlertsAcked {
		t.Fatalf("report %+v", rep)
	}
	if rep.HeartbeatErrors != 0 || rep.HeartbeatsOK == 0 || sup.State(1).Battery != 87 {
		t.Fatalf("heartbeats: %+v, state %+v", rep, sup.State(1))
	}
	if !strings.Contains(progress.String(), "registering devices") {
		t.Fatalf("no progress shown: %q", progress.String())
	}
	var out bytes.Buffer
	rep.Print(&out)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "summary: ") || !strings.Contains(last, "lost=0") {
		t.Fatalf("last line %q", last)
	}
	devs, err := db.FindDevices(ctx, 0)
	if err != nil || len(devs) != 12 {
		t.Fatalf("%d devices registered (%v)", len(devs), err)
	}
	// Resolved as notified: nothing left open once the run is over.
	open, err := db.FindAlerts(ctx, escudo.AlertFilter{Open: true})
	if err != nil || len(open) != 0 {
		t.Fatalf("%d alerts left open (%v)", len(open), err)
	}

	// A second run reuses the registered devices.
	c.AlertsPerSecond, c.Duration = 5, 500*time.Millisecond
	if _, err := Run(ctx, c); err != nil {
		t.Fatal(err)
	}
	if devs, _ := db.FindDevices(ctx, 0); len(devs) != 12 {
		t.Fatalf("second run registered again: %d devices", len(devs))
	}
}

func TestSummarise(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := summarise(ds)
	if l.N != 100 || l.P50 != 50*time.Millisecond || l.P90 != 90*time.Millisecond || l.P99 != 99*time.Millisecond || l.Max != 100*time.Millisecond {
		t.Fatalf("%+v", l)
	}
	if summarise(nil).N != 0 {
		t.Fatal("empty")
	}
}
