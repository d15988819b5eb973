package web_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"escudo/internal/web"
)

func TestAddrLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := web.NewAddrLimiter(3, 4, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("10.0.0.1"); !ok {
			t.Fatalf("request %d refused", i+1)
		}
	}
	ok, wait := l.Allow("10.0.0.1")
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Fatalf("fourth request: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.Allow("10.0.0.2"); !ok {
		t.Fatal("another address shares the budget")
	}
	now = now.Add(20 * time.Second) // one token back at 3 a minute
	if ok, _ := l.Allow("10.0.0.1"); !ok {
		t.Fatal("token not refilled")
	}
	if ok, _ := l.Allow("10.0.0.1"); ok {
		t.Fatal("refused requests must not have consumed future tokens")
	}
	// The map never outgrows its bound, even under many addresses.
	for i := 0; i < 100; i++ {
		l.Allow("192.0.2." + string(rune('0'+i%10)) + string(rune('0'+i/10)))
	}
	if n := l.Size(); n > 4 {
		t.Fatalf("limiter remembers %d addresses, bound is 4", n)
	}
}

func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5123":                    "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":        "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff:ffff:1]:1": "2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":             "192.0.2.7",
		"not an address":                    "not an address",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := web.ClientAddr(r); got != want {
			t.Errorf("clientAddr(%q) = %q, want %q", remote, got, want)
		}
	}
}

// When the limiter is full, the clients it forgets are the idle ones: a
// client that has just used up its budget keeps being refused, however many
// new addresses arrive, so flooding from other addresses cannot reset it.
func TestAddrLimiterEvictsIdleNotBusy(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := web.NewAddrLimiter(3, 4, func() time.Time { return now })
	l.Allow("198.51.100.1") // idle for more than a minute below
	now = now.Add(time.Second)
	l.Allow("198.51.100.2") // idle for exactly a minute below: refilled
	now = now.Add(49 * time.Second)
	for range 3 {
		l.Allow("203.0.113.9") // busy: its budget used up
	}
	l.Allow("198.51.100.3")
	now = now.Add(11 * time.Second)
	if ok, _ := l.Allow("198.51.100.4"); !ok {
		t.Fatal("a new address refused")
	}
	if n := l.Size(); n != 3 {
		t.Fatalf("remembers %d addresses after forgetting the two idle ones, want 3", n)
	}
	now = now.Add(500 * time.Millisecond)
	if ok, wait := l.Allow("203.0.113.9"); ok || wait <= 0 {
		t.Fatal("the busy client was forgotten: its used-up budget came back")
	}
	// Nobody idle: the least recently seen goes, the others keep their count.
	for range 3 {
		l.Allow("198.51.100.3")
	}
	now = now.Add(500 * time.Millisecond)
	for range 3 {
		l.Allow("198.51.100.5")
	}
	l.Allow("198.51.100.6") // full: 198.51.100.4 was seen least recently
	if n := l.Size(); n != 4 {
		t.Fatalf("remembers %d addresses, bound is 4", n)
	}
	for _, busy := range []string{"198.51.100.5", "198.51.100.3", "203.0.113.9"} {
		if ok, _ := l.Allow(busy); ok {
			t.Fatalf("%s, busy, was forgotten before the least recently seen client", busy)
		}
	}
}
