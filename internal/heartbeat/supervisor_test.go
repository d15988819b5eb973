package heartbeat

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// raised collects the silences a supervisor raises.
type raised struct {
	mu   sync.Mutex
	list []Silence
	fail bool
}

func (r *raised) RaiseSilent(_ context.Context, s Silence) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return errors.New("alert store unavailable")
	}
	r.list = append(r.list, s)
	return nil
}

func (r *raised) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.list) }

func newSup(clock *testdb.Clock, db *store.DB, devs []Device, r Raiser) *Supervisor {
	return New(Options{DB: db, Now: clock.Now, Raiser: r,
		Devices: func(context.Context) ([]Device, error) { return devs, nil }})
}

func TestSilentDeviceDetectedWithinBound(t *testing.T) {
	for _, iv := range []time.Duration{5 * time.Second, 30 * time.Second, 5 * time.Minute} {
		t.Run(iv.String(), func(t *testing.T) {
			clock := testdb.NewClock(t0)
			r := &raised{}
			s := newSup(clock, nil, []Device{{ID: 7, Interval: iv, Registered: t0.Add(-time.Hour)}}, r)
			if err := s.Load(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := s.Record(7, t0.UnixNano(), Beat{Battery: 80}); err != nil {
				t.Fatal(err)
			}
			// The supervisor ticks every second, as in production.
			var detected time.Time
			for clock.Now().Before(t0.Add(3*iv + time.Minute)) {
				clock.Advance(time.Second)
				if s.Check(context.Background()) > 0 {
					detected = clock.Now()
					break
				}
			}
			if detected.IsZero() {
				t.Fatal("silent device never detected")
			}
			if took := detected.Sub(t0); took <= 3*iv || took > 3*iv+5*time.Second {
				t.Fatalf("detected %v after the last heartbeat; want in (3×%v, 3×%v+5s]", took, iv, iv)
			}
			if r.count() != 1 || r.list[0].DeviceID != 7 || !r.list[0].LastSeen.Equal(t0) {
				t.Fatalf("raised %+v", r.list)
			}
			// Still silent a while later: no second alert.
			clock.Advance(10 * iv)
			s.Check(context.Background())
			if r.count() != 1 {
				t.Fatalf("raised %d alerts for one silence", r.count())
			}
		})
	}
}

func TestNoAlarmAtExactlyTheBoundary(t *testing.T) {
	clock := testdb.NewClock(t0)
	r := &raised{}
	iv := 10 * time.Second
	s := newSup(clock, nil, []Device{{ID: 1, Interval: iv, Registered: t0}}, r)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.Add(3 * iv))
	if n := s.Check(context.Background()); n != 0 || r.count() != 0 {
		t.Fatalf("alarm at exactly three intervals: %d", n)
	}
	clock.Advance(time.Nanosecond)
	if n := s.Check(context.Background()); n != 1 {
		t.Fatalf("found %d silent one nanosecond past the boundary, want 1", n)
	}
}

func TestRegularHeartbeatsNeverAlarm(t *testing.T) {
	clock := testdb.NewClock(t0)
	r := &raised{}
	iv := 30 * time.Second
	s := newSup(clock, nil, []Device{{ID: 3, Interval: iv, Registered: t0}}, r)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A device late by almost three intervals each time stays supervised.
	for i := 0; i < 50; i++ {
		for j := 0; j < 89; j++ {
			clock.Advance(time.Second)
			s.Check(context.Background())
		}
		if err := s.Record(3, clock.Now().UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
	}
	if r.count() != 0 {
		t.Fatalf("false alarms: %+v", r.list)
	}
}

func TestSilentDeviceHeardAgainIsSupervisedAgain(t *testing.T) {
	clock := testdb.NewClock(t0)
	r := &raised{}
	iv := 10 * time.Second
	s := newSup(clock, nil, []Device{{ID: 4, Interval: iv, Registered: t0}}, r)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(31 * time.Second)
	s.Check(context.Background())
	if !s.State(4).Silent || len(s.Silent()) != 1 {
		t.Fatal("device not marked silent")
	}
	if err := s.Record(4, clock.Now().UnixNano(), Beat{Battery: 50}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(iv)
	s.Check(context.Background())
	if st := s.State(4); st.Silent || st.Battery != 50 {
		t.Fatalf("state after it spoke again: %+v", st)
	}
	clock.Advance(3*iv + time.Second)
	s.Check(context.Background())
	if r.count() != 2 {
		t.Fatalf("second silence raised %d alerts in total, want 2", r.count())
	}
}

func TestFailedRaiseIsRetried(t *testing.T) {
	clock := testdb.NewClock(t0)
	r := &raised{fail: true}
	s := newSup(clock, nil, []Device{{ID: 5, Interval: 5 * time.Second, Registered: t0}}, r)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(16 * time.Second)
	s.Check(context.Background())
	if s.State(5).Silent {
		t.Fatal("silence kept although no alert was raised")
	}
	r.mu.Lock()
	r.fail = false
	r.mu.Unlock()
	clock.Advance(time.Second)
	s.Check(context.Background())
	if r.count() != 1 || !s.State(5).Silent {
		t.Fatalf("alert not raised on retry: %d", r.count())
	}
}

func TestShorterIntervalTakesEffect(t *testing.T) {
	clock := testdb.NewClock(t0)
	r := &raised{}
	s := newSup(clock, nil, []Device{{ID: 6, Interval: time.Hour, Registered: t0}}, r)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Supervise(Device{ID: 6, Interval: 10 * time.Second}, t0); err != nil {
		t.Fatal(err)
	}
	clock.Advance(31 * time.Second)
	if s.Check(context.Background()) != 1 {
		t.Fatal("new, shorter interval ignored")
	}
}

func TestUnknownDeviceHeartbeat(t *testing.T) {
	s := New(Options{})
	if err := s.Record(99, 1, Beat{}); !errors.Is(err, ErrUnsupervised) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Record(-1, 1, Beat{}); !errors.Is(err, ErrUnsupervised) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Supervise(Device{ID: 99, Interval: time.Minute}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Record(99, t0.UnixNano(), Beat{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Supervise(Device{ID: MaxDeviceID, Interval: time.Minute}, t0); err == nil {
		t.Fatal("id beyond the table accepted")
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	s := New(Options{})
	if err := s.Supervise(Device{ID: 12345, Interval: time.Minute}, t0); err != nil {
		t.Fatal(err)
	}
	at := t0.UnixNano()
	allocs := testing.AllocsPerRun(1000, func() {
		at++
		_ = s.Record(12345, at, Beat{Battery: 70, Lat: 17.06, Lon: -96.72, HasLoc: true})
	})
	if allocs != 0 {
		t.Fatalf("Record allocates %v times", allocs)
	}
}

func TestRestartKeepsSupervision(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(t0)
		iv := 20 * time.Second
		devs := []Device{{ID: 1, Interval: iv, Registered: t0.Add(-time.Hour)}, {ID: 2, Interval: iv, Registered: t0.Add(-time.Hour)}}
		r := &raised{}
		s1 := newSup(clock, db, devs, r)
		if err := s1.Load(ctx); err != nil {
			t.Fatal(err)
		}
		// Device 1 speaks at t0 with a location; device 2 keeps speaking.
		if err := s1.Record(1, t0.UnixNano(), Beat{Battery: 64, Lat: 17.0654, Lon: -96.7236, HasLoc: true}); err != nil {
			t.Fatal(err)
		}
		if err := s1.Record(2, t0.UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
		if n, err := s1.FlushAll(ctx); err != nil || n != 2 {
			t.Fatalf("flush wrote %d, err %v", n, err)
		}
		if n, _ := s1.FlushAll(ctx); n != 0 {
			t.Fatalf("unchanged states written again: %d", n)
		}
		loc, _, err := db.DeviceLocation(ctx, 1)
		if err != nil || loc != "17.06540,-96.72360" {
			t.Fatalf("location %q, %v", loc, err)
		}
		clock.Set(t0.Add(2 * iv))
		if err := s1.Record(2, clock.Now().UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.FlushAll(ctx); err != nil {
			t.Fatal(err)
		}

		// Restart two intervals after device 1 went quiet.
		s2 := newSup(clock, db, devs, r)
		if err := s2.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if st := s2.State(1); !st.LastSeen.Equal(t0) || st.Battery != 64 {
			t.Fatalf("state after restart: %+v", st)
		}
		clock.Set(t0.Add(3 * iv))
		if s2.Check(ctx) != 0 {
			t.Fatal("alarm at the boundary after restart")
		}
		clock.Advance(time.Second)
		if s2.Check(ctx) != 1 || r.count() != 1 || r.list[0].DeviceID != 1 {
			t.Fatalf("device 1 not found silent one interval after the restart: %+v", r.list)
		}
		if _, err := s2.FlushAll(ctx); err != nil {
			t.Fatal(err)
		}

		// Another restart: still silent, and no second alert for it.
		s3 := newSup(clock, db, devs, r)
		if err := s3.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if !s3.State(1).Silent {
			t.Fatal("silence forgotten across restart")
		}
		clock.Advance(5 * iv)
		s3.Check(ctx)
		if r.count() != 2 || r.list[1].DeviceID != 2 {
			t.Fatalf("after the second restart raised %+v; want only device 2 added", r.list)
		}
	})
}

func TestOutageGivesFullAllowance(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(t0)
		iv := time.Minute
		devs := []Device{{ID: 9, Interval: iv, Registered: t0}}
		r := &raised{}
		s1 := newSup(clock, db, devs, r)
		if err := s1.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s1.Record(9, t0.UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.FlushAll(ctx); err != nil {
			t.Fatal(err)
		}
		// escudo is down for an hour; the device could not be heard.
		clock.Set(t0.Add(time.Hour))
		s2 := newSup(clock, db, devs, r)
		if err := s2.Load(ctx); err != nil {
			t.Fatal(err)
		}
		s2.Check(ctx)
		if r.count() != 0 {
			t.Fatal("device declared silent the moment escudo came back")
		}
		clock.Advance(3 * iv)
		s2.Check(ctx)
		if r.count() != 0 {
			t.Fatal("device found silent before three intervals of listening")
		}
		if err := s2.Record(9, clock.Now().UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(3*iv + time.Second)
		s2.Check(ctx)
		if r.count() != 1 {
			t.Fatalf("device silent for three intervals after the outage: %d alerts, want 1", r.count())
		}
	})
}

func TestNewDevicesPickedUpByRefresh(t *testing.T) {
	clock := testdb.NewClock(t0)
	r := &raised{}
	var devs []Device
	s := New(Options{Now: clock.Now, Raiser: r, Devices: func(context.Context) ([]Device, error) { return devs, nil }})
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Registered after start and never heard from: still supervised.
	devs = []Device{{ID: 11, Interval: 10 * time.Second, Registered: t0}}
	if err := s.refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(31 * time.Second)
	if s.Check(context.Background()) != 1 {
		t.Fatal("device that never sent a heartbeat not found silent")
	}
	// Retired: no longer supervised.
	devs = nil
	if err := s.refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.State(11).Supervised || len(s.Silent()) != 0 {
		t.Fatal("retired device still supervised")
	}
}

func BenchmarkRecord(b *testing.B) {
	s := New(Options{})
	const n = 100_000
	for i := int64(1); i <= n; i++ {
		if err := s.Supervise(Device{ID: i, Interval: time.Minute}, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int64(0)
		for pb.Next() {
			i++
			_ = s.Record(i%n+1, t0.UnixNano()+i, Beat{Battery: 50})
		}
	})
}

func TestHeartbeatsPersistedInBatches(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(t0)
		iv := 10 * time.Second
		devs := []Device{{ID: 1, Interval: iv, Registered: t0}, {ID: 2, Interval: iv, Registered: t0}}
		s := newSup(clock, db, devs, &raised{})
		if err := s.Load(ctx); err != nil {
			t.Fatal(err)
		}
		beat := func(id int64, battery int) {
			t.Helper()
			if err := s.Record(id, clock.Now().UnixNano(), Beat{Battery: battery}); err != nil {
				t.Fatal(err)
			}
		}
		flush := func(want int) {
			t.Helper()
			if n, err := s.Flush(ctx); err != nil || n != want {
				t.Fatalf("flush wrote %d (%v), want %d", n, err, want)
			}
		}
		// First battery report: written at once; the next heartbeats only
		// once the stored one is a minute old.
		beat(1, 90)
		beat(2, 90)
		flush(2)
		for i := 0; i < 5; i++ {
			clock.Advance(iv)
			beat(1, 90)
			beat(2, 90)
			flush(0)
		}
		clock.Advance(iv)
		beat(1, 90)
		beat(2, 15) // battery news is written at once
		flush(2)
		states, err := db.HeartbeatStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st := states[2]; st.Battery != 15 || !st.LastSeen.Equal(clock.Now()) {
			t.Fatalf("stored %+v", st)
		}
		// A crash now loses device 1's last heartbeats, never its
		// supervision: after the restart a live device is heard in time.
		clock.Advance(iv)
		s2 := newSup(clock, db, devs, &raised{})
		if err := s2.Load(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(iv / 2)
		if err := s2.Record(1, clock.Now().UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
		if err := s2.Record(2, clock.Now().UnixNano(), Beat{Battery: -1}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			clock.Advance(time.Second)
			if n := s2.Check(ctx); n != 0 {
				t.Fatalf("false alarm after restart at +%ds", i)
			}
		}
	})
}
