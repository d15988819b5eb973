package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// These tests run the real escudo binary and kill it or its receivers, as
// the fault list asks. They use SQLite in a temporary folder.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func escudoBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("fault tests build and run the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "escudo-fault-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "escudo")
		out, err := exec.Command("go", "build", "-o", binPath, "escudo/cmd/escudo").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// install prepares a data folder: schema, a beneficiary in Oaxaca, devices,
// a duty operator with an API token.
type install struct {
	dir     string
	person  int64
	devices []*escudo.Device
	secrets []string
	token   string
}

func newInstall(t *testing.T, bin string, devices int) *install {
	t.Helper()
	in := &install{dir: t.TempDir()}
	if out, err := exec.Command(bin, "migrate", "--data", in.dir, "--master-key", in.dir+".key").CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	ctx := context.Background()
	keys, err := vault.LoadMasterKey(in.dir+".key", false)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: in.dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Alberto Pérez", Entity: "OAX", Address: "Camino a Ejutla km 3"}
	if err := db.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	in.person = p.ID
	for range devices {
		d := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: p.ID}
		s, err := db.CreateDevice(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		in.devices, in.secrets = append(in.devices, d), append(in.secrets, s)
	}
	u := &escudo.User{Username: "guardia", DisplayName: "Guardia", Role: escudo.RoleDuty}
	if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, in.token, err = db.CreateAPIToken(ctx, u.ID, "fault tests", 0); err != nil {
		t.Fatal(err)
	}
	return in
}

func (in *install) openStore(t *testing.T) *store.DB {
	t.Helper()
	ctx := context.Background()
	keys, err := vault.LoadMasterKey(in.dir+".key", false)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: in.dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func (in *install) writeConfig(t *testing.T, cfg any) string {
	t.Helper()
	b, _ := json.Marshal(cfg)
	p := filepath.Join(in.dir, "config.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// server is one running escudo process.
type server struct {
	cmd *exec.Cmd
	url string
	log *bytes.Buffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startServer(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{url: "http://" + addr, log: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--public-url", s.url, "--metrics-addr", "127.0.0.1:0"}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get(s.url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not become ready:\n%s", s.log.String())
	return nil
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
}

// receiver is a webhook receiver that can be taken down and brought back.
type receiver struct {
	srv   *httptest.Server
	down  atomic.Bool
	fails atomic.Int32
	mu    sync.Mutex
	got   map[int64][]alert.WebhookPayload // by alert id
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[int64][]alert.WebhookPayload{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		if r.down.Load() {
			r.fails.Add(1)
			http.Error(w, "receiver down", http.StatusServiceUnavailable)
			return
		}
		var p alert.WebhookPayload
		if err := json.Unmarshal(b, &p); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.got[p.AlertID] = append(r.got[p.AlertID], p)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) has(id int64, tier int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.got[id] {
		if p.Tier == tier {
			return true
		}
	}
	return false
}

func postAlert(url string, d *escudo.Device, secret, body string) (int64, int, error) {
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/devices/%d/alerts", url, d.ID), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	var acc struct {
		AlertID int64 `json:"alert_id"`
	}
	_ = json.NewDecoder(res.Body).Decode(&acc)
	return acc.AlertID, res.StatusCode, nil
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKilledDuringBurstLosesNoAcknowledgedAlert: SIGKILL while devices are
// sending a burst of alerts. After a restart, every alert that was answered
// 202 is in the database and its notification reaches the receiver.
func TestKilledDuringBurstLosesNoAcknowledgedAlert(t *testing.T) {
	bin := escudoBinary(t)
	in := newInstall(t, bin, 20)
	rcv := newReceiver(t)
	cfg := in.writeConfig(t, map[string]any{"alerts": map[string]any{
		// No type-window deduplication: every message id is its own alert.
		"policy": map[string]any{"tiers": []map[string]any{{"name": "duty", "ack_timeout": "10m", "roles": []string{"duty"}}}},
		"notify": map[string]any{"hold": "2s", "poll_interval": "200ms", "base_backoff": "200ms", "max_backoff": "1s"},
	}})
	args := []string{"--data", in.dir, "--master-key", in.dir + ".key", "--config", cfg, "--alert-webhook", rcv.srv.URL}
	srv := startServer(t, bin, args...)

	var mu sync.Mutex
	acked := map[int64]bool{}
	var sent atomic.Int32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, d := range in.devices {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"type":"panic","lat":17.06,"lon":-96.72,"message_id":"d%d-%d"}`, i, n)
				id, code, err := postAlert(srv.url, d, in.secrets[i], body)
				sent.Add(1)
				if err != nil {
					return // the server is gone
				}
				if code == http.StatusAccepted {
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	waitFor(t, "a burst of acknowledged alerts", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 300
	})
	srv.kill(t)
	close(stop)
	wg.Wait()
	mu.Lock()
	ids := make([]int64, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	mu.Unlock()
	t.Logf("%d requests sent, %d acknowledged before SIGKILL", sent.Load(), len(ids))

	// After restart: every acknowledged alert is stored...
	srv = startServer(t, bin, args...)
	db := in.openStore(t)
	for _, id := range ids {
		a, err := db.FindAlertByID(context.Background(), id)
		if err != nil {
			t.Fatalf("acknowledged alert %d lost: %v", id, err)
		}
		if a.Location == nil || a.Type != escudo.AlertPanic {
			t.Fatalf("alert %d stored incompletely: %+v", id, a)
		}
	}
	db.Close()
	// ...and its notification is delivered (held rows are picked up once
	// their hold expires).
	waitFor(t, "notifications of every acknowledged alert", 60*time.Second, func() bool {
		for _, id := range ids {
			if !rcv.has(id, 0) {
				return false
			}
		}
		return true
	})
	srv.stop(t)
}

// TestReceiverDownNothingLost: the notification receiver is down for a
// while. Deliveries retry, escalation goes on regardless, and everything is
// delivered once the receiver is back.
func TestReceiverDownNothingLost(t *testing.T) {
	bin := escudoBinary(t)
	in := newInstall(t, bin, 1)
	rcv := newReceiver(t)
	rcv.down.Store(true)
	cfg := in.writeConfig(t, map[string]any{"alerts": map[string]any{
		"policy": map[string]any{"tiers": []map[string]any{
			{"name": "duty", "ack_timeout": "1s", "roles": []string{"duty"}, "webhooks": []string{rcv.srv.URL + "/duty"}},
			{"name": "supervisor", "ack_timeout": "1s", "roles": []string{"coordinator"}, "webhooks": []string{rcv.srv.URL + "/supervisor"}},
			{"name": "state_liaison", "ack_timeout": "1s", "roles": []string{"liaison"}, "entity_scoped": true, "webhooks": []string{rcv.srv.URL + "/state"}},
		}},
		"notify": map[string]any{"poll_interval": "100ms", "base_backoff": "100ms", "max_backoff": "500ms"},
	}})
	srv := startServer(t, bin, "--data", in.dir, "--master-key", in.dir+".key", "--config", cfg)
	id, code, err := postAlert(srv.url, in.devices[0], in.secrets[0], `{"type":"panic","message_id":"x-1"}`)
	if err != nil || code != http.StatusAccepted {
		t.Fatalf("alert: %d %v", code, err)
	}
	api := func(method, path string) map[string]any {
		req, _ := http.NewRequest(method, srv.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+in.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		if res.StatusCode != 200 {
			t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, m)
		}
		return m
	}
	// Escalation does not wait for deliveries: with the receiver down the
	// alert still climbs the tiers.
	waitFor(t, "escalation to the state liaison tier while the receiver is down", 20*time.Second, func() bool {
		a := api("GET", fmt.Sprintf("/api/v1/alerts/%d", id))
		return a["tier"].(float64) >= 2
	})
	waitFor(t, "retries against the receiver", 10*time.Second, func() bool { return rcv.fails.Load() >= 6 })
	// Receiver back: every tier's notification arrives.
	rcv.down.Store(false)
	waitFor(t, "delivery of every tier after the receiver came back", 20*time.Second, func() bool {
		return rcv.has(id, 0) && rcv.has(id, 1) && rcv.has(id, 2)
	})
	a := api("POST", fmt.Sprintf("/api/v1/alerts/%d/acknowledge", id))
	if a["status"] != "acknowledged" {
		t.Fatalf("acknowledge: %v", a)
	}
	srv.stop(t)
	db := in.openStore(t)
	defer db.Close()
	ns, err := db.AlertNotifications(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	retried := false
	for _, n := range ns {
		if n.Channel == store.ChannelWebhook && n.Status != store.OutboxDelivered {
			t.Errorf("notification %d (%s) left %s: %s", n.ID, n.DedupKey, n.Status, n.LastError)
		}
		if n.Attempts > 1 {
			retried = true
			att, _ := db.DeliveryAttempts(context.Background(), n.ID)
			if len(att) != n.Attempts || att[0].StatusCode != http.StatusServiceUnavailable || att[len(att)-1].Outcome != store.AttemptDelivered {
				t.Errorf("attempts of %d not recorded: %+v", n.ID, att)
			}
		}
	}
	if !retried {
		t.Error("no notification needed a retry; the receiver outage was not exercised")
	}
	got, _ := db.FindAlertByID(context.Background(), id)
	if got.FirstNotified == nil || got.AcknowledgedAt == nil || got.Tier < 2 {
		t.Fatalf("alert after recovery: %+v", got)
	}
}
