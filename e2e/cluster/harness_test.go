// Package cluster runs real escudo nodes on a PostgreSQL server the test
// owns, and breaks them: a node killed with SIGKILL in the middle of an
// alert burst, the database server restarted under load (issue 12, item 5).
//
// The harness (this file) starts the server with initdb and pg_ctl into a
// temporary folder, as the postgres user when the test runs as root, builds
// the escudo binary once, and starts `escudo serve --migrate` nodes on it.
// DirectDB opens the same database through the store, for assertions that
// read the tables themselves.
package cluster

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
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

// ---------------------------------------------------------------- PostgreSQL

// pgServer is a PostgreSQL server in a temporary folder, on a free port.
type pgServer struct {
	t    *testing.T
	bin  string // folder of initdb, pg_ctl, postgres
	dir  string // data folder (also the socket folder)
	port int
	cred *syscall.Credential // run as postgres when the test is root
	log  string
}

// pgBinaries finds initdb and pg_ctl: Debian's newest version first, then
// the PATH. Without them the test is skipped, unless
// ESCUDO_REQUIRE_POSTGRES=1 (CI), where it fails.
func pgBinaries(t *testing.T) string {
	t.Helper()
	var dirs []string
	if vs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(vs) > 0 {
		sort.Slice(vs, func(i, j int) bool { return pgVersion(vs[i]) > pgVersion(vs[j]) })
		dirs = append(dirs, vs...)
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		ok := true
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(d, b)); err != nil {
				ok = false
			}
		}
		if ok {
			return d
		}
	}
	msg := "cluster tests skipped: no PostgreSQL server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/*/bin or on the PATH; install postgresql"
	if os.Getenv("ESCUDO_REQUIRE_POSTGRES") == "1" {
		t.Fatal(msg + " (ESCUDO_REQUIRE_POSTGRES=1)")
	}
	t.Skip(msg)
	return ""
}

func pgVersion(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// startPostgres creates a cluster with initdb and starts it; it is stopped
// (immediately) and removed when the test ends.
func startPostgres(t *testing.T) *pgServer {
	t.Helper()
	if testing.Short() {
		t.Skip("cluster tests start PostgreSQL and several escudo processes; skipped with -short")
	}
	s := &pgServer{t: t, bin: pgBinaries(t)}
	dir, err := os.MkdirTemp("", "escudo-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s.dir = filepath.Join(dir, "data")
	s.log = filepath.Join(dir, "postgres.log")
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and there is no postgres user to run PostgreSQL as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := s.cmd("initdb", "-D", s.dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// The socket goes in the data folder: the system one may not be
	// writable by the user the server runs as.
	s.appendConf(fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nmax_connections = 100\nfsync = on\nsynchronous_commit = on\n", s.dir))
	// A free port can be taken by another process between the look-up and
	// the server's bind: try another.
	for attempt := 1; ; attempt++ {
		s.port = freePort(t)
		s.appendConf(fmt.Sprintf("port = %d\n", s.port)) // the last setting wins
		out, err := s.cmd("pg_ctl", "-D", s.dir, "-l", s.log, "-w", "-t", "60", "start").CombinedOutput()
		if err == nil {
			break
		}
		b, _ := os.ReadFile(s.log)
		if attempt < 3 && strings.Contains(string(b), "could not bind") {
			continue
		}
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, tail(string(b), 4000))
	}
	t.Cleanup(func() {
		_ = s.cmd("pg_ctl", "-D", s.dir, "-m", "immediate", "-w", "stop").Run()
		if t.Failed() {
			b, _ := os.ReadFile(s.log)
			t.Logf("postgres log (tail):\n%s", tail(string(b), 4000))
		}
	})
	return s
}

func (s *pgServer) appendConf(text string) {
	s.t.Helper()
	f, err := os.OpenFile(filepath.Join(s.dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		s.t.Fatal(err)
	}
}

func (s *pgServer) cmd(name string, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(s.bin, name), args...) // #nosec G204 -- test harness
	c.Env = append(os.Environ(), "LC_ALL=C")
	if s.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	c.Dir = filepath.Dir(s.dir)
	return c
}

// Start starts the server and waits until it accepts connections.
func (s *pgServer) Start() {
	s.t.Helper()
	if out, err := s.cmd("pg_ctl", "-D", s.dir, "-l", s.log, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		b, _ := os.ReadFile(s.log)
		s.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, tail(string(b), 4000))
	}
}

// Stop stops the server: mode "fast" (clients disconnected, a clean
// shutdown) or "immediate" (every process killed; crash recovery at the
// next start).
func (s *pgServer) Stop(mode string) {
	s.t.Helper()
	if out, err := s.cmd("pg_ctl", "-D", s.dir, "-m", mode, "-w", "-t", "60", "stop").CombinedOutput(); err != nil {
		s.t.Fatalf("pg_ctl stop -m %s: %v\n%s", mode, err, out)
	}
}

// Restart is pg_ctl restart in the given mode.
func (s *pgServer) Restart(mode string) {
	s.t.Helper()
	if out, err := s.cmd("pg_ctl", "-D", s.dir, "-l", s.log, "-m", mode, "-w", "-t", "60", "restart").CombinedOutput(); err != nil {
		s.t.Fatalf("pg_ctl restart -m %s: %v\n%s", mode, err, out)
	}
}

// Freeze stops every process of the server with SIGSTOP: connections stay
// open and nothing answers, as behind a lost network. Thaw resumes them.
func (s *pgServer) Freeze() { s.signalAll(syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (s *pgServer) Thaw() { s.signalAll(syscall.SIGCONT) }

// signalAll signals the postmaster (its pid is the first line of
// postmaster.pid) and its children, found by their parent in /proc.
func (s *pgServer) signalAll(sig syscall.Signal) {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, "postmaster.pid"))
	if err != nil {
		s.t.Fatal(err)
	}
	pm, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		s.t.Fatalf("postmaster.pid: %v", err)
	}
	children := func() []int {
		var pids []int
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if err != nil {
				continue
			}
			// pid (comm) state ppid ...: comm may hold spaces, so read after ")".
			rest := string(st[strings.LastIndexByte(string(st), ')')+1:])
			if f := strings.Fields(rest); len(f) > 1 && f[1] == strconv.Itoa(pm) {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	signal := func(pid int) {
		if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			s.t.Fatalf("signal %d: %v", pid, err)
		}
	}
	if sig == syscall.SIGCONT {
		// Children first, so the postmaster wakes to running children.
		for _, pid := range children() {
			signal(pid)
		}
		signal(pm)
		return
	}
	// The postmaster first, so it forks no backend after the children are
	// listed (a node reconnecting at that moment would otherwise be served
	// by a backend left running).
	signal(pm)
	for _, pid := range children() {
		signal(pid)
	}
}

// URL is the connection URL of the server's postgres database.
func (s *pgServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// ---------------------------------------------------------------- escudo

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the binary built for the package's tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// escudoBinary builds cmd/escudo once for the package.
func escudoBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "escudo-cluster-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "escudo")
		if out, err := exec.Command("go", "build", "-o", binPath, "escudo/cmd/escudo").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Cluster is a PostgreSQL server, a shared master key and configuration,
// and the escudo nodes started on them.
type Cluster struct {
	t      *testing.T
	PG     *pgServer
	bin    string
	key    []byte
	config string
	mu     sync.Mutex
	nodes  []*Node
}

// newCluster starts PostgreSQL; cfg is the configuration file's content
// (nil: none).
func newCluster(t *testing.T, cfg any) *Cluster {
	t.Helper()
	pg := startPostgres(t)
	c := &Cluster{t: t, PG: pg, bin: escudoBinary(t), key: make([]byte, 32)}
	_, _ = rand.Read(c.key)
	if cfg != nil {
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.config = filepath.Join(t.TempDir(), "escudo.json")
		if err := os.WriteFile(c.config, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// Node is one `escudo serve` process.
type Node struct {
	Name string
	URL  string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
}

// StartNode starts `escudo serve --migrate` and waits until /readyz
// answers 200.
func (c *Cluster) StartNode(name string) *Node {
	c.t.Helper()
	n := &Node{Name: name, log: &syncBuffer{}, done: make(chan struct{})}
	// Port 0: the node says where it listens ("escudo listening on URL"),
	// so no other process can take the port in between.
	// --node: the job runner's name for it, as job_nodes and job_schedules
	// (last_node) record it.
	args := []string{"serve", "--db", c.PG.URL(), "--migrate", "--node", "escudo-" + name, "--addr", "127.0.0.1:0", "--public-url", "http://127.0.0.1", "--metrics-addr", "off"}
	if c.config != "" {
		args = append(args, "--config", c.config)
	}
	n.cmd = exec.Command(c.bin, args...) // #nosec G204 -- test harness
	n.cmd.Env = append(os.Environ(), "ESCUDO_MASTER_KEY="+hex.EncodeToString(c.key), "NO_COLOR=1")
	n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
	if err := n.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { _ = n.cmd.Wait(); close(n.done) }()
	c.mu.Lock()
	c.nodes = append(c.nodes, n)
	c.mu.Unlock()
	c.t.Cleanup(func() {
		n.Kill()
		if c.t.Failed() {
			c.t.Logf("node %s log (tail):\n%s", n.Name, tail(n.log.String(), 6000))
		}
	})
	waitFor(c.t, "node "+name+" ready", 90*time.Second, func() bool {
		select {
		case <-n.done:
			c.t.Fatalf("node %s exited:\n%s", name, n.log.String())
		default:
		}
		if n.URL == "" {
			for _, line := range strings.Split(n.log.String(), "\n") {
				if u, ok := strings.CutPrefix(line, "escudo listening on "); ok {
					n.URL = strings.TrimSpace(u)
				}
			}
			if n.URL == "" {
				return false
			}
		}
		return n.Ready()
	})
	return n
}

// Ready reports whether /readyz answers 200.
func (n *Node) Ready() bool {
	cl := http.Client{Timeout: 5 * time.Second}
	r, err := cl.Get(n.URL + "/readyz")
	if err != nil {
		return false
	}
	r.Body.Close()
	return r.StatusCode == http.StatusOK
}

// Kill sends SIGKILL and waits for the process to end.
func (n *Node) Kill() {
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}

// Log is what the node wrote so far.
func (n *Node) Log() string { return n.log.String() }

// DirectDB opens the cluster's database through the store, with the nodes'
// master key, for assertions on the tables themselves: alerts stored once
// (FindAlerts), escalations taken once (AlertTimeline), jobs run once and
// moved to the survivor (Schedules, JobsOfKind, Nodes; a node started as
// StartNode("a") runs as job-runner node "escudo-a"). It is closed at the
// end of the test.
func (c *Cluster) DirectDB() *store.DB {
	c.t.Helper()
	ctx := context.Background()
	keys, err := vault.NewMasterKey(c.key)
	if err != nil {
		c.t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{URL: c.PG.URL(), Keys: keys})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	if err := db.Init(ctx); err != nil {
		c.t.Fatal(err)
	}
	return db
}

// ---------------------------------------------------------------- API clients

// client is an HTTP client with a bound on every request: a request that
// hangs is a failure of its own, distinct from an error answer.
var client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// staff calls the JSON API with a personal API token.
type staff struct {
	t     *testing.T
	token string
}

func (s *staff) do(method, url string, body any, want int) map[string]any {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &m)
	if res.StatusCode != want {
		s.t.Fatalf("%s %s: %d (want %d) %s", method, url, res.StatusCode, want, b)
	}
	return m
}

// try is do without failing: the status and body, status 0 when there was
// no answer.
func (s *staff) try(method, url string) (int, string) {
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// device is a panic button registered through the API.
type device struct {
	ID     int64
	Secret string
	Person int64
}

// postAlert sends one alert; code 0 means no answer (connection refused,
// reset, or the client's time bound).
func postAlert(base string, d device, messageID string) (id int64, code int, took time.Duration, err error) {
	body := fmt.Sprintf(`{"type":"panic","lat":17.06,"lon":-96.72,"message_id":%q}`, messageID)
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/devices/%d/alerts", base, d.ID), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.Secret)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := client.Do(req)
	took = time.Since(start)
	if err != nil {
		return 0, 0, took, err
	}
	defer res.Body.Close()
	var acc struct {
		AlertID int64 `json:"alert_id"`
	}
	b, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(b, &acc)
	if res.StatusCode != http.StatusAccepted {
		err = fmt.Errorf("%d %s", res.StatusCode, strings.TrimSpace(string(b)))
	}
	return acc.AlertID, res.StatusCode, took, err
}

// setup is what the tests share: beneficiaries (written through the
// store), a coordinator with an API token, and devices registered through
// the API of the given node.
type setup struct {
	staff   *staff
	devices []device
}

func (c *Cluster) setup(via *Node, people, devicesEach int) *setup {
	c.t.Helper()
	ctx := context.Background()
	db := c.DirectDB()
	u := &escudo.User{Username: "coordinacion", DisplayName: "Coordinación", Role: escudo.RoleCoordinator}
	if err := db.CreateUser(ctx, u, "una contraseña larga de prueba 2026"); err != nil {
		c.t.Fatal(err)
	}
	_, token, err := db.CreateAPIToken(ctx, u.ID, "pruebas de fallos", 0)
	if err != nil {
		c.t.Fatal(err)
	}
	s := &setup{staff: &staff{t: c.t, token: token}}
	for i := range people {
		p := &escudo.Person{Profile: escudo.ProfileDefender, Name: fmt.Sprintf("Persona defensora %d", i), Entity: "OAX", Address: "Camino a Ejutla km 3"}
		if err := db.CreatePerson(ctx, p); err != nil {
			c.t.Fatal(err)
		}
		for range devicesEach {
			m := s.staff.do("POST", via.URL+"/api/v1/devices", map[string]any{"person_id": p.ID, "kind": "panic_button"}, http.StatusCreated)
			dev := m["device"].(map[string]any)
			s.devices = append(s.devices, device{ID: int64(dev["id"].(float64)), Secret: m["secret"].(string), Person: p.ID})
		}
	}
	return s
}

// storedAlerts reads every alert the setup's devices sent (those with a
// message id) from the database, keyed by id.
func (s *setup) storedAlerts(t *testing.T, db *store.DB) map[int64]*escudo.Alert {
	t.Helper()
	out := map[int64]*escudo.Alert{}
	seen := map[int64]bool{}
	for _, d := range s.devices {
		if seen[d.Person] {
			continue
		}
		seen[d.Person] = true
		as, err := db.FindAlerts(context.Background(), escudo.AlertFilter{PersonID: d.Person, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(as) >= 1000 {
			t.Fatalf("person %d has %d alerts: more than one page; use more people", d.Person, len(as))
		}
		for _, a := range as {
			if a.MessageID != "" { // a device's message, not supervision ("device silent")
				out[a.ID] = a
			}
		}
	}
	return out
}

// ---------------------------------------------------------------- webhook receiver

// receiver is a real HTTP webhook receiver counting deliveries per alert
// and tier.
type receiver struct {
	srv   *http.Server
	URL   string
	mu    sync.Mutex
	got   map[[2]int64]int // (alert id, tier) -> deliveries
	total atomic.Int64
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{URL: "http://" + ln.Addr().String(), got: map[[2]int64]int{}}
	r.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var p alert.WebhookPayload
		if err := json.Unmarshal(b, &p); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		r.total.Add(1)
		r.mu.Lock()
		r.got[[2]int64{p.AlertID, int64(p.Tier)}]++
		r.mu.Unlock()
	})}
	go func() { _ = r.srv.Serve(ln) }()
	t.Cleanup(func() { _ = r.srv.Close() })
	return r
}

// deliveries returns how many times (alert, tier) was delivered.
func (r *receiver) deliveries(id int64, tier int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[[2]int64{id, int64(tier)}]
}

// phantoms counts the alerts paged that the database does not hold: paged
// before their commit (early paging), whose commit then failed.
func (r *receiver) phantoms(stored map[int64]*escudo.Alert) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for k := range r.got {
		if _, ok := stored[k[0]]; !ok && k[1] == 0 {
			n++
		}
	}
	return n
}

// duplicates counts deliveries beyond the first, over every (alert, tier).
func (r *receiver) duplicates() (dups, distinct int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.got {
		distinct++
		dups += n - 1
	}
	return dups, distinct
}

// ---------------------------------------------------------------- helpers

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls ok until it holds, failing the test after limit.
func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for: %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test
// reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// lines counts the log lines containing s.
func (b *syncBuffer) lines(s string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			n++
		}
	}
	return n
}

// ---------------------------------------------------------------- alert load

// failure is one alert request not answered 202.
type failure struct {
	node int
	code int // 0: no answer at all
	body string
	took time.Duration
	at   time.Time
}

// load is a fleet of devices sending alerts, each a fresh message id, to
// the nodes in turn. A message not answered 202 is sent again, with the
// same message id, to the next node (as a device behind a load balancer
// retries), until it is accepted; so every message sent ends accepted
// once, and the database must hold exactly the accepted alerts.
type load struct {
	nodes    []*Node
	pace     time.Duration // pause between one device's messages
	ackEvery int           // acknowledge every n-th alert of a device (0: none)
	ackVia   *Node
	token    string

	mu         sync.Mutex
	accepted   map[string]int64 // message id -> alert id
	acceptedBy map[string]int   // message id -> node index
	lastOK     []time.Time      // per node: last 202
	mismatch   []string
	failures   []failure
	acked      map[int64]bool
	gaveUp     []string
	slowestOK  time.Duration // the longest request answered 202
	sent       atomic.Int64

	stop     chan struct{}
	stopping atomic.Bool
	wg       sync.WaitGroup
}

func startLoad(devices []device, nodes []*Node, pace time.Duration, ackEvery int, ackVia *Node, token string) *load {
	l := &load{nodes: nodes, pace: pace, ackEvery: ackEvery, ackVia: ackVia, token: token,
		accepted: map[string]int64{}, acceptedBy: map[string]int{}, lastOK: make([]time.Time, len(nodes)),
		acked: map[int64]bool{}, stop: make(chan struct{})}
	for i, d := range devices {
		l.wg.Add(1)
		go l.device(i, d)
	}
	return l
}

func (l *load) device(i int, d device) {
	defer l.wg.Done()
	for n := 0; ; n++ {
		if l.stopping.Load() {
			return
		}
		mid := fmt.Sprintf("d%d-%d", i, n)
		var stoppedAt time.Time
		for attempt := 0; ; attempt++ {
			k := (i + n + attempt) % len(l.nodes)
			l.sent.Add(1)
			id, code, took, err := postAlert(l.nodes[k].URL, d, mid)
			if code == http.StatusAccepted {
				l.mu.Lock()
				l.slowestOK = max(l.slowestOK, took)
				if prev, ok := l.accepted[mid]; ok && prev != id {
					l.mismatch = append(l.mismatch, fmt.Sprintf("%s: %d then %d", mid, prev, id))
				}
				if _, ok := l.accepted[mid]; !ok {
					l.accepted[mid], l.acceptedBy[mid] = id, k
				}
				l.lastOK[k] = time.Now()
				l.mu.Unlock()
				if l.ackEvery > 0 && n%l.ackEvery == 0 {
					if l.acknowledge(id) {
						l.mu.Lock()
						l.acked[id] = true
						l.mu.Unlock()
					}
				}
				break
			}
			f := failure{node: k, code: code, took: took, at: time.Now()}
			if err != nil {
				f.body = err.Error()
			}
			l.mu.Lock()
			l.failures = append(l.failures, f)
			l.mu.Unlock()
			if l.stopping.Load() {
				if stoppedAt.IsZero() {
					stoppedAt = time.Now()
				} else if time.Since(stoppedAt) > 30*time.Second {
					l.mu.Lock()
					l.gaveUp = append(l.gaveUp, mid)
					l.mu.Unlock()
					return
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		if l.pace > 0 {
			select {
			case <-l.stop:
			case <-time.After(l.pace):
			}
		}
	}
}

// acknowledge takes the alert as the coordinator; true on 200.
func (l *load) acknowledge(id int64) bool {
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/alerts/%d/acknowledge", l.ackVia.URL, id), nil)
	req.Header.Set("Authorization", "Bearer "+l.token)
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// Stop ends the load: every device finishes the message it is sending.
func (l *load) Stop() {
	if l.stopping.CompareAndSwap(false, true) {
		close(l.stop)
	}
	l.wg.Wait()
}

func (l *load) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accepted)
}

// perNode counts accepted messages by node.
func (l *load) perNode() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int, len(l.nodes))
	for _, k := range l.acceptedBy {
		out[k]++
	}
	return out
}

// acceptedSince reports whether node k answered 202 after t.
func (l *load) acceptedSince(k int, t time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastOK[k].After(t)
}

// failuresSince returns the failures after t.
func (l *load) failuresSince(t time.Time) []failure {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []failure
	for _, f := range l.failures {
		if f.at.After(t) {
			out = append(out, f)
		}
	}
	return out
}

// checkStored proves every accepted message stored exactly once: the
// database holds one alert per accepted message id, with that id, and no
// alert nobody was told about.
func (l *load) checkStored(t *testing.T, s *setup, db *store.DB) map[int64]*escudo.Alert {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.mismatch) > 0 {
		t.Errorf("a repeated message id was answered with another alert: %v", l.mismatch)
	}
	if len(l.gaveUp) > 0 {
		t.Errorf("%d messages never accepted: %v", len(l.gaveUp), l.gaveUp)
	}
	stored := s.storedAlerts(t, db)
	byMessage := map[string][]int64{}
	for _, a := range stored {
		byMessage[a.MessageID] = append(byMessage[a.MessageID], a.ID)
	}
	lost := 0
	for mid, id := range l.accepted {
		a, ok := stored[id]
		switch {
		case !ok:
			lost++
			if lost < 10 {
				t.Errorf("alert %d (message %s) was answered 202 and is not in the database", id, mid)
			}
		case a.MessageID != mid:
			t.Errorf("alert %d holds message %q, was answered for %q", id, a.MessageID, mid)
		case len(byMessage[mid]) != 1:
			t.Errorf("message %s stored %d times: %v", mid, len(byMessage[mid]), byMessage[mid])
		}
	}
	if lost > 0 {
		t.Errorf("%d acknowledged alerts lost", lost)
	}
	if len(stored) != len(l.accepted) {
		t.Errorf("%d alerts stored for %d accepted messages", len(stored), len(l.accepted))
	}
	return stored
}
