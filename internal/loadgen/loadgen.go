// Package loadgen drives a running escudo like a fleet of devices and a duty
// desk: simulated devices send heartbeats at their interval and alerts at a
// fixed rate, a local webhook receiver takes escudo's notifications (and,
// like an operator, resolves each alert), and the run reports the latency
// from each alert's intended send time to the device's durable
// acknowledgement and to the first notification, the heartbeats per second
// achieved, and the alerts lost.
//
// Alerts are sent open-loop: alert k is due at start + k/rate whether or not
// earlier ones were answered, and its latency counts from that due time, so
// a stalled server shows up in the figures instead of slowing the generator
// (no coordinated omission).
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Config is one run.
type Config struct {
	URL string // escudo's base URL
	// Nodes are the base URLs of several escudo nodes sharing one database
	// (two behind a load balancer, addressed directly). When set it replaces
	// URL: device i sends its heartbeats and alerts to node i mod len(Nodes),
	// the duty desk resolves each alert through the node that took it, and
	// devices are registered through the first node. The report gives each
	// node's figures beside the total.
	Nodes             []string
	Token             string        // staff API token: registers devices and resolves alerts
	Devices           int           // simulated devices
	HeartbeatInterval time.Duration // how often each device sends a heartbeat
	// RegisterInterval is the interval devices are registered with (and
	// supervised by); default HeartbeatInterval. A longer one lets a run
	// offer more heartbeats than supervision needs without silent alerts
	// when the machine cannot keep up.
	RegisterInterval time.Duration
	AlertsPerSecond  float64
	Duration         time.Duration
	StateFile        string // devices registered earlier, reused when they suffice
	Receiver         string // listen address of the webhook receiver; escudo's --alert-webhook points here
	Resolve          bool   // resolve each alert once notified, as an operator would
	HeartbeatConns   int    // connections carrying heartbeats; default 64
	Grace            time.Duration
	// Warmup sends one heartbeat per device before the timed run, so the
	// figures are those of a server that already knows its devices.
	Warmup   bool
	Entities []string
	Progress io.Writer // progress bar; nil for none
	// Alertmanager drives a Prometheus Alertmanager at URL instead of
	// escudo, for comparison on the same machine with the same generator
	// and receiver: each alert is posted to /api/v2/alerts with a label
	// lg_id (route with group_by: [lg_id] and group_wait: 0s so each is
	// notified on its own), its "acknowledgement" is Alertmanager's answer
	// (kept in memory, not stored durably), and its notification the first
	// webhook whose alerts carry its lg_id. No devices are registered, no
	// heartbeats sent and nothing resolved.
	Alertmanager bool
}

// Device is a registered simulated device.
type Device struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
}

// State is what the state file keeps between runs.
type State struct {
	URL      string   `json:"url"`
	Interval string   `json:"heartbeat_interval"`
	Devices  []Device `json:"devices"`
}

// Report is a run's outcome.
type Report struct {
	Duration           time.Duration
	Devices            int
	Interval           time.Duration
	Rate               float64
	AlertsSent         int
	AlertsAcked        int
	Duplicates         int
	AlertsFailed       int
	Notified           int
	Lost               int // acknowledged but never notified, plus failed
	Ack                Latency
	Notify             Latency
	HeartbeatsSent     int64
	HeartbeatsOK       int64
	HeartbeatErrors    int64
	HeartbeatsPerSec   float64
	HeartbeatTarget    float64
	Resolved           int64
	ResolveErrors      int64
	FirstErrors        []string
	ReceiverDeliveries int64
	// PerNode has one entry per node when the run drove several.
	PerNode []NodeReport
}

// NodeReport is one node's part of a run: the alerts its devices sent to
// it, their acknowledgements and first notifications (whichever node
// delivered them), and its errors.
type NodeReport struct {
	URL             string
	Devices         int
	AlertsSent      int
	AlertsAcked     int
	Duplicates      int
	AlertsFailed    int
	Notified        int
	Lost            int
	Ack             Latency
	Notify          Latency
	HeartbeatsOK    int64
	HeartbeatErrors int64
	ResolveErrors   int64
}

// Latency summarises latencies.
type Latency struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

func summarise(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.999999999) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	return Latency{N: len(ds), P50: at(.5), P90: at(.9), P99: at(.99), Max: ds[len(ds)-1]}
}

func (l Latency) String() string {
	if l.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s  (n=%d)", ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max), l.N)
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + "ms" }

// Print writes the report; its last line is a one-line summary.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "escudo loadgen: %s, %d devices, heartbeat every %s, %.0f alerts/s\n", r.Duration.Round(time.Second), r.Devices, r.Interval, r.Rate)
	fmt.Fprintf(w, "alerts:      sent %d, acknowledged %d, duplicates %d, failed %d, notified %d, lost %d\n",
		r.AlertsSent, r.AlertsAcked, r.Duplicates, r.AlertsFailed, r.Notified, r.Lost)
	fmt.Fprintf(w, "alert→acknowledgement (durable): %s\n", r.Ack)
	fmt.Fprintf(w, "alert→notification:              %s\n", r.Notify)
	fmt.Fprintf(w, "heartbeats:  sent %d, accepted %d, errors %d, %.0f/s achieved (offered %.0f/s)\n",
		r.HeartbeatsSent, r.HeartbeatsOK, r.HeartbeatErrors, r.HeartbeatsPerSec, r.HeartbeatTarget)
	fmt.Fprintf(w, "operator:    resolved %d alerts, %d errors; receiver took %d deliveries\n", r.Resolved, r.ResolveErrors, r.ReceiverDeliveries)
	for _, e := range r.FirstErrors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	for i, n := range r.PerNode {
		fmt.Fprintf(w, "node %d %s: %d devices; alerts sent %d, acknowledged %d, duplicates %d, failed %d, notified %d, lost %d; heartbeats accepted %d, errors %d; resolve errors %d\n",
			i+1, n.URL, n.Devices, n.AlertsSent, n.AlertsAcked, n.Duplicates, n.AlertsFailed, n.Notified, n.Lost, n.HeartbeatsOK, n.HeartbeatErrors, n.ResolveErrors)
		fmt.Fprintf(w, "node %d alert→acknowledgement: %s\n", i+1, n.Ack)
		fmt.Fprintf(w, "node %d alert→notification:    %s\n", i+1, n.Notify)
	}
	for i, n := range r.PerNode {
		fmt.Fprintf(w, "node %d summary: url=%s ack_p99=%s notify_p99=%s lost=%d failed=%d alerts=%d\n", i+1, n.URL, ms(n.Ack.P99), ms(n.Notify.P99), n.Lost, n.AlertsFailed, n.AlertsSent)
	}
	fmt.Fprintf(w, "summary: rate=%.0f/s duration=%s ack_p99=%s notify_p99=%s heartbeats=%.0f/s lost=%d alerts=%d\n",
		r.Rate, r.Duration.Round(time.Second), ms(r.Ack.P99), ms(r.Notify.P99), r.HeartbeatsPerSec, r.Lost, r.AlertsSent)
}

// Run performs one load run.
func Run(ctx context.Context, c Config) (*Report, error) {
	if len(c.Nodes) > 0 {
		c.URL = c.Nodes[0]
	} else {
		c.Nodes = []string{c.URL}
	}
	if c.URL == "" {
		return nil, errors.New("loadgen: no --url")
	}
	for i, u := range c.Nodes {
		u = strings.TrimSuffix(strings.TrimSpace(u), "/")
		pu, err := url.Parse(u)
		if u == "" || err != nil || pu.Host == "" {
			return nil, fmt.Errorf("loadgen: node %q is not a URL", c.Nodes[i])
		}
		c.Nodes[i] = u
	}
	c.URL = c.Nodes[0]
	if c.HeartbeatConns <= 0 {
		c.HeartbeatConns = 64
	}
	if c.RegisterInterval <= 0 {
		c.RegisterInterval = c.HeartbeatInterval
	}
	if c.Grace <= 0 {
		c.Grace = 5 * time.Second
	}
	if len(c.Entities) == 0 {
		c.Entities = []string{"OAX", "GRO", "CHH", "CDMX"}
	}
	g := &gen{c: c, client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}}}
	if c.Alertmanager {
		g.c.HeartbeatInterval, g.c.Warmup, g.c.Resolve = 0, false, false
		for i := range c.Devices {
			g.devs = append(g.devs, Device{ID: int64(i + 1)})
		}
	} else {
		devs, err := g.devices(ctx)
		if err != nil {
			return nil, err
		}
		g.devs = devs
	}
	g.nodes = make([]*node, len(c.Nodes))
	for i, u := range c.Nodes {
		pu, _ := url.Parse(u)
		g.nodes[i] = &node{url: u, host: pu.Host}
	}
	return g.run(ctx)
}

// node is one escudo node driven by the run and its own counts.
type node struct {
	url, host                 string
	sent, acked, dups, failed atomic.Int64
	hbOK, hbErr, resolveErr   atomic.Int64
	ackLat                    []time.Duration // under gen.mu
}

// nodeOf is the node that device i (its index among the run's devices)
// talks to.
func (g *gen) nodeOf(i int) int { return i % len(g.nodes) }

// sentAlert is an acknowledged alert awaiting its first notification.
type sentAlert struct {
	due  time.Time
	node int
}

type gen struct {
	c      Config
	client *http.Client
	devs   []Device
	nodes  []*node

	mu       sync.Mutex
	intended map[int64]sentAlert // alert id -> intended send time and node
	early    map[int64]time.Time // notified before the device's answer arrived
	notified map[int64]time.Duration
	ackLat   []time.Duration
	errs     []string

	sent, acked, dups, failed        atomic.Int64
	hbSent, hbOK, hbErr              atomic.Int64
	resolved, resolveErr, deliveries atomic.Int64
	resolveQ                         chan resolveReq
	resolveQueued, resolveDone       atomic.Int64
}

func (g *gen) noteErr(format string, args ...any) {
	g.mu.Lock()
	if len(g.errs) < 5 {
		g.errs = append(g.errs, fmt.Sprintf(format, args...))
	}
	g.mu.Unlock()
}

// devices reuses the state file's devices or registers new ones.
func (g *gen) devices(ctx context.Context) ([]Device, error) {
	var st State
	if g.c.StateFile != "" {
		if b, err := os.ReadFile(g.c.StateFile); err == nil {
			if err := json.Unmarshal(b, &st); err != nil {
				return nil, fmt.Errorf("loadgen: state file %s: %w", g.c.StateFile, err)
			}
		}
	}
	if st.URL == g.c.URL && st.Interval == g.c.RegisterInterval.String() && len(st.Devices) >= g.c.Devices {
		return st.Devices[:g.c.Devices], nil
	}
	if st.URL != g.c.URL || st.Interval != g.c.RegisterInterval.String() {
		st = State{URL: g.c.URL, Interval: g.c.RegisterInterval.String()}
	}
	if g.c.Token == "" {
		return nil, errors.New("loadgen: registering devices needs a staff API token (--token or ESCUDO_TOKEN)")
	}
	people, err := g.people(ctx)
	if err != nil {
		return nil, err
	}
	need := g.c.Devices - len(st.Devices)
	var bar *progressbar.ProgressBar
	if g.c.Progress != nil {
		bar = progressbar.NewOptions(need, progressbar.OptionSetWriter(g.c.Progress), progressbar.OptionSetDescription("registering devices"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	out := make(chan Device, 256)
	errc := make(chan error, 1)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(need) || ctx.Err() != nil {
					return
				}
				d, err := g.register(ctx, people[int(i)%len(people)])
				if err != nil {
					select {
					case errc <- err:
					default:
					}
					return
				}
				out <- d
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	for d := range out {
		st.Devices = append(st.Devices, d)
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	if g.c.StateFile != "" {
		b, _ := json.Marshal(st)
		if err := os.WriteFile(g.c.StateFile, b, 0o600); err != nil {
			return nil, fmt.Errorf("loadgen: state file: %w", err)
		}
	}
	select {
	case err := <-errc:
		return nil, fmt.Errorf("loadgen: register devices: %w", err)
	default:
	}
	if len(st.Devices) < g.c.Devices {
		return nil, ctx.Err()
	}
	return st.Devices[:g.c.Devices], nil
}

// people files one simulated beneficiary per entity through the staff API.
func (g *gen) people(ctx context.Context) ([]int64, error) {
	var ids []int64
	for i, e := range g.c.Entities {
		body := map[string]any{"channel": "hotline", "procedure": "ordinary", "narrative": "Beneficiaria simulada para pruebas de carga.",
			"person": map[string]any{"kind": "individual", "profile": "defender", "name": fmt.Sprintf("Persona simulada %d", i+1), "federal_entity": e,
				"contact": map[string]any{"channel": "email"}, "email": fmt.Sprintf("simulada%d@example.org", i+1)}}
		var created struct {
			ID int64 `json:"id"`
		}
		if err := g.api(ctx, "POST", "/api/v1/cases", body, &created); err != nil {
			return nil, fmt.Errorf("file a simulated beneficiary: %w", err)
		}
		var cs struct {
			PersonID int64 `json:"person_id"`
		}
		if err := g.api(ctx, "GET", "/api/v1/cases/"+strconv.FormatInt(created.ID, 10), nil, &cs); err != nil {
			return nil, err
		}
		if cs.PersonID == 0 {
			return nil, errors.New("case without person_id in the API answer")
		}
		ids = append(ids, cs.PersonID)
	}
	return ids, nil
}

func (g *gen) register(ctx context.Context, person int64) (Device, error) {
	var out struct {
		Device struct {
			ID int64 `json:"id"`
		} `json:"device"`
		Secret string `json:"secret"`
	}
	err := g.api(ctx, "POST", "/api/v1/devices", map[string]any{"person_id": person, "kind": "panic_button", "auth": "token",
		"label": "simulado", "heartbeat_interval": g.c.RegisterInterval.String()}, &out)
	return Device{ID: out.Device.ID, Secret: out.Secret}, err
}

// api calls the staff API of the first node with the token.
func (g *gen) api(ctx context.Context, method, path string, in, out any) error {
	return g.apiAt(ctx, g.c.URL, method, path, in, out)
}

// apiAt calls the staff API of the node at base.
func (g *gen) apiAt(ctx context.Context, base, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+g.c.Token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (g *gen) run(ctx context.Context) (*Report, error) {
	g.intended, g.early, g.notified = map[int64]sentAlert{}, map[int64]time.Time{}, map[int64]time.Duration{}
	g.resolveQ = make(chan resolveReq, 1<<16)
	ln, err := net.Listen("tcp", g.c.Receiver)
	if err != nil {
		return nil, fmt.Errorf("loadgen: receiver: %w", err)
	}
	rs := &http.Server{Handler: http.HandlerFunc(g.receive), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rs.Serve(ln) }()
	defer rs.Close()

	opCtx, opCancel := context.WithCancel(ctx)
	defer opCancel()
	var opWG sync.WaitGroup
	if g.c.Resolve {
		// Enough operators that a disk stall of a second (every resolution
		// waits for a commit) does not leave them behind the alerts for long.
		for w := 0; w < resolvers(g.c.AlertsPerSecond); w++ {
			opWG.Add(1)
			go func() { defer opWG.Done(); g.resolver(opCtx) }()
		}
	}
	if g.c.Warmup && g.c.HeartbeatInterval > 0 {
		if err := g.warmup(ctx); err != nil {
			return nil, err
		}
	}
	runCtx, cancel := context.WithTimeout(ctx, g.c.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	if g.c.HeartbeatInterval > 0 && len(g.devs) > 0 {
		// Each node gets its share of the connections for its own devices.
		for j := range g.nodes {
			var mine []Device
			for i := j; i < len(g.devs); i += len(g.nodes) {
				mine = append(mine, g.devs[i])
			}
			conns := min(max(1, g.c.HeartbeatConns/len(g.nodes)), len(mine))
			for w := 0; w < conns; w++ {
				wg.Add(1)
				go func(w int) { defer wg.Done(); g.heartbeats(runCtx, j, mine, w, conns, start) }(w)
			}
		}
	}
	var alertWG sync.WaitGroup
	if g.c.AlertsPerSecond > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); g.alerts(runCtx, start, &alertWG) }()
	}
	stopBar := g.progress(runCtx, start)
	wg.Wait()
	alertWG.Wait()
	elapsed := time.Since(start)
	stopBar()
	// Notifications of the last alerts may still be on their way.
	deadline := time.Now().Add(g.c.Grace)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		pending := len(g.intended) - len(g.notified)
		g.mu.Unlock()
		if pending <= 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the resolvers finish what is queued before stopping them, so the
	// last notified alerts are closed too.
	for time.Now().Before(deadline) && g.resolveDone.Load() < g.resolveQueued.Load() {
		time.Sleep(20 * time.Millisecond)
	}
	opCancel()
	opWG.Wait()
	return g.report(elapsed), nil
}

func (g *gen) progress(ctx context.Context, start time.Time) func() {
	if g.c.Progress == nil {
		return func() {}
	}
	secs := int64(g.c.Duration / time.Second)
	bar := progressbar.NewOptions64(secs, progressbar.OptionSetWriter(g.c.Progress), progressbar.OptionSetDescription("load"),
		progressbar.OptionSetPredictTime(false), progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(20))
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		var lastHB int64
		for {
			select {
			case <-done:
				_ = bar.Finish()
				return
			case <-t.C:
				hb := g.hbOK.Load()
				g.mu.Lock()
				n := len(g.notified)
				g.mu.Unlock()
				bar.Describe(fmt.Sprintf("hb %6d/s  alerts %d acked %d notified %d failed %d", hb-lastHB, g.sent.Load(), g.acked.Load(), n, g.failed.Load()))
				lastHB = hb
				_ = bar.Set64(min(int64(time.Since(start)/time.Second), secs))
			}
		}
	}()
	_ = ctx
	return func() { close(done); <-stopped }
}

// warmup sends one heartbeat per device, each to its node, as fast as the
// servers take them.
func (g *gen) warmup(ctx context.Context) error {
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(g.c.HeartbeatConns, len(g.devs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conns := make([]*rawConn, len(g.nodes))
			defer func() {
				for _, c := range conns {
					if c != nil {
						c.close()
					}
				}
			}()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(g.devs)) || ctx.Err() != nil {
					return
				}
				j := g.nodeOf(int(i))
				if conns[j] == nil {
					c, err := dialRaw(g.nodes[j].host)
					if err != nil {
						failed.Add(1)
						return
					}
					conns[j] = c
				}
				if code, err := conns[j].do(heartbeatRequest(g.nodes[j].host, g.devs[i])); err != nil || code/100 != 2 {
					failed.Add(1)
					if err != nil {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("loadgen: warm-up: %d heartbeats failed", n)
	}
	return ctx.Err()
}

const heartbeatBody = `{"battery":87,"lat":17.0654,"lon":-96.7236}`

func heartbeatRequest(host string, d Device) []byte {
	return []byte("POST /api/v1/devices/" + strconv.FormatInt(d.ID, 10) + "/heartbeat HTTP/1.1\r\nHost: " + host +
		"\r\nAuthorization: Bearer " + d.Secret + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(heartbeatBody)) + "\r\n\r\n" + heartbeatBody)
}

// heartbeats sends the heartbeats of devices w, w+n, w+2n, ... of devs to
// node j over one kept-alive connection, each device once per interval,
// evenly spread.
func (g *gen) heartbeats(ctx context.Context, j int, devs []Device, w, n int, start time.Time) {
	var mine []Device
	for i := w; i < len(devs); i += n {
		mine = append(mine, devs[i])
	}
	if len(mine) == 0 {
		return
	}
	nd := g.nodes[j]
	reqs := make([][]byte, len(mine))
	for i, d := range mine {
		reqs[i] = heartbeatRequest(nd.host, d)
	}
	var err error
	gap := g.c.HeartbeatInterval / time.Duration(len(mine))
	// Stagger the connections so that the whole fleet is spread evenly.
	next := start.Add(g.c.HeartbeatInterval * time.Duration(w) / time.Duration(n) / time.Duration(len(mine)))
	var c *rawConn
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	for i := 0; ; i = (i + 1) % len(mine) {
		if d := time.Until(next); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		} else if ctx.Err() != nil {
			return
		}
		next = next.Add(gap)
		if c == nil {
			if c, err = dialRaw(nd.host); err != nil {
				g.hbErr.Add(1)
				nd.hbErr.Add(1)
				g.noteErr("heartbeat connect: %v", err)
				c = nil
				continue
			}
		}
		g.hbSent.Add(1)
		code, err := c.do(reqs[i])
		if errors.Is(err, errClosed) {
			c.close()
			c, err = nil, nil
		}
		switch {
		case err != nil:
			g.hbErr.Add(1)
			nd.hbErr.Add(1)
			g.noteErr("heartbeat %s: %v", nd.url, err)
			c.close()
			c = nil
		case code/100 != 2:
			g.hbErr.Add(1)
			nd.hbErr.Add(1)
			g.noteErr("heartbeat answered %d by %s", code, nd.url)
		default:
			g.hbOK.Add(1)
			nd.hbOK.Add(1)
		}
	}
}

// alerts sends alert k at start + k/rate, each from its own goroutine.
func (g *gen) alerts(ctx context.Context, start time.Time, wg *sync.WaitGroup) {
	period := time.Duration(float64(time.Second) / g.c.AlertsPerSecond)
	types := []string{"panic", "alarm", "tamper", "low_battery"}
	run := strconv.FormatInt(start.UnixNano(), 36)
	for k := 0; ; k++ {
		due := start.Add(time.Duration(k) * period)
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		} else if ctx.Err() != nil {
			return
		}
		dev := g.devs[k%len(g.devs)]
		j := g.nodeOf(k % len(g.devs))
		typ := types[(k/len(g.devs))%len(types)]
		body := `{"type":"` + typ + `","message_id":"lg-` + run + `-` + strconv.Itoa(k) + `","lat":17.0654,"lon":-96.7236,"battery":80}`
		g.sent.Add(1)
		g.nodes[j].sent.Add(1)
		wg.Add(1)
		if g.c.Alertmanager {
			id := int64(k + 1)
			body = `[{"labels":{"alertname":"` + typ + `","device":"` + strconv.FormatInt(dev.ID, 10) + `","lg_id":"` + strconv.FormatInt(id, 10) +
				`","run":"` + run + `"},"annotations":{"summary":"simulated"},"startsAt":"` + due.UTC().Format(time.RFC3339Nano) + `"}]`
			go func() {
				defer wg.Done()
				g.sendAlertmanager(j, id, body, due)
			}()
			continue
		}
		go func() {
			defer wg.Done()
			g.sendAlert(j, dev, body, due)
		}()
	}
}

func (g *gen) sendAlert(j int, dev Device, body string, due time.Time) {
	nd := g.nodes[j]
	fail := func() { g.failed.Add(1); nd.failed.Add(1) }
	req, err := http.NewRequest("POST", nd.url+"/api/v1/devices/"+strconv.FormatInt(dev.ID, 10)+"/alerts", strings.NewReader(body))
	if err != nil {
		fail()
		return
	}
	req.Header.Set("Authorization", "Bearer "+dev.Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		fail()
		g.noteErr("alert %s: %v", nd.url, err)
		return
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	lat := time.Since(due)
	if resp.StatusCode/100 != 2 {
		fail()
		g.noteErr("alert answered %d by %s: %s", resp.StatusCode, nd.url, bytes.TrimSpace(b))
		return
	}
	var a struct {
		AlertID   int64 `json:"alert_id"`
		Duplicate bool  `json:"duplicate"`
	}
	if err := json.Unmarshal(b, &a); err != nil || a.AlertID == 0 {
		fail()
		g.noteErr("alert answer unreadable from %s: %s", nd.url, b)
		return
	}
	g.acked.Add(1)
	nd.acked.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ackLat = append(g.ackLat, lat)
	nd.ackLat = append(nd.ackLat, lat)
	if a.Duplicate {
		g.dups.Add(1)
		nd.dups.Add(1)
		return
	}
	g.intended[a.AlertID] = sentAlert{due: due, node: j}
	if at, ok := g.early[a.AlertID]; ok {
		// Paged before the device heard back: the duty desk closes it
		// now that the node is known.
		delete(g.early, a.AlertID)
		g.notified[a.AlertID] = at.Sub(due)
		g.queueResolve(a.AlertID, j)
	}
}

// sendAlertmanager posts one alert to Alertmanager (Config.Alertmanager).
func (g *gen) sendAlertmanager(j int, id int64, body string, due time.Time) {
	nd := g.nodes[j]
	resp, err := g.client.Post(nd.url+"/api/v2/alerts", "application/json", strings.NewReader(body))
	if err != nil {
		g.failed.Add(1)
		nd.failed.Add(1)
		g.noteErr("alert %s: %v", nd.url, err)
		return
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	lat := time.Since(due)
	if resp.StatusCode/100 != 2 {
		g.failed.Add(1)
		nd.failed.Add(1)
		g.noteErr("alert answered %d by %s: %s", resp.StatusCode, nd.url, bytes.TrimSpace(b))
		return
	}
	g.acked.Add(1)
	nd.acked.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ackLat = append(g.ackLat, lat)
	nd.ackLat = append(nd.ackLat, lat)
	g.intended[id] = sentAlert{due: due, node: j}
	if at, ok := g.early[id]; ok {
		delete(g.early, id)
		g.notified[id] = at.Sub(due)
	}
}

// receive is the webhook receiver: the first notification of each alert
// counts. It reads escudo's webhook (alert_id) and Alertmanager's (the
// lg_id label of each alert in it).
func (g *gen) receive(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	g.deliveries.Add(1)
	var p struct {
		Event   string `json:"event"`
		AlertID int64  `json:"alert_id"`
		Tier    int    `json:"tier"`
		Alerts  []struct {
			Labels map[string]string `json:"labels"`
		} `json:"alerts"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ids := []int64{p.AlertID}
	if p.AlertID == 0 {
		ids = ids[:0]
		for _, a := range p.Alerts {
			if id, err := strconv.ParseInt(a.Labels["lg_id"], 10, 64); err == nil && id > 0 {
				ids = append(ids, id)
			}
		}
	}
	g.mu.Lock()
	for _, id := range ids {
		if s, ok := g.intended[id]; ok {
			if _, seen := g.notified[id]; !seen {
				g.notified[id] = now.Sub(s.due)
				g.queueResolve(id, s.node)
			}
		} else if _, seen := g.early[id]; !seen {
			// Resolved once the acknowledgement says which node took it.
			g.early[id] = now
		}
	}
	g.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// resolveReq is a notified alert for the duty desk to close through the
// node that took it.
type resolveReq struct {
	id   int64
	node int
}

// queueResolve hands a notified alert to the operators; g.mu is held.
func (g *gen) queueResolve(id int64, node int) {
	if !g.c.Resolve {
		return
	}
	select {
	case g.resolveQ <- resolveReq{id: id, node: node}:
		g.resolveQueued.Add(1)
	default:
		g.resolveErr.Add(1)
		g.nodes[node].resolveErr.Add(1)
	}
}

// resolver closes notified alerts through the staff API, as the duty desk
// does, so the server's open-alert state stays small.
func (g *gen) resolver(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case rq := <-g.resolveQ:
			nd := g.nodes[rq.node]
			err := g.apiAt(ctx, nd.url, "POST", "/api/v1/alerts/"+strconv.FormatInt(rq.id, 10)+"/resolve", map[string]any{"outcome": "test", "note": ""}, nil)
			if err != nil {
				if ctx.Err() == nil {
					g.resolveErr.Add(1)
					nd.resolveErr.Add(1)
					g.noteErr("resolve: %v", err)
				}
			} else {
				g.resolved.Add(1)
			}
			g.resolveDone.Add(1)
		}
	}
}

func (g *gen) report(elapsed time.Duration) *Report {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := &Report{Duration: elapsed, Devices: len(g.devs), Interval: g.c.HeartbeatInterval, Rate: g.c.AlertsPerSecond,
		AlertsSent: int(g.sent.Load()), AlertsAcked: int(g.acked.Load()), Duplicates: int(g.dups.Load()), AlertsFailed: int(g.failed.Load()),
		HeartbeatsSent: g.hbSent.Load(), HeartbeatsOK: g.hbOK.Load(), HeartbeatErrors: g.hbErr.Load(),
		Resolved: g.resolved.Load(), ResolveErrors: g.resolveErr.Load(), ReceiverDeliveries: g.deliveries.Load(), FirstErrors: g.errs}
	r.HeartbeatsPerSec = float64(r.HeartbeatsOK) / elapsed.Seconds()
	if g.c.HeartbeatInterval > 0 {
		r.HeartbeatTarget = float64(len(g.devs)) / g.c.HeartbeatInterval.Seconds()
	}
	notify := make([]time.Duration, 0, len(g.notified))
	perNode := make([][]time.Duration, len(g.nodes))
	intended := make([]int, len(g.nodes))
	for _, s := range g.intended {
		intended[s.node]++
	}
	for id, d := range g.notified {
		notify = append(notify, d)
		if s, ok := g.intended[id]; ok {
			perNode[s.node] = append(perNode[s.node], d)
		}
	}
	r.Notified = len(notify)
	r.Ack, r.Notify = summarise(g.ackLat), summarise(notify)
	r.Lost = len(g.intended) - len(g.notified) + r.AlertsFailed + (r.AlertsSent - r.AlertsAcked - r.AlertsFailed)
	if len(g.nodes) > 1 {
		for j, nd := range g.nodes {
			n := NodeReport{URL: nd.url, AlertsSent: int(nd.sent.Load()), AlertsAcked: int(nd.acked.Load()), Duplicates: int(nd.dups.Load()),
				AlertsFailed: int(nd.failed.Load()), Notified: len(perNode[j]), HeartbeatsOK: nd.hbOK.Load(), HeartbeatErrors: nd.hbErr.Load(),
				ResolveErrors: nd.resolveErr.Load(), Ack: summarise(nd.ackLat), Notify: summarise(perNode[j])}
			for i := j; i < len(g.devs); i += len(g.nodes) {
				n.Devices++
			}
			n.Lost = intended[j] - n.Notified + n.AlertsFailed + (n.AlertsSent - n.AlertsAcked - n.AlertsFailed)
			r.PerNode = append(r.PerNode, n)
		}
	}
	return r
}

// rawConn is a minimal HTTP/1.1 client connection for heartbeats: the
// generator must offer tens of thousands of requests a second on the same
// two cores as the server, so it writes prepared requests and reads only
// the status and the body length.
type rawConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialRaw(host string) (*rawConn, error) {
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &rawConn{c: c, r: bufio.NewReaderSize(c, 8192)}, nil
}

func (c *rawConn) close() { _ = c.c.Close() }

func (c *rawConn) do(req []byte) (int, error) {
	_ = c.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.c.Write(req); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, closing := 0, false, false
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			length, _ = strconv.Atoi(string(v))
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			closing = bytes.EqualFold(v, []byte("close"))
		}
	}
	if chunked {
		for {
			sz, err := c.r.ReadSlice('\n')
			if err != nil {
				return 0, err
			}
			n, err := strconv.ParseInt(string(bytes.TrimSpace(sz)), 16, 64)
			if err != nil {
				return 0, err
			}
			if _, err := c.r.Discard(int(n) + 2); err != nil {
				return 0, err
			}
			if n == 0 {
				break
			}
		}
	} else if length > 0 {
		if _, err := c.r.Discard(length); err != nil {
			return 0, err
		}
	}
	if closing {
		return code, errClosed
	}
	return code, nil
}

// errClosed reports an answered request after which the server closes the
// connection.
var errClosed = errors.New("server closed the connection")

// resolvers is how many concurrent operators resolve notified alerts: one
// for every 10 alerts a second, at least 16.
func resolvers(rate float64) int { return max(16, int(rate/10)) }
