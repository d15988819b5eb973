package coordination

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func key(t testing.TB, b byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	priv := ed25519.NewKeyFromSeed([]byte(strings.Repeat(string(rune('a'+b)), ed25519.SeedSize)))
	return priv.Public().(ed25519.PublicKey), priv
}

func TestLinkRoundTripAndRefusals(t *testing.T) {
	pub, priv := key(t, 0)
	other, _ := key(t, 1)
	l := Link{ID: 7, RequestID: 42, Expires: t0.Add(time.Hour), KeyID: "k1"}
	tok := Sign(l, priv)
	got, err := Parse(tok)
	if err != nil || got != l {
		t.Fatalf("Parse(%q) = %+v, %v; want %+v", tok, got, err, l)
	}
	if err := Verify(tok, got, pub, t0); err != nil {
		t.Fatalf("a fresh link: %v", err)
	}
	enc := base64.RawURLEncoding
	parts := strings.Split(tok, ".")
	forged := func(payload string) string { return "r1." + enc.EncodeToString([]byte(payload)) + "." + parts[2] }
	for _, c := range []struct {
		name  string
		token string
		pub   ed25519.PublicKey
		at    time.Time
		want  error
	}{
		{"another request id under the same signature", forged("7:43:" + itoa(l.Expires.Unix()) + ":k1"), pub, t0, ErrSignature},
		{"a later expiry under the same signature", forged("7:42:" + itoa(l.Expires.Unix()+86400) + ":k1"), pub, t0, ErrSignature},
		{"signed by another key", tok, other, t0, ErrSignature},
		{"expired at the second", tok, pub, l.Expires, ErrExpired},
		{"expired long ago", tok, pub, l.Expires.Add(time.Hour), ErrExpired},
		{"signature cut", tok[:len(tok)-4], pub, t0, ErrMalformed},
	} {
		p, err := Parse(c.token)
		if err == nil {
			err = Verify(c.token, p, c.pub, c.at)
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	for _, bad := range []string{"", "r1", "r1..", "r2." + parts[1] + "." + parts[2], tok + ".x", "r1.@@@." + parts[2],
		forged("7:42:1"), forged("07:42:" + itoa(l.Expires.Unix()) + ":k1"), forged("-7:42:1:k1"), forged("7:42:1:"),
		forged("0:42:1:k1"), forged("7:42:1:k 1"), strings.Repeat("a", MaxTokenLength+1)} {
		if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) = %v, want malformed", bad, err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestLinkTTL(t *testing.T) {
	if got := LinkTTL(t0, t0.Add(48*time.Hour)); !got.Equal(t0.Add(120 * time.Hour)) {
		t.Errorf("two-day deadline: %v", got)
	}
	if got := LinkTTL(t0, t0.Add(90*24*time.Hour)); !got.Equal(t0.Add(30 * 24 * time.Hour)) {
		t.Errorf("a far deadline is capped at 30 days: %v", got)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	ds := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Hour
		}
		return out
	}
	for _, c := range []struct {
		in   []time.Duration
		q    int
		want time.Duration
	}{
		{nil, 50, 0},
		{ds(5), 50, 5 * time.Hour},
		{ds(5), 90, 5 * time.Hour},
		{ds(4, 1, 3, 2), 50, 2 * time.Hour},
		{ds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 90, 9 * time.Hour},
		{ds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 90, 10 * time.Hour},
		{ds(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 100, 10 * time.Hour},
	} {
		if got := Percentile(c.in, c.q); got != c.want {
			t.Errorf("Percentile(%v, %d) = %v, want %v", c.in, c.q, got, c.want)
		}
	}
}

func TestTally(t *testing.T) {
	h := time.Hour
	now := t0.Add(100 * h)
	facts := []RequestFact{
		// Agency 1 in Oaxaca: acknowledged in 2 h, completed in 10 h on time.
		{AgencyID: 1, Entity: "OAX", Status: RequestCompleted, SentAt: t0, Deadline: t0.Add(24 * h), Acknowledged: t0.Add(2 * h), Completed: t0.Add(10 * h)},
		// Completed late (30 h against 24 h).
		{AgencyID: 1, Entity: "OAX", Status: RequestCompleted, SentAt: t0, Deadline: t0.Add(24 * h), Acknowledged: t0.Add(4 * h), Completed: t0.Add(30 * h)},
		// Acknowledged, open past its deadline: overdue.
		{AgencyID: 1, Entity: "GRO", Status: RequestAcknowledged, SentAt: t0, Deadline: t0.Add(48 * h), Acknowledged: t0.Add(6 * h)},
		// Never acknowledged, deadline ahead: neither.
		{AgencyID: 2, Entity: "GRO", Status: RequestSent, SentAt: t0, Deadline: now.Add(h)},
		// Cancelled: not counted at all.
		{AgencyID: 2, Entity: "GRO", Status: RequestCancelled, SentAt: t0, Deadline: t0},
	}
	byAgency, byEntity := Tally(facts, now)
	if len(byAgency) != 2 || len(byEntity) != 2 {
		t.Fatalf("rows: %+v / %+v", byAgency, byEntity)
	}
	a := byAgency[0]
	want := Performance{AgencyID: 1, Sent: 3, Acknowledged: 3, Completed: 2, Overdue: 1, Late: 1,
		AckMedian: 4 * h, AckP90: 6 * h, DoneMedian: 10 * h, DoneP90: 30 * h}
	if a != want {
		t.Errorf("agency 1: %+v\nwant      %+v", a, want)
	}
	if s := a.OnTimeShare(); s != 0.5 {
		t.Errorf("on time: %v", s)
	}
	b := byAgency[1]
	if b.Sent != 1 || b.Acknowledged != 0 || b.Overdue != 0 || b.AckMedian != 0 || b.OnTimeShare() != 1 {
		t.Errorf("agency 2: %+v", b)
	}
	g := byEntity[1]
	if g.Entity != "GRO" || g.Sent != 2 || g.Overdue != 1 || g.Acknowledged != 1 {
		t.Errorf("Guerrero: %+v", g)
	}
}

func FuzzParseLink(f *testing.F) {
	_, priv := key(f, 0)
	f.Add(Sign(Link{ID: 1, RequestID: 2, Expires: t0, KeyID: "k"}, priv))
	f.Add("r1.Nzo0Mjox.AAAA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			return
		}
		// What parses names positive ids and a key, and spells itself one way.
		if l.ID <= 0 || l.RequestID <= 0 || l.KeyID == "" {
			t.Fatalf("Parse(%q) = %+v", s, l)
		}
		if again, err := Parse(Sign(l, priv)); err != nil || again != l {
			t.Fatalf("re-signed %+v: %+v, %v", l, again, err)
		}
	})
}

// BenchmarkTally: the tally of 100,000 requests' facts, the part of the
// performance table that is not reading them.
//
//	go test ./internal/coordination -run '^$' -bench Tally
func BenchmarkTally(b *testing.B) {
	facts := make([]RequestFact, 100000)
	for i := range facts {
		sent := t0.Add(time.Duration(i) * time.Minute)
		facts[i] = RequestFact{AgencyID: int64(i % 64), Entity: string(rune('A'+i%26)) + string(rune('A'+i%32/26)), Status: RequestCompleted,
			SentAt: sent, Deadline: sent.Add(72 * time.Hour), Acknowledged: sent.Add(time.Duration(i%97) * time.Hour), Completed: sent.Add(time.Duration(i%389) * time.Hour)}
	}
	for b.Loop() {
		Tally(facts, t0)
	}
}
