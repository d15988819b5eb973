package http

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

const factorLockedText = "demasiados intentos fallidos del segundo factor"

// TestSecondFactorGuessingIsBounded: someone who has the password cannot
// guess the code by entering the password again between wrong codes; the
// code step locks for a growing time, stored, and only a correct code
// resets the count.
func TestSecondFactorGuessingIsBounded(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := secureSite(t, db)
		u := webUser(t, db, "turno", escudo.RoleDuty)
		secret, _, err := db.BeginTOTP(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ConfirmTOTP(ctx, u, totpCode(t, secret, clock.Now())); err != nil {
			t.Fatal(err)
		}
		clock.Advance(30 * time.Second)
		good := func() string { return totpCode(t, secret, clock.Now()) }
		wrong := func() string {
			n, _ := strconv.Atoi(good())
			return fmt.Sprintf("%06d", (n+500000)%1000000)
		}
		password := func(c *client) {
			t.Helper()
			r := c.form("/login", url.Values{"username": {"turno"}, "password": {webPassword}})
			if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login/second-factor") {
				t.Fatalf("password: %d %q", r.Status, r.Header.Get("Location"))
			}
		}
		code := func(c *client, want int, code, why string) resp {
			t.Helper()
			r := c.form("/login/second-factor", url.Values{"code": {code}})
			if r.Status != want {
				t.Fatalf("%s: %d, want %d", why, r.Status, want)
			}
			if want == http.StatusTooManyRequests && !strings.Contains(r.Body, factorLockedText) {
				t.Fatalf("%s: the page does not say the code step is locked", why)
			}
			return r
		}

		// Four wrong codes, the password again, a fifth wrong code: the
		// password no longer clears the count.
		attacker := site.newClient()
		password(attacker)
		for i := range 4 {
			code(attacker, http.StatusUnauthorized, wrong(), fmt.Sprintf("wrong code %d", i+1))
		}
		password(attacker)
		code(attacker, http.StatusUnauthorized, wrong(), "fifth wrong code")
		// Now even the right code is not checked: after a new password
		// entry, and after a restart (fresh memory) for the owner too.
		password(attacker)
		code(attacker, http.StatusTooManyRequests, good(), "sixth attempt after the password again")
		site = secureSite(t, db)
		owner := site.newClient()
		password(owner)
		code(owner, http.StatusTooManyRequests, good(), "locked account after a restart")

		// The lock grows: one minute, then two.
		clock.Advance(61 * time.Second)
		code(owner, http.StatusUnauthorized, wrong(), "one guess after the first minute")
		code(owner, http.StatusTooManyRequests, good(), "right after that guess")
		clock.Advance(61 * time.Second)
		code(owner, http.StatusTooManyRequests, good(), "the second lock is longer than a minute")
		clock.Advance(60 * time.Second)
		if r := code(owner, http.StatusSeeOther, good(), "the owner after the second lock"); r.Header.Get("Location") != "/console" {
			t.Fatalf("owner not signed in: %q", r.Header.Get("Location"))
		}

		// A correct code cleared the count: the usual typing mistakes are
		// allowed again.
		clock.Advance(30 * time.Second)
		again := site.newClient()
		password(again)
		for i := range 4 {
			code(again, http.StatusUnauthorized, wrong(), fmt.Sprintf("fresh count, wrong code %d", i+1))
		}
		code(again, http.StatusSeeOther, good(), "right code after four mistakes")

		var locks int
		if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'factor.lockout'`).Scan(&locks)
		}); err != nil {
			t.Fatal(err)
		}
		if locks != 2 {
			t.Fatalf("second-factor locks audited: %d, want 2", locks)
		}
	})
}

// TestSecondFactorLockHoldsForReauth: the re-authentication form asks for
// the same code and shares the same count.
func TestSecondFactorLockHoldsForReauth(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	ctx := context.Background()
	site := secureSite(t, db)
	u := webUser(t, db, "turno", escudo.RoleDuty)
	secret, _, _ := db.BeginTOTP(ctx, u)
	if err := db.ConfirmTOTP(ctx, u, totpCode(t, secret, clock.Now())); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	c := site.newClient()
	c.form("/login", url.Values{"username": {"turno"}, "password": {webPassword}})
	if r := c.form("/login/second-factor", url.Values{"code": {totpCode(t, secret, clock.Now())}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", r.Status)
	}
	for i := range 5 {
		if i == 4 {
			// The password entered elsewhere clears the account's password
			// count, not the code count.
			site.newClient().form("/login", url.Values{"username": {"turno"}, "password": {webPassword}})
		}
		if r := c.form("/reauth", url.Values{"code": {"000000"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong re-authentication code %d: %d", i+1, r.Status)
		}
	}
	clock.Advance(30 * time.Second)
	if r := c.form("/reauth", url.Values{"code": {totpCode(t, secret, clock.Now())}}); r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, factorLockedText) {
		t.Fatalf("sixth re-authentication attempt: %d", r.Status)
	}
}

// TestLimitsCountAnIPv6Network: addresses of one IPv6 /64 share the
// sign-in and public-form limits and the stored lockout; another /64 does
// not.
func TestLimitsCountAnIPv6Network(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := secureSite(t, db)
	webUser(t, db, "rosa", escudo.RoleReception)
	from := func(n int) string { return fmt.Sprintf("[2001:db8:7:7::%x]", n) }
	for i := range 10 {
		r := site.newClient().postFrom(from(i+1), "/login", url.Values{"username": {fmt.Sprintf("nadie%d", i)}, "password": {"wrong wrong wrong"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, r.Status)
		}
	}
	if r := site.newClient().postFrom(from(0xbeef), "/login", url.Values{"username": {"rosa"}, "password": {webPassword}}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("another address of the same /64 escaped the limit: %d", r.Status)
	}
	if r := site.newClient().postFrom("[2001:db8:7:8::1]", "/login", url.Values{"username": {"rosa"}, "password": {webPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("another /64 was limited: %d", r.Status)
	}
	// The public follow-up form: ten a minute per /64.
	for i := range 10 {
		if r := site.newClient().postFrom(from(0x100+i), "/seguimiento", url.Values{}); r.Status != http.StatusBadRequest {
			t.Fatalf("follow-up %d: %d", i+1, r.Status)
		}
	}
	if r := site.newClient().postFrom(from(0x200), "/seguimiento", url.Values{}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("follow-up from a fresh address of the same /64: %d", r.Status)
	}
	// The stored lockout counts the /64 too.
	if store.AddressSubject("2001:db8:7:7::1") != store.AddressSubject("2001:db8:7:7:ffff:ffff:ffff:ffff") ||
		store.AddressSubject("2001:db8:7:7::1") == store.AddressSubject("2001:db8:7:8::1") ||
		store.AddressSubject("192.0.2.1") == store.AddressSubject("192.0.2.2") {
		t.Fatal("lockout subjects do not follow the /64 rule")
	}
}

// TestClientsBehindTrustedProxy runs escudo behind a real reverse proxy
// (net/http/httputil, which appends the client's address to
// X-Forwarded-For as nginx does). Two clients behind it get their own
// budgets and their own addresses in the audit log; what a client writes
// in the forwarding headers is never believed.
func TestClientsBehindTrustedProxy(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		srv, err := New(Options{DB: db, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
		if err != nil {
			t.Fatal(err)
		}
		backend := newTestServer(t, srv)
		target, _ := url.Parse(backend.URL)
		proxy := newTestServer(t, httputil.NewSingleHostReverseProxy(target))

		body := `{"narrative":"Me siguen al salir del trabajo.","person":{"profile":"journalist","name":"Ana Ruiz","federal_entity":"GRO","contact":{"channel":"phone"}}}`
		file := func(c *http.Client, base string, header ...string) int {
			t.Helper()
			req, _ := http.NewRequest("POST", base+"/api/v1/requests", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res.StatusCode
		}
		a, b, d := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3"), clientFrom(t, "127.0.0.4")
		for i := range 5 {
			if s := file(a, proxy.URL); s != http.StatusCreated {
				t.Fatalf("client A, request %d: %d", i+1, s)
			}
		}
		if s := file(a, proxy.URL); s != http.StatusTooManyRequests {
			t.Fatalf("client A over its budget: %d", s)
		}
		if s := file(b, proxy.URL); s != http.StatusCreated {
			t.Fatalf("client B behind the same proxy shares A's budget: %d", s)
		}
		// A cannot borrow another address: the proxy appends the real one
		// after whatever A wrote, and only that one is believed.
		if s := file(a, proxy.URL, "X-Forwarded-For", "10.9.9.9"); s != http.StatusTooManyRequests {
			t.Fatalf("client A with a forged X-Forwarded-For: %d", s)
		}
		if s := file(a, proxy.URL, "Forwarded", "for=10.9.9.8"); s != http.StatusTooManyRequests {
			t.Fatalf("client A with a forged Forwarded: %d", s)
		}
		// D talks to escudo directly: not a trusted proxy, so its headers
		// are ignored, and new names each time do not buy new budgets.
		for i := range 5 {
			if s := file(d, backend.URL, "X-Forwarded-For", fmt.Sprintf("10.8.0.%d", i+1)); s != http.StatusCreated {
				t.Fatalf("client D, request %d: %d", i+1, s)
			}
		}
		if s := file(d, backend.URL, "X-Forwarded-For", "10.8.0.99", "Forwarded", "for=10.8.0.98"); s != http.StatusTooManyRequests {
			t.Fatalf("client D escaped its budget with forged headers: %d", s)
		}

		// One client's failed sign-ins through the proxy do not lock the
		// other out.
		webUser(t, db, "rosa", escudo.RoleReception)
		login := func(c *http.Client, pw string) int {
			t.Helper()
			res, err := c.PostForm(proxy.URL+"/login", url.Values{"username": {"rosa"}, "password": {pw}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		noRedirect := func(c *http.Client) *http.Client {
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			return c
		}
		a, b = noRedirect(a), noRedirect(b)
		for i := range 10 {
			// Each guess names another account, so only the address limit acts.
			res, err := a.PostForm(proxy.URL+"/login", url.Values{"username": {fmt.Sprintf("nadie%d", i)}, "password": {"wrong wrong wrong"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
		if s := login(a, webPassword); s != http.StatusTooManyRequests {
			t.Fatalf("client A after ten failed sign-ins: %d", s)
		}
		if s := login(b, webPassword); s != http.StatusSeeOther {
			t.Fatalf("client B locked out by client A's failures: %d", s)
		}

		var remotes []string
		rows := map[string]int{}
		if err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			rs, err := tx.Query(context.Background(), `SELECT remote, COUNT(*) FROM audit_log WHERE action = 'case.create' GROUP BY remote`)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var r string
				var n int
				if err := rs.Scan(&r, &n); err != nil {
					return err
				}
				remotes, rows[r] = append(remotes, r), n
			}
			return rs.Err()
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(remotes)
		if fmt.Sprint(remotes) != "[127.0.0.2 127.0.0.3 127.0.0.4]" || rows["127.0.0.2"] != 5 || rows["127.0.0.3"] != 1 || rows["127.0.0.4"] != 5 {
			t.Fatalf("audited addresses: %v", rows)
		}
	})
}

// clientFrom is an HTTP client whose connections leave from addr (any
// address of 127.0.0.0/8 is this machine on Linux).
func clientFrom(t *testing.T, addr string) *http.Client {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot use %s as a second loopback address here: %v", addr, err)
	}
	ln.Close()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestClientAddress(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ff::/48")}
	for _, tt := range []struct {
		name, peer, header string
		values             []string
		want               string
	}{
		{"no proxy configured reads no header", "192.0.2.1:5000", "X-Forwarded-For", []string{"198.51.100.7"}, "192.0.2.1"},
		{"untrusted peer's header ignored", "192.0.2.1:5000", "X-Forwarded-For", []string{"10.0.0.1, 198.51.100.7"}, "192.0.2.1"},
		{"trusted peer: rightmost untrusted hop", "10.0.0.5:5000", "X-Forwarded-For", []string{"203.0.113.9, 198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
		{"several header lines in order", "10.0.0.5:5000", "X-Forwarded-For", []string{"203.0.113.9", "198.51.100.7"}, "198.51.100.7"},
		{"only proxies: the farthest one", "10.0.0.5:5000", "X-Forwarded-For", []string{"10.1.1.1, 10.0.0.2"}, "10.1.1.1"},
		{"garbage stops the walk", "10.0.0.5:5000", "X-Forwarded-For", []string{"198.51.100.7, bogus"}, "10.0.0.5"},
		{"no header from a trusted peer", "10.0.0.5:5000", "X-Forwarded-For", nil, "10.0.0.5"},
		{"IPv6 peer and hop", "[2001:db8:ff::1]:443", "X-Forwarded-For", []string{"2001:db8:1::77"}, "2001:db8:1::77"},
		{"Forwarded with port and quotes", "10.0.0.5:5000", "Forwarded", []string{`for=203.0.113.9, for="[2001:db8:1::77]:4711";proto=https`}, "2001:db8:1::77"},
		{"Forwarded mode ignores X-Forwarded-For", "10.0.0.5:5000", "Forwarded", nil, "10.0.0.5"},
		{"mapped IPv4 peer", "[::ffff:10.0.0.5]:5000", "X-Forwarded-For", []string{"198.51.100.7"}, "198.51.100.7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, v := range tt.values {
				r.Header.Add(tt.header, v)
			}
			if tt.name == "Forwarded mode ignores X-Forwarded-For" {
				r.Header.Add("X-Forwarded-For", "198.51.100.7")
			}
			tr := trusted
			if strings.HasPrefix(tt.name, "no proxy") {
				tr = nil
			}
			if got := clientAddress(r, tr, tt.header); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	if p, err := ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7,::1 "); err != nil || len(p) != 3 || p[1].Bits() != 32 || p[2].Bits() != 128 {
		t.Fatalf("parse: %v %v", p, err)
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8, nonsense"); err == nil {
		t.Fatal("a bad range accepted")
	}
}

// publicSite is a site that requires the second factor and is configured
// with the public URL http://HOST:PORT of its own listener.
func publicSite(t *testing.T, db *store.DB, o Options, host string) *webSite {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if o.PublicURL == nil {
		o.PublicURL = &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
	}
	o.DB = db
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	ts.URL = "http://" + net.JoinHostPort(host, port)
	return &webSite{t: t, srv: srv, ts: ts, db: db, c: newWebClient()}
}

// hostHeader sends every request of a client with another Host header,
// as a request crafted for another site would arrive.
type hostHeader struct {
	host string
	rt   http.RoundTripper
}

func (h hostHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = h.host
	return h.rt.RoundTrip(r)
}

// TestSecurityKeyUsesPublicURL: the relying party and the origin come from
// the configured public URL, so a key registered through a request naming
// another host, for that host's origin, is refused.
func TestSecurityKeyUsesPublicURL(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	public, _ := url.Parse("https://escudo.example")
	site := publicSite(t, db, Options{PublicURL: public}, "127.0.0.1")
	webUser(t, db, "admin", escudo.RoleAdmin)
	c := site.newClient()
	c.c.Transport = hostHeader{host: "evil.example", rt: http.DefaultTransport}
	if r := c.form("/login", url.Values{"username": {"admin"}, "password": {webPassword}}); r.Status != http.StatusSeeOther {
		t.Fatalf("password: %d", r.Status)
	}
	m := secretRe.FindStringSubmatch(c.page("/login/enrol").Body)
	if m == nil {
		t.Fatal("no enrolment secret")
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if r := c.form("/login/enrol", url.Values{"code": {totpCode(t, secret, clock.Now())}}); r.Status != http.StatusOK {
		t.Fatalf("enrolment: %d", r.Status)
	}
	r := c.api("POST", "/login/security-key/begin", "")
	if r.Status != 200 || !strings.Contains(r.Body, `"id":"escudo.example"`) || strings.Contains(r.Body, "evil.example") {
		t.Fatalf("registration options name another relying party: %d %s", r.Status, r.Body)
	}
	key := newSoftKey(t)
	for _, origin := range []string{"http://evil.example", "https://evil.example"} {
		if r := key.answer(t, c, origin, false); r.Status != http.StatusUnauthorized {
			t.Fatalf("registration for %s under Host evil.example: %d %s", origin, r.Status, r.Body)
		}
	}
	if r := c.page("/reauth"); r.Status == http.StatusOK {
		t.Fatal("a refused registration signed in")
	}
	// The browser at the real address answers for the real origin; the
	// Host header of the request does not matter.
	if r := key.answer(t, c, "https://escudo.example", false); r.Status != http.StatusOK {
		t.Fatalf("registration for the public origin: %d %s", r.Status, r.Body)
	}
	// The https public URL makes the session cookie Secure.
	webUser(t, db, "rosa", escudo.RoleReception)
	if set := site.newClient().form("/login", url.Values{"username": {"rosa"}, "password": {webPassword}}).Header.Get("Set-Cookie"); !strings.Contains(set, "Secure") {
		t.Fatalf("cookie under an https public URL: %q", set)
	}
}

// TestSecurityKeyNeedsPublicURL: without a configured public URL the
// security-key step refuses, with a message for the person, rather than
// trusting the Host header.
func TestSecurityKeyNeedsPublicURL(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	site := secureSite(t, db)
	webUser(t, db, "admin", escudo.RoleAdmin)
	c := site.newClient()
	c.form("/login", url.Values{"username": {"admin"}, "password": {webPassword}})
	m := secretRe.FindStringSubmatch(c.page("/login/enrol").Body)
	if m == nil {
		t.Fatal("no enrolment secret")
	}
	c.form("/login/enrol", url.Values{"code": {totpCode(t, strings.ReplaceAll(m[1], " ", ""), clock.Now())}})
	r := c.api("POST", "/login/security-key/begin", "")
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "dirección pública") {
		t.Fatalf("security key without a public URL: %d %s", r.Status, r.Body)
	}
}
