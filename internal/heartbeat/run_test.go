package heartbeat

import (
	"context"
	"sync"
	"testing"
	"time"

	"escudo/internal/jobs"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// waitFor polls cond; the generous limit only ends a test that would
// otherwise hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
	}
}

// Supervision runs by itself on the job runner: it loads the devices, picks up one registered
// while it runs (supervised from when it was found when its registration
// time is unknown), finds each silent three intervals after it was last
// heard, and writes the silences on the way out, so the next process knows.
func TestRunSupervisesUntilStopped(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		iv := 10 * time.Second
		var mu sync.Mutex
		devs := []Device{{ID: 1, Interval: iv, Registered: t0}}
		list := func(context.Context) ([]Device, error) {
			mu.Lock()
			defer mu.Unlock()
			return append([]Device(nil), devs...), nil
		}
		r := &raised{}
		s := New(Options{DB: db, Now: clock.Now, Raiser: r, Devices: list,
			CheckEvery: time.Millisecond, FlushEvery: time.Millisecond, RefreshEvery: time.Millisecond})
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		runner := jobs.New(jobs.Options{DB: db, Poll: time.Millisecond})
		s.Jobs(runner)
		go func() {
			s.Start(rctx)
			_ = runner.Run(rctx)
			if err := s.Stop(ctx); err != nil {
				t.Error(err)
			}
			close(done)
		}()
		waitFor(t, "loaded", s.Ready)
		if err := s.Record(1, t0.UnixNano(), Beat{Battery: 80}); err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.Add(5 * time.Second))
		mu.Lock()
		devs = append(devs, Device{ID: 2, Interval: iv}) // registration time unknown
		mu.Unlock()
		waitFor(t, "the new device supervised", func() bool { return s.State(2).Supervised })
		clock.Set(t0.Add(3*iv + time.Second)) // device 1: three intervals and a second
		waitFor(t, "device 1 found silent", func() bool { return s.State(1).Silent })
		if s.State(2).Silent {
			t.Fatal("the device found 5 s after start was silent from its zero registration time")
		}
		clock.Set(t0.Add(5*time.Second + 3*iv + time.Second))
		waitFor(t, "device 2 found silent", func() bool { return s.State(2).Silent })
		stop()
		<-done
		if r.count() != 2 {
			t.Fatalf("raised %d silences, want 2", r.count())
		}
		next := New(Options{DB: db, Now: clock.Now, Raiser: r, Devices: list})
		if err := next.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if st := next.State(1); !st.Silent || st.Battery != 80 {
			t.Fatalf("after a restart device 1 is %+v; want silent with its battery", st)
		}
	})
}
