package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/vault"
)

// clusterNode is one `escudo serve` process of a two-node test.
type clusterNode struct {
	url string
	log *bytes.Buffer
	cmd *exec.Cmd // to kill it with SIGKILL mid-test
}

// startClusterNode starts `escudo serve` on dbURL and returns once it
// listens; it is stopped at the end of the test.
func startClusterNode(t *testing.T, bin string, env []string, dbURL string, args ...string) *clusterNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n := &clusterNode{url: "http://" + addr, log: &bytes.Buffer{}}
	cmd := exec.Command(bin, append([]string{"serve", "--db", dbURL, "--addr", addr, "--public-url", n.url, "--metrics-addr", "off"}, args...)...)
	cmd.Env = env
	n.cmd = cmd
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			mu.Lock()
			n.log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if !once && strings.Contains(sc.Text(), "listening on "+n.url) {
				once = true
				close(listening)
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		pw.Close()
		if t.Failed() {
			mu.Lock()
			t.Logf("node %s:\n%s", n.url, n.log.String())
			mu.Unlock()
		}
	})
	select {
	case <-listening:
	case <-time.After(60 * time.Second):
		t.Fatalf("node did not listen in time:\n%s", n.log.String())
	}
	return n
}

// pageCounter is a webhook receiver counting first-tier pages by alert.
type pageCounter struct {
	mu      sync.Mutex
	pages   map[int64]int
	types   map[int64]escudo.AlertType
	devices map[int64]int // pages by device: a page sent for a repeat bears a number of its own
}

func newPageCounter(t *testing.T) (*pageCounter, string) {
	pc := &pageCounter{pages: map[int64]int{}, types: map[int64]escudo.AlertType{}, devices: map[int64]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			AlertID  int64            `json:"alert_id"`
			DeviceID int64            `json:"device_id"`
			Tier     int              `json:"tier"`
			Type     escudo.AlertType `json:"type"`
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		if p.Tier == 0 {
			pc.mu.Lock()
			pc.pages[p.AlertID]++
			pc.types[p.AlertID] = p.Type
			pc.devices[p.DeviceID]++
			pc.mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	return pc, srv.URL
}

func (pc *pageCounter) count(id int64) int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.pages[id]
}

func (pc *pageCounter) ofDevice(id int64) int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.devices[id]
}

func (pc *pageCounter) ofType(typ escudo.AlertType) int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	n := 0
	for id, t := range pc.types {
		if t == typ {
			n += pc.pages[id]
		}
	}
	return n
}

// consoleEvent is one event read from a console's stream.
type consoleEvent struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	at   time.Time
}

// readConsole opens the console's event stream as the signed-in browser
// and sends every alert event it reads, stamped on arrival.
func readConsole(t *testing.T, b *browser) <-chan consoleEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", b.base+"/console/stream", nil)
	req.Header.Set("Accept", "text/event-stream")
	c := &http.Client{Jar: b.c.Jar}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("console stream: %d", res.StatusCode)
	}
	out := make(chan consoleEvent, 256)
	connected := make(chan struct{})
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		once := false
		for sc.Scan() {
			line := sc.Text()
			if !once && strings.HasPrefix(line, ": connected") {
				once = true
				close(connected)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var e consoleEvent
				if json.Unmarshal([]byte(data), &e) == nil {
					e.at = time.Now()
					out <- e
				}
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the console stream never said it was connected")
	}
	return out
}

// TestTwoNodesOnePostgres runs two real `escudo serve` processes on one
// PostgreSQL database (issue 12, items 3 and 4): an alert sent to node A,
// acknowledged and resolved there, shows on node B's console within a
// second; heartbeats that alternate between the nodes never make a device
// silent, while a device that stops is raised once; a repeat of an alert
// through the other node pages once at a real webhook receiver.
func TestTwoNodesOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two servers")
	}
	testdb.PostgresURL(t)
	b := buildBinary(t)
	dbURL := testdb.FreshPostgres(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keyHex := hex.EncodeToString(key)
	env := append(os.Environ(), "ESCUDO_MASTER_KEY="+keyHex, "NO_COLOR=1")
	mig := exec.Command(b.path, "migrate", "--db", dbURL)
	mig.Env = env
	if out, err := mig.CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}

	// The registry, written as the command line would.
	ctx := context.Background()
	mk, err := vault.ParseMasterKey(keyHex)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{URL: dbURL, Keys: mk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	person := &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Lydia Cacho", Entity: "QR", Address: "Av. Tulum 20"}
	if err := db.CreatePerson(ctx, person); err != nil {
		t.Fatal(err)
	}
	type dev struct {
		*escudo.Device
		secret string
	}
	newDevice := func(label string, interval time.Duration) dev {
		d := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: person.ID, Label: label, HeartbeatInterval: interval}
		s, err := db.CreateDevice(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		return dev{d, s}
	}
	// Only the last two send heartbeats, every 4 s (the shortest interval
	// allowed is 5 s); the others are not expected to for a day.
	console, repeat := newDevice("consola", escudo.MaxHeartbeatInterval), newDevice("repetición", escudo.MaxHeartbeatInterval)
	twice := newDevice("dos a la vez", escudo.MaxHeartbeatInterval)
	alternating, stopping := newDevice("alterna", escudo.MinHeartbeatInterval), newDevice("se calla", escudo.MinHeartbeatInterval)
	const pw = "una contraseña bastante larga"
	duty := &escudo.User{Username: "guardia", DisplayName: "Guardia", Role: escudo.RoleDuty}
	if err := db.CreateUser(ctx, duty, pw); err != nil {
		t.Fatal(err)
	}
	_, token, err := db.CreateAPIToken(ctx, duty.ID, "pruebas de nodos", 0)
	if err != nil {
		t.Fatal(err)
	}

	pages, hook := newPageCounter(t)
	// One interval of silence (5 s) makes a device silent, so each node
	// alone, hearing every other heartbeat, would find it silent.
	args := []string{"--alert-webhook", hook, "--heartbeat-misses", "1"}
	nodes := [2]*clusterNode{startClusterNode(t, b.path, env, dbURL, args...), startClusterNode(t, b.path, env, dbURL, args...)}
	admin, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	waitCond(t, "both nodes listening for alert changes", 20*time.Second, func() bool {
		var n int
		err := admin.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`, store.ListenerName).Scan(&n)
		return err == nil && n == 2
	})

	post := func(node *clusterNode, d dev, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/devices/%d/%s", node.url, d.ID, path), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+d.secret)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, out
	}
	press := func(node *clusterNode, d dev, msg string) (int64, time.Time) {
		t.Helper()
		code, body := post(node, d, "alerts", `{"type":"panic","message_id":"`+msg+`"}`)
		at := time.Now()
		var acc struct {
			AlertID int64 `json:"alert_id"`
		}
		if err := json.Unmarshal(body, &acc); err != nil || code != http.StatusAccepted && code != http.StatusOK || acc.AlertID == 0 {
			t.Fatalf("alert %s: %d %s", msg, code, body)
		}
		return acc.AlertID, at
	}
	staff := func(node *clusterNode, path, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", node.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, res.StatusCode, out)
		}
	}

	// Heartbeats every 4 s, to node A and node B in turn, for the whole
	// test; the stopping device is heard twice, once by each node.
	beatsDone := make(chan struct{})
	stopBeats := make(chan struct{})
	go func() {
		defer close(beatsDone)
		tick := time.NewTicker(4 * time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			if code, body := post(nodes[i%2], alternating, "heartbeat", `{"battery":80}`); code != http.StatusNoContent {
				t.Errorf("heartbeat %d: %d %s", i, code, body)
			}
			if i < 2 {
				if code, body := post(nodes[i%2], stopping, "heartbeat", `{"battery":80}`); code != http.StatusNoContent {
					t.Errorf("heartbeat of the stopping device: %d %s", code, body)
				}
			}
			select {
			case <-stopBeats:
				return
			case <-tick.C:
			}
		}
	}()
	started := time.Now()

	// The duty officer watches node B's console.
	officer := newBrowser(t, nodes[1].url)
	if land := officer.signIn("guardia", pw); land == "" {
		t.Fatal("the duty officer did not sign in")
	}
	events := readConsole(t, officer)
	awaitEvent := func(id int64, kind string, since time.Time) time.Duration {
		t.Helper()
		limit := time.After(10 * time.Second)
		for {
			select {
			case e := <-events:
				if e.ID == id && e.Kind == kind {
					return e.at.Sub(since)
				}
			case <-limit:
				t.Fatalf("node B's console never showed %s of alert %d", kind, id)
			}
		}
	}
	var lat []time.Duration
	for i := range 5 {
		id, at := press(nodes[0], console, fmt.Sprintf("c-%d", i))
		lat = append(lat, awaitEvent(id, store.AlertEventReceived, at))
		start := time.Now()
		staff(nodes[0], fmt.Sprintf("/api/v1/alerts/%d/acknowledge", id), `{}`)
		lat = append(lat, awaitEvent(id, store.AlertEventAcknowledged, start))
		start = time.Now()
		staff(nodes[0], fmt.Sprintf("/api/v1/alerts/%d/resolve", id), `{"outcome":"false_alarm"}`)
		lat = append(lat, awaitEvent(id, store.AlertEventResolved, start))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("node A's alert changes on node B's console: median %v, worst %v (%d changes)", lat[len(lat)/2], lat[len(lat)-1], len(lat))
	if worst := lat[len(lat)-1]; worst > time.Second {
		t.Errorf("a change took %v to reach the other node's console; want within 1 s", worst)
	}

	// A repeat through the other node: the same message, then a second
	// press, both answered with the first alert and paged once.
	first, _ := press(nodes[0], repeat, "r-1")
	for _, msg := range []string{"r-1", "r-2"} {
		if id, _ := press(nodes[1], repeat, msg); id != first {
			t.Fatalf("repeat %s through node B stored as alert %d, not %d", msg, id, first)
		}
	}
	waitCond(t, "the first alert paged", 10*time.Second, func() bool { return pages.count(first) > 0 })

	// Two presses at once, one through each node: one alert, the other
	// press its repeat, paged once. Resolved between rounds.
	var both []int64
	for i := range 3 {
		var wg sync.WaitGroup
		ids, errs := make([]int64, 2), make([]error, 2)
		for j := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/devices/%d/alerts", nodes[j].url, twice.ID),
					strings.NewReader(fmt.Sprintf(`{"type":"panic","message_id":"both-%d-%d"}`, i, j)))
				req.Header.Set("Authorization", "Bearer "+twice.secret)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					errs[j] = err
					return
				}
				defer res.Body.Close()
				var acc struct {
					AlertID int64 `json:"alert_id"`
				}
				if err := json.NewDecoder(res.Body).Decode(&acc); err != nil || acc.AlertID == 0 {
					errs[j] = fmt.Errorf("status %d, %v", res.StatusCode, err)
				}
				ids[j] = acc.AlertID
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: %v, %v", i, errs[0], errs[1])
		}
		if ids[0] != ids[1] {
			t.Fatalf("round %d: two presses at once through the two nodes stored as alerts %d and %d; want one", i, ids[0], ids[1])
		}
		waitCond(t, "the alert of two presses paged", 10*time.Second, func() bool { return pages.count(ids[0]) > 0 })
		staff(nodes[i%2], fmt.Sprintf("/api/v1/alerts/%d/resolve", ids[0]), `{"outcome":"false_alarm"}`)
		both = append(both, ids[0])
	}

	// Heartbeats alternate for 30 s in all: six times the allowed silence
	// as each node alone sees it.
	if left := 30*time.Second - time.Since(started); left > 0 {
		time.Sleep(left)
	}
	close(stopBeats)
	<-beatsDone
	waitCond(t, "the stopping device raised", 20*time.Second, func() bool { return pages.ofType(escudo.AlertSilent) > 0 })
	time.Sleep(2 * time.Second) // a second page, were there one, would arrive meanwhile
	if n, all := pages.count(first), pages.ofDevice(repeat.ID); n != 1 || all != 1 {
		t.Errorf("the repeated alert paged %d times (%d pages for its device), want once", n, all)
	}
	if n := pages.ofDevice(twice.ID); n != len(both) {
		t.Errorf("%d rounds of two presses at once paged %d times, want once a round", len(both), n)
	}
	all, err := db.FindAlerts(ctx, escudo.AlertFilter{PersonID: person.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var silent []*escudo.Alert
	for _, a := range all {
		if a.Type == escudo.AlertSilent {
			silent = append(silent, a)
		}
	}
	for _, a := range silent {
		if a.DeviceID == alternating.ID {
			t.Errorf("the device heard by both nodes in turn was reported silent (alert %d)", a.ID)
		}
	}
	if len(silent) != 1 || silent[0].DeviceID != stopping.ID {
		for _, a := range silent {
			t.Logf("silent alert %d: device %d", a.ID, a.DeviceID)
		}
		t.Errorf("%d silent alerts; want one, for the device that stopped (%d)", len(silent), stopping.ID)
	}
	if n := pages.ofType(escudo.AlertSilent); n != 1 {
		t.Errorf("the silence paged %d times, want once", n)
	}
}

// waitCond polls ok until it holds; the limit only ends a test that would
// otherwise hang.
func waitCond(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
	}
}
