package alert

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkAlertIngest measures an alert from intake to durable commit (the
// moment the device may be answered 202), with the outbox rows of its first
// notifications written in the same transaction.
//
//   - saturated: 64 devices sending as fast as they are answered; ns/op is
//     the cost per alert at full load (its inverse, the throughput ceiling).
//   - rate200, rate1000: alerts arrive at a fixed rate whatever the latency
//     (open loop, as devices do); p50/p99/max are the latencies at that rate.
//
// Run with -benchtime Nx, e.g. -benchtime 6000x for 30 s at 200 alerts/s.
func BenchmarkAlertIngest(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		open := func(b *testing.B) *store.DB {
			if engine == "sqlite" {
				return testdb.OpenSQLite(b, testdb.Options{})
			}
			return testdb.OpenPostgres(b, testdb.Options{})
		}
		b.Run(engine+"/saturated", func(b *testing.B) { benchSaturated(b, newBench(b, open(b))) })
		for _, rate := range []int{200, 1000} {
			b.Run(fmt.Sprintf("%s/rate%d", engine, rate), func(b *testing.B) { benchRate(b, newBench(b, open(b)), rate) })
		}
	}
}

type benchEnv struct {
	p      *Pipeline
	person int64
	devs   []*escudo.Device
}

func newBench(b *testing.B, db *store.DB) *benchEnv {
	ctx := context.Background()
	p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Persona de prueba", Entity: "OAX"}
	if err := db.CreatePerson(ctx, p); err != nil {
		b.Fatal(err)
	}
	// A realistic first tier: two duty operators with e-mail and a webhook.
	for i := range 2 {
		u := &escudo.User{Username: fmt.Sprintf("guardia%d", i), DisplayName: "g", Role: escudo.RoleDuty, Email: fmt.Sprintf("g%d@example.org", i)}
		if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
	e := &benchEnv{person: p.ID, devs: make([]*escudo.Device, 256)}
	for i := range e.devs {
		e.devs[i] = &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: p.ID}
		if _, err := db.CreateDevice(ctx, e.devs[i]); err != nil {
			b.Fatal(err)
		}
	}
	policy := escudo.DefaultEscalationPolicy()
	policy.Tiers[0].Webhooks = []string{"http://127.0.0.1:9/hook"}
	pl, err := New(Options{DB: db, Policy: policy})
	if err != nil {
		b.Fatal(err)
	}
	e.p = pl
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = pl.Run(rctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return e
}

var benchSeq atomic.Int64

func (e *benchEnv) submit(ctx context.Context) error {
	n := benchSeq.Add(1)
	d := e.devs[n%int64(len(e.devs))]
	in := escudo.AlertInput{DeviceID: d.ID, PersonID: e.person, Type: escudo.AlertPanic, Source: escudo.SourceDevice,
		MessageID: fmt.Sprint("m", n), Location: &escudo.Location{Lat: 17.06, Lon: -96.72}}
	// Each alert is distinct: only the message id dedups here.
	in.Type = escudo.DeviceAlertTypes[n%4] // panic, alarm, tamper, low_battery
	in.DedupKey = fmt.Sprint("bench:", n)
	_, err := e.p.Submit(ctx, in, "OAX")
	return err
}

func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

func benchSaturated(b *testing.B, e *benchEnv) {
	ctx := context.Background()
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			start := time.Now()
			if err := e.submit(ctx); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(start))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	b.StopTimer()
	report(b, lat)
}

func benchRate(b *testing.B, e *benchEnv, perSecond int) {
	ctx := context.Background()
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(perSecond)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		// Open loop: the i-th alert is due at start + i·interval.
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			if err := e.submit(ctx); err != nil {
				b.Error(err)
			}
			lat[i] = time.Since(t)
		}()
	}
	wg.Wait()
	b.StopTimer()
	report(b, lat)
}
