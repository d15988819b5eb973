package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
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

// testEscudo is a real escudo in process: HTTP server, alert pipeline,
// delivery workers and supervisor on SQLite.
type testEscudo struct {
	http.Handler
	sup *heartbeat.Supervisor
}

// startEscudo starts one, with a coordinator's API token and a webhook
// receiver address for the generator; it stops when ctx ends.
func startEscudo(ctx context.Context, t *testing.T) (*testEscudo, *store.DB, string, string) {
	t.Helper()
	db := testdb.OpenSQLite(t, testdb.Options{})
	ctx, cancel := context.WithCancel(ctx)
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
	t.Cleanup(func() { cancel(); <-done; <-done })
	srv, err := escudohttp.New(escudohttp.Options{DB: db, Alerts: p, Supervisor: sup})
	if err != nil {
		t.Fatal(err)
	}
	coord := &escudo.User{Username: "coordinacion", DisplayName: "Coordinación", Role: escudo.RoleCoordinator}
	if err := db.CreateUser(ctx, coord, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	_, token, err := db.CreateAPIToken(ctx, coord.ID, "loadgen", 0)
	if err != nil {
		t.Fatal(err)
	}
	return &testEscudo{Handler: srv, sup: sup}, db, receiver, token
}

// TestRunAgainstEscudo drives a real escudo (HTTP server, alert pipeline,
// delivery workers, supervisor) on SQLite: the generator registers its
// devices through the API, every acknowledged alert reaches its receiver,
// and a second run reuses the devices.
func TestRunAgainstEscudo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, db, receiver, token := startEscudo(ctx, t)
	sup := srv.sup
	ts := httptest.NewServer(srv)
	defer ts.Close()
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

// countingNode is one "node" in front of a shared escudo: it counts the
// device requests and alert resolutions it takes, by device.
type countingNode struct {
	h       http.Handler
	mu      sync.Mutex
	alerts  map[string]int // device id -> alerts
	beats   map[string]int // device id -> heartbeats
	resolve int
}

func (n *countingNode) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // api v1 devices ID alerts|heartbeat
	n.mu.Lock()
	switch {
	case len(parts) == 5 && parts[2] == "devices" && parts[4] == "alerts":
		n.alerts[parts[3]]++
	case len(parts) == 5 && parts[2] == "devices" && parts[4] == "heartbeat":
		n.beats[parts[3]]++
	case len(parts) == 5 && parts[2] == "alerts" && parts[4] == "resolve":
		n.resolve++
	}
	n.mu.Unlock()
	n.h.ServeHTTP(w, r)
}

func (n *countingNode) totals() (alerts, beats int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.alerts {
		alerts += c
	}
	for _, c := range n.beats {
		beats += c
	}
	return alerts, beats
}

// TestRunTwoNodes drives two nodes (two HTTP servers in front of one
// escudo, as two nodes share one database): each device talks to one node
// only, the devices are split evenly, alerts are resolved through the node
// that took them, and the report's per-node figures are what each node saw
// and add up to the total.
func TestRunTwoNodes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, db, receiver, token := startEscudo(ctx, t)
	nodes := []*countingNode{
		{h: srv, alerts: map[string]int{}, beats: map[string]int{}},
		{h: srv, alerts: map[string]int{}, beats: map[string]int{}},
	}
	var urls []string
	for _, n := range nodes {
		ts := httptest.NewServer(n)
		defer ts.Close()
		urls = append(urls, ts.URL+"/")
	}
	c := Config{Nodes: urls, Token: token, Devices: 10, HeartbeatInterval: 5 * time.Second, AlertsPerSecond: 20,
		Duration: 1500 * time.Millisecond, StateFile: filepath.Join(t.TempDir(), "state.json"), Receiver: receiver,
		Resolve: true, Grace: 10 * time.Second, Entities: []string{"OAX"}, Warmup: true}
	rep, err := Run(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if rep.AlertsSent == 0 || rep.Lost != 0 || rep.AlertsFailed != 0 || len(rep.PerNode) != 2 {
		t.Fatalf("report %+v", rep)
	}
	devs, err := db.FindDevices(ctx, 0)
	if err != nil || len(devs) != 10 {
		t.Fatalf("%d devices registered (%v)", len(devs), err)
	}
	var sent, acked, notified, resolved int
	seen := map[string]int{} // device -> node
	for j, n := range nodes {
		pn := rep.PerNode[j]
		alerts, beats := n.totals()
		if pn.URL != strings.TrimSuffix(urls[j], "/") || pn.Devices != 5 {
			t.Fatalf("node %d: %+v", j, pn)
		}
		if pn.AlertsSent == 0 || pn.AlertsSent != alerts || pn.Lost != 0 || pn.AlertsFailed != 0 || pn.Ack.N != pn.AlertsAcked ||
			pn.Notified != pn.AlertsAcked-pn.Duplicates || pn.Notify.N != pn.Notified {
			t.Fatalf("node %d took %d alerts, report %+v", j, alerts, pn)
		}
		// Warm-up heartbeats are not counted by the run; the run's are.
		if pn.HeartbeatErrors != 0 || int(pn.HeartbeatsOK) > beats-len(n.beats) || len(n.beats) != 5 {
			t.Fatalf("node %d: %d heartbeats from %d devices, report %+v", j, beats, len(n.beats), pn)
		}
		for d := range n.alerts {
			seen[d] = j
		}
		for d := range n.beats {
			if k, ok := seen[d]; ok && k != j {
				t.Fatalf("device %s talked to nodes %d and %d", d, k, j)
			}
			seen[d] = j
		}
		n.mu.Lock()
		// Each notified alert is closed once, through the node that took it.
		if n.resolve != pn.Notified {
			t.Errorf("node %d: %d resolutions for %d alerts notified", j, n.resolve, pn.Notified)
		}
		resolved += n.resolve
		n.mu.Unlock()
		sent, acked, notified = sent+pn.AlertsSent, acked+pn.AlertsAcked, notified+pn.Notified
	}
	if len(seen) != 10 || sent != rep.AlertsSent || acked != rep.AlertsAcked || notified != rep.Notified || int64(resolved) != rep.Resolved+rep.ResolveErrors {
		t.Fatalf("devices %v; per node sent %d acked %d notified %d resolved %d; total %+v", seen, sent, acked, notified, resolved, rep)
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, want := range []string{"node 1 summary: url=" + rep.PerNode[0].URL, "node 2 summary: url=" + rep.PerNode[1].URL, "node 2 alert→notification:"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "summary: ") {
		t.Fatalf("last line %q", last)
	}
}

func TestRunRejectsBadNode(t *testing.T) {
	_, err := Run(context.Background(), Config{Nodes: []string{"http://127.0.0.1:1", "not a url"}, Devices: 1})
	if err == nil || !strings.Contains(err.Error(), "not a url") {
		t.Fatalf("err %v", err)
	}
}

// TestRunAlertmanager drives a stand-in for Alertmanager's API: every alert
// posted is passed on to the receiver in Alertmanager's webhook shape (two
// per notification), and the report counts each alert once, by its lg_id.
func TestRunAlertmanager(t *testing.T) {
	receiver := freeAddr(t)
	var posted sync.WaitGroup
	var mu sync.Mutex
	var pending []map[string]string
	am := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v2/alerts" {
			http.NotFound(w, r)
			return
		}
		var alerts []struct {
			Labels map[string]string `json:"labels"`
		}
		if err := json.NewDecoder(r.Body).Decode(&alerts); err != nil || len(alerts) != 1 || alerts[0].Labels["lg_id"] == "" {
			http.Error(w, "bad alert", http.StatusBadRequest)
			return
		}
		mu.Lock()
		pending = append(pending, alerts[0].Labels)
		batch := pending
		if len(batch) == 2 {
			pending = nil
		}
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
		if len(batch) == 2 {
			posted.Add(1)
			go func() {
				defer posted.Done()
				var body struct {
					Alerts []map[string]any `json:"alerts"`
				}
				for _, l := range batch {
					body.Alerts = append(body.Alerts, map[string]any{"labels": l, "status": "firing"})
				}
				b, _ := json.Marshal(body)
				if resp, err := http.Post("http://"+receiver+"/", "application/json", bytes.NewReader(b)); err == nil {
					resp.Body.Close()
				}
			}()
		}
	}))
	defer am.Close()
	rep, err := Run(context.Background(), Config{URL: am.URL, Alertmanager: true, Devices: 5, AlertsPerSecond: 40,
		Duration: time.Second, Receiver: receiver, Grace: 5 * time.Second, HeartbeatInterval: 5 * time.Second, Resolve: true})
	posted.Wait()
	if err != nil {
		t.Fatal(err)
	}
	// An odd last alert stays in the stand-in's batch, never notified.
	if rep.AlertsSent < 20 || rep.AlertsAcked != rep.AlertsSent || rep.Notified < rep.AlertsSent-1 || rep.Notified != int(rep.ReceiverDeliveries)*2 ||
		rep.HeartbeatsSent != 0 || rep.Resolved != 0 || rep.Notify.N != rep.Notified {
		t.Fatalf("report %+v", rep)
	}
}
