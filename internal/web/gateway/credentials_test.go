package gateway

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/heartbeat"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestDeviceDisabledElsewhereStopsWithinBound disables devices behind the
// credential cache's back, as another node would, and checks that they are
// refused within maxStale: at once after a revalidation under traffic, and
// on the first request after maxStale without traffic. Every refusal is
// audited.
func TestDeviceDisabledElsewhereStopsWithinBound(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSupervisionSite(t, db)
		tokenURL := fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.dev.ID)
		hmacURL := fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.hmacDev.ID)
		beat := func(hmacDevice bool) apiResp {
			if hmacDevice {
				return s.do("POST", hmacURL, `{}`, escudo.SignatureHeader, escudo.Sign([]byte(s.hmacSecret), db.Now(), []byte(`{}`)))
			}
			return s.do("POST", tokenURL, `{}`, "Authorization", "Bearer "+s.token)
		}
		setDisabled := func(id int64, disabled bool) {
			t.Helper()
			clock.Advance(time.Second)
			if err := db.SetDeviceDisabled(ctx, id, disabled); err != nil {
				t.Fatal(err)
			}
		}
		for _, hmacDevice := range []bool{false, true} {
			id := s.dev.ID
			if hmacDevice {
				id = s.hmacDev.ID
			}
			if r := beat(hmacDevice); r.Status != 204 {
				t.Fatalf("hmac=%v: first beat %d %s", hmacDevice, r.Status, r.Body)
			}

			// Without traffic: the first request after maxStale reloads.
			setDisabled(id, true)
			clock.Advance(maxStale)
			before := countDenied(t, db, "heartbeat.refused")
			if r := beat(hmacDevice); r.Status != 401 || !strings.Contains(r.Body, "error.device_disabled") {
				t.Fatalf("hmac=%v: disabled %v ago still accepted: %d %s", hmacDevice, maxStale, r.Status, r.Body)
			}
			if got := countDenied(t, db, "heartbeat.refused") - before; got != 1 {
				t.Fatalf("hmac=%v: %d refusals audited", hmacDevice, got)
			}
			s.devices.Settle()

			// Enabled again elsewhere: accepted again within the bound.
			setDisabled(id, false)
			clock.Advance(maxStale)
			if r := beat(hmacDevice); r.Status != 204 {
				t.Fatalf("hmac=%v: re-enabled device refused: %d %s", hmacDevice, r.Status, r.Body)
			}
			s.devices.Settle()

			// Under traffic: a request past refreshAfter starts a sweep; once
			// it has run the device is refused, well before maxStale.
			setDisabled(id, true)
			clock.Advance(refreshAfter)
			beat(hmacDevice) // may still be served from the cache
			s.devices.Settle()
			clock.Advance(time.Second)
			if r := beat(hmacDevice); r.Status != 401 || !strings.Contains(r.Body, "error.device_disabled") {
				t.Fatalf("hmac=%v: disabled device accepted after revalidation: %d %s", hmacDevice, r.Status, r.Body)
			}
			s.devices.Settle()
		}
	})
}

// TestDeviceCredentialServedWhileStale checks that a credential older than
// refreshAfter is served from the cache (no database read on the request
// path) and revalidated in the background.
func TestDeviceCredentialServedWhileStale(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	s := newSupervisionSite(t, db)
	a := s.devices
	e1, err := a.credential(context.Background(), s.dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.Settle()
	loaded := e1.checked.Load()
	clock.Advance(refreshAfter + time.Second)
	e2, err := a.credential(context.Background(), s.dev.ID)
	if err != nil || e2 != e1 {
		t.Fatalf("stale credential not served from the cache: %v %v", e2 == e1, err)
	}
	a.Settle()
	if got := e1.checked.Load(); got <= loaded {
		t.Fatalf("credential not revalidated in the background: checked %d, loaded %d", got, loaded)
	}
	// Unchanged in the database: the same entry (and its replay memory)
	// stays.
	if e3, _ := a.credential(context.Background(), s.dev.ID); e3 != e1 {
		t.Fatal("unchanged credential was reloaded")
	}
	a.Settle()
	// A clock stepped back does not keep an entry fresh until it catches up.
	clock.Advance(-time.Hour)
	if e4, err := a.credential(context.Background(), s.dev.ID); err != nil || e4 == e1 {
		t.Fatalf("credential from the future served: %v %v", e4 == e1, err)
	}
	a.Settle()
}

// BenchmarkDeviceCacheMemory fills the credential cache and the supervisor
// with 100,000 devices and reports the heap they take (budget: 150 MB RSS
// for the whole server at 100,000 supervised devices).
func BenchmarkDeviceCacheMemory(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		db := testdb.OpenSQLite(b, testdb.Options{})
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		a := NewCredentials(db)
		sup := heartbeat.New(heartbeat.Options{DB: db, Now: db.Now})
		now := db.Now()
		for i := range int64(n) {
			id := i + 1
			cred := &store.DeviceCredential{
				Device: &escudo.Device{ID: id, PersonID: id, Auth: escudo.AuthToken, HeartbeatInterval: time.Minute, CreatedAt: now, Entity: strings.Clone("OAX")},
				MAC:    bytes.Repeat([]byte{byte(i)}, 32),
			}
			if i%2 == 1 {
				cred.Device.Auth, cred.MAC, cred.Secret = escudo.AuthHMAC, nil, []byte(strings.Repeat("s", 43))
			}
			e := a.entry(cred, 1, nil)
			e.entity = a.intern(e.entity)
			e.checked.Store(now.UnixNano())
			a.creds[id] = e
		}
		runtime.GC()
		var mc runtime.MemStats
		runtime.ReadMemStats(&mc)
		for i := range int64(n) {
			id := i + 1
			if err := sup.Supervise(heartbeat.Device{ID: id, Interval: time.Minute, Registered: now}, now); err != nil {
				b.Fatal(err)
			}
			_ = sup.Record(id, now.UnixNano(), heartbeat.Beat{Battery: 80})
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		b.ReportMetric(float64(mc.HeapAlloc-m0.HeapAlloc)/(1<<20), "cache-MB")
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), "cache+supervisor-MB")
		runtime.KeepAlive(a)
		runtime.KeepAlive(sup)
	}
}

// BenchmarkCredentialSweep measures the background revalidation of 1,000
// cached credentials that did not change (the common case): its cost per
// device is what each device adds every refreshAfter, whatever its own
// heartbeat interval.
func BenchmarkCredentialSweep(b *testing.B) {
	const n = 1000
	db := testdb.OpenSQLite(b, testdb.Options{})
	s := newSupervisionSite(b, db)
	ctx := context.Background()
	a := s.devices
	for i := 0; i < n; i++ {
		d := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: s.dev.PersonID}
		if i%2 == 1 {
			d.Auth = escudo.AuthHMAC
		}
		if _, err := db.CreateDevice(ctx, d); err != nil {
			b.Fatal(err)
		}
		if _, err := a.credential(ctx, d.ID); err != nil {
			b.Fatal(err)
		}
	}
	a.Settle()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		a.mu.RLock()
		for _, e := range a.creds {
			e.checked.Store(0)
		}
		a.mu.RUnlock()
		a.sweep()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/device")
}
