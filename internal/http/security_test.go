package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

// client is one browser or API client of a running site, with its own
// cookies.
type client struct {
	t    testing.TB
	site *webSite
	c    *http.Client
}

func (s *webSite) newClient() *client { return &client{t: s.t, site: s, c: newWebClient()} }

type resp struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(method, path, contentType, body string, header ...string) resp {
	c.t.Helper()
	req, err := http.NewRequest(method, c.site.ts.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) form(path string, f url.Values) resp {
	return c.do("POST", path, "application/x-www-form-urlencoded", f.Encode(), "Accept", "text/html")
}
func (c *client) page(path string) resp { return c.do("GET", path, "", "", "Accept", "text/html") }
func (c *client) api(method, path, body string) resp {
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return c.do(method, path, ct, body, "Accept", "application/json")
}

// postFrom sends a form straight to the handler from a given client
// address (the per-address limits would otherwise see one test client).
func (c *client) postFrom(addr, path string, f url.Values) resp {
	c.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(f.Encode()))
	req.RemoteAddr = addr + ":40000"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	u, _ := url.Parse(c.site.ts.URL)
	for _, k := range c.c.Jar.Cookies(u) {
		req.AddCookie(k)
	}
	w := httptest.NewRecorder()
	c.site.srv.ServeHTTP(w, req)
	c.c.Jar.SetCookies(u, w.Result().Cookies())
	return resp{Status: w.Code, Header: w.Header(), Body: w.Body.String()}
}

// loginFrom signs in with the password from its own address.
func (c *client) loginFrom(addr, username string) {
	c.t.Helper()
	if r := c.postFrom(addr, "/login", url.Values{"username": {username}, "password": {webPassword}}); r.Status != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d", username, r.Status)
	}
}

func (c *client) sessionToken() string {
	u, _ := url.Parse(c.site.ts.URL)
	for _, k := range c.c.Jar.Cookies(u) {
		if k.Name == web.SessionCookie {
			return k.Value
		}
	}
	return ""
}

func totpCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var secretRe = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7 ]+)</code>`)

// secureSite is a site that requires the second factor, as `escudo serve`.
func secureSite(t testing.TB, db *store.DB) *webSite {
	t.Helper()
	srv, err := New(Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t, srv)
	return &webSite{t: t, srv: srv, ts: ts, db: db, c: newWebClient()}
}

func TestSecondFactorLogin(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		site := secureSite(t, db)
		webUser(t, db, "coord", escudo.RoleDuty)
		b := site.newClient()

		// Password alone does not sign in: it leads to enrolment.
		b.page("/login")
		before := b.sessionToken()
		r := b.form("/login", url.Values{"username": {"coord"}, "password": {webPassword}, "next": {"/backlog"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login/enrol?next=%2Fbacklog") {
			t.Fatalf("after password: %d %q", r.Status, r.Header.Get("Location"))
		}
		pending := b.sessionToken()
		if pending == "" || pending == before {
			t.Fatal("token not renewed after the password")
		}
		if r := b.page("/queue"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("pending session reached a staff page: %d", r.Status)
		}
		if r := b.api("GET", "/api/v1/cases", ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("pending session reached the API: %d", r.Status)
		}
		// Enrolment shows the secret and the otpauth URI as text, and no
		// cache may keep it.
		r = b.page("/login/enrol?next=%2Fbacklog")
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("enrolment page Cache-Control %q, want no-store", cc)
		}
		m := secretRe.FindStringSubmatch(r.Body)
		if r.Status != 200 || m == nil || !strings.Contains(r.Body, "otpauth://totp/") {
			t.Fatalf("enrol page: %d %.500s", r.Status, r.Body)
		}
		secret := strings.ReplaceAll(m[1], " ", "")
		if r := b.form("/login/enrol", url.Values{"code": {"123456"}, "next": {"/backlog"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong enrolment code: %d", r.Status)
		}
		code := totpCode(t, secret, clock.Now())
		r = b.form("/login/enrol", url.Values{"code": {code}, "next": {"/backlog"}})
		// Enrolment answers with the recovery codes, shown once, and the way on.
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="recovery-continue" href="/backlog"`) {
			t.Fatalf("enrolment: %d %.300s", r.Status, r.Body)
		}
		if tok := b.sessionToken(); tok == pending {
			t.Fatal("token not renewed at sign-in")
		}
		if r := b.page("/queue"); r.Status != 200 {
			t.Fatalf("signed in: %d", r.Status)
		}

		// Another device: password, then the same code again is refused.
		thief := site.newClient()
		thief.form("/login", url.Values{"username": {"coord"}, "password": {webPassword}})
		r = thief.form("/login/second-factor", url.Values{"code": {code}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, "ya se usó") {
			t.Fatalf("replayed code: %d", r.Status)
		}
		if r := thief.page("/queue"); r.Status == 200 {
			t.Fatal("replayed code signed in")
		}
		// The next code works once.
		clock.Advance(30 * time.Second)
		next := totpCode(t, secret, clock.Now())
		if r := thief.form("/login/second-factor", url.Values{"code": {next}}); r.Status != http.StatusSeeOther {
			t.Fatalf("fresh code: %d", r.Status)
		}
		third := site.newClient()
		third.form("/login", url.Values{"username": {"coord"}, "password": {webPassword}})
		if r := third.form("/login/second-factor", url.Values{"code": {next}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("code used twice: %d", r.Status)
		}

		// A second-factor form without a pending password goes to login.
		if r := site.newClient().form("/login/second-factor", url.Values{"code": {next}}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("second factor without password: %d", r.Status)
		}
		// Disabling the account ends its sessions at the next request.
		if err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE users SET disabled = 1 WHERE username = 'coord'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if r := b.page("/queue"); r.Status != http.StatusSeeOther {
			t.Fatalf("disabled account's session still served: %d", r.Status)
		}
	})
}

func TestLockoutRevealsNothing(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := secureSite(t, db)
		webUser(t, db, "rosa", escudo.RoleReception)
		// Each attempt from its own address, so only the per-account lock acts.
		try := func(name, pw string, i int) resp {
			return site.newClient().postFrom(fmt.Sprintf("10.0.%d.%d", i/200, i%200+1), "/login", url.Values{"username": {name}, "password": {pw}})
		}
		var real, ghost []int
		for i := range 6 {
			real = append(real, try("rosa", "wrong wrong wrong", 2*i).Status)
			ghost = append(ghost, try("nadie", "wrong wrong wrong", 2*i+1).Status)
		}
		if fmt.Sprint(real) != fmt.Sprint(ghost) {
			t.Fatalf("existing and unknown accounts answer differently: %v vs %v", real, ghost)
		}
		if ghost[3] != http.StatusUnauthorized || ghost[5] != http.StatusTooManyRequests {
			t.Fatalf("attempts: %v", ghost)
		}
		// The lock is stored, not only held in one process's memory: a
		// restarted server (fresh in-memory limits) still refuses the right
		// password, from yet another address, with the same message.
		site = secureSite(t, db)
		r := try("rosa", webPassword, 99)
		if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "demasiados intentos") {
			t.Fatalf("locked account after restart: %d", r.Status)
		}
		if r := try("otra", webPassword, 98); r.Status != http.StatusUnauthorized {
			t.Fatalf("an unlocked unknown account: %d", r.Status)
		}
		var locks int
		_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'login.lockout'`).Scan(&locks)
		})
		if locks < 2 {
			t.Fatalf("lockouts audited: %d", locks)
		}
	})
}

// TestObjectAccess changes ids in URLs as each scoped role would, and
// checks consent expiry and revocation through the API.
func TestObjectAccess(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(time.Now().UTC())
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		file := func(name, entity string) (caseID, personID int64) {
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Narrativa de " + name, Aggressors: "Agresor de " + name},
				&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: name, Entity: entity, Address: "Domicilio de " + name, Phone: "5555550101"})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := db.FindCaseByID(ctx, rc.CaseID)
			return rc.CaseID, c.PersonID
		}
		caseA, personA := file("Alma", "OAX")
		caseB, personB := file("Berta", "GRO")
		login := func(u *escudo.User) *client {
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			c := site.newClient()
			c.loginFrom("10.2.0."+fmt.Sprint(len(u.Username)), u.Username)
			return c
		}
		benef := login(&escudo.User{Username: "alma", DisplayName: "Alma", Role: escudo.RoleBeneficiary, PersonID: personA})
		liaison := login(&escudo.User{Username: "enlace", DisplayName: "Enlace", Role: escudo.RoleLiaison, Entity: "OAX", Agency: "Policía estatal"})
		reviewerUser := &escudo.User{Username: "revisor", DisplayName: "Revisor", Role: escudo.RoleReviewer, Organization: "Red de Defensoras"}
		reviewer := login(reviewerUser)
		techUser := &escudo.User{Username: "tecnico", DisplayName: "Técnico", Role: escudo.RoleContractor, Organization: "Seguridad Privada SA"}
		tech := login(techUser)
		caseURL := func(id int64) string { return fmt.Sprintf("/api/v1/cases/%d", id) }
		personURL := func(id int64) string { return fmt.Sprintf("/api/v1/people/%d", id) }
		type check struct {
			name   string
			c      *client
			url    string
			status int
			want   []string
			forbid []string
		}
		run := func(checks []check) {
			t.Helper()
			for _, ck := range checks {
				r := ck.c.api("GET", ck.url, "")
				if r.Status != ck.status {
					t.Errorf("%s: %d, want %d: %.200s", ck.name, r.Status, ck.status, r.Body)
					continue
				}
				for _, w := range ck.want {
					if !strings.Contains(r.Body, w) {
						t.Errorf("%s: missing %q", ck.name, w)
					}
				}
				for _, f := range ck.forbid {
					if strings.Contains(r.Body, f) {
						t.Errorf("%s: shows %q", ck.name, f)
					}
				}
			}
		}
		run([]check{
			{"beneficiary reads own case", benef, caseURL(caseA), 200, []string{"Narrativa de Alma", "Alma"}, nil},
			{"beneficiary changes the id", benef, caseURL(caseB), 404, nil, []string{"Berta"}},
			{"beneficiary reads another person", benef, personURL(personB), 404, nil, []string{"Berta"}},
			{"beneficiary timeline of another", benef, caseURL(caseB) + "/timeline", 404, nil, nil},
			{"liaison reads a case of the entity no task names", liaison, caseURL(caseA), 404, nil, []string{"Alma"}},
			{"liaison walks the people of the entity", liaison, personURL(personA), 404, nil, []string{"Alma"}},
			{"liaison changes the id to another entity", liaison, caseURL(caseB), 404, nil, []string{"Berta"}},
			{"liaison lists cases", liaison, "/api/v1/cases", 403, nil, []string{"Alma", "Berta"}},
			{"reviewer without consent", reviewer, caseURL(caseA), 404, nil, []string{"Alma"}},
			{"contractor without task", tech, caseURL(caseA), 404, nil, []string{"Alma"}},
			{"contractor person without task", tech, personURL(personA), 404, nil, []string{"Alma"}},
		})
		// The beneficiary grants the reviewer's organisation the risk part.
		cons := &escudo.Consent{PersonID: personA, GranteeOrg: "Red de Defensoras", Scope: []string{"risk"}, Expires: clock.Now().Add(time.Hour)}
		if err := db.GrantConsent(ctx, cons); err != nil {
			t.Fatal(err)
		}
		if err := db.AssignTask(ctx, &escudo.ContractorTask{CaseID: caseA, UserID: techUser.ID, Scope: []string{"location"}, Description: "cámaras"}); err != nil {
			t.Fatal(err)
		}
		liaisonUser, err := db.FindUserByUsername(ctx, "enlace")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AssignTask(ctx, &escudo.ContractorTask{CaseID: caseA, UserID: liaisonUser.ID, Scope: []string{"identity", "location"}, Description: "rondines"}); err != nil {
			t.Fatal(err)
		}
		run([]check{
			{"reviewer with consent sees the risk part only", reviewer, caseURL(caseA), 200, []string{"Narrativa de Alma"}, []string{"Domicilio", "5555550101", `"name":"Alma"`}},
			{"reviewer consent does not cover another person", reviewer, caseURL(caseB), 404, nil, []string{"Berta"}},
			{"reviewer person read needs identity", reviewer, personURL(personA), 404, nil, []string{"Alma"}},
			{"contractor with task sees no narrative", tech, caseURL(caseA), 200, nil, []string{"Narrativa de Alma", "Agresor"}},
			{"liaison with a task reads the case, never the narrative", liaison, caseURL(caseA), 200, []string{"Alma"}, []string{"Narrativa de Alma", "Agresor de Alma"}},
			{"contractor task does not open another case", tech, caseURL(caseB), 404, nil, []string{"Berta"}},
		})
		// Expiry and revocation take effect on the next request.
		clock.Advance(time.Hour)
		run([]check{{"reviewer after expiry", reviewer, caseURL(caseA), 404, nil, []string{"Narrativa"}}})
		clock.Advance(-30 * time.Minute)
		run([]check{{"reviewer before expiry", reviewer, caseURL(caseA), 200, []string{"Narrativa de Alma"}, nil}})
		if err := db.RevokeConsent(ctx, personA, cons.ID); err != nil {
			t.Fatal(err)
		}
		run([]check{{"reviewer after revocation", reviewer, caseURL(caseA), 404, nil, []string{"Narrativa"}}})

		// The beneficiary sees who read their data.
		reads, err := db.ReadsOfPerson(ctx, personA, 0)
		if err != nil {
			t.Fatal(err)
		}
		var readers []string
		for _, r := range reads {
			readers = append(readers, r.ActorName)
		}
		got := strings.Join(readers, ",")
		for _, who := range []string{"Alma", "Enlace", "Revisor", "Técnico"} {
			if !strings.Contains(got, who) {
				t.Errorf("reads of Alma's data miss %s: %s", who, got)
			}
		}
		// Denied attempts are listed as refused, never as reads of the data.
		for _, r := range reads {
			if r.ActorName == "Revisor" && r.At.After(clock.Now()) && r.Outcome != store.OutcomeDenied {
				t.Errorf("attempt after expiry listed as %q", r.Outcome)
			}
		}
	})
}

func TestAddressNeedsRecentSignIn(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "x"},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Ofelia", Entity: "OAX", Address: "Casa de seguridad 9"})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := db.FindCaseByID(ctx, rc.CaseID)
		u := webUser(t, db, "analista", escudo.RoleAnalyst)
		_, token, err := db.CreateAPIToken(ctx, u.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		// A machine token never proves a person is at the keyboard now.
		cl := site.newClient()
		r := cl.do("GET", fmt.Sprintf("/api/v1/people/%d", c.PersonID), "", "", "Accept", "application/json", "Authorization", "Bearer "+token)
		if r.Status != 200 || strings.Contains(r.Body, "Casa de seguridad") || !strings.Contains(r.Header.Get("Escudo-Withheld"), "address") {
			t.Fatalf("token read: %d %q %.200s", r.Status, r.Header.Get("Escudo-Withheld"), r.Body)
		}
		// A session just signed in sees it.
		if r := cl.form("/login", url.Values{"username": {"analista"}, "password": {webPassword}}); r.Status != http.StatusSeeOther {
			t.Fatal("login")
		}
		r = cl.api("GET", fmt.Sprintf("/api/v1/people/%d", c.PersonID), "")
		var p escudo.Person
		if err := json.Unmarshal([]byte(r.Body), &p); err != nil || p.Address != "Casa de seguridad 9" {
			t.Fatalf("fresh session: %d %v %+v", r.Status, err, p)
		}
		// The re-authentication form is there for when the window has passed.
		if r := cl.page("/reauth?next=%2Fqueue"); r.Status != 200 || !strings.Contains(r.Body, `name="password"`) {
			t.Fatalf("reauth form: %d", r.Status)
		}
		if r := cl.form("/reauth", url.Values{"password": {"wrong wrong wrong"}, "next": {"/queue"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("reauth with a wrong password: %d", r.Status)
		}
		if r := cl.form("/reauth", url.Values{"password": {webPassword}, "next": {"/queue"}}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/queue" {
			t.Fatalf("reauth: %d", r.Status)
		}
	})
}

func TestCrossSiteAPIPostRefused(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		webUser(t, db, "rosa", escudo.RoleReception)
		cl := site.newClient()
		cl.form("/login", url.Values{"username": {"rosa"}, "password": {webPassword}})
		r := cl.do("POST", "/api/v1/cases", "application/json", validIntake, "Accept", "application/json", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if r.Status != http.StatusForbidden {
			t.Fatalf("cross-site API POST: %d", r.Status)
		}
		if _, n, _ := db.FindCases(context.Background(), escudo.CaseFilter{}); n != 0 {
			t.Fatal("cross-site POST stored a case")
		}
	})
}

func newTestServer(t testing.TB, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// TestBeneficiaryControlsConsent: the beneficiary grants and revokes consent
// through the API and sees who read their data; nobody else can.
func TestBeneficiaryControlsConsent(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		file := func(name string) (int64, int64) {
			rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Relato de " + name},
				&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: name, Entity: "CHS"})
			if err != nil {
				t.Fatal(err)
			}
			ref, _ := db.CaseRef(ctx, rc.CaseID)
			return rc.CaseID, ref.PersonID
		}
		caseA, personA := file("Aurora")
		_, personB := file("Blanca")
		mk := func(u *escudo.User, addr string) *client {
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			c := site.newClient()
			c.loginFrom(addr, u.Username)
			return c
		}
		aurora := mk(&escudo.User{Username: "aurora", DisplayName: "Aurora", Role: escudo.RoleBeneficiary, PersonID: personA}, "10.3.0.1")
		blanca := mk(&escudo.User{Username: "blanca", DisplayName: "Blanca", Role: escudo.RoleBeneficiary, PersonID: personB}, "10.3.0.2")
		revUser := &escudo.User{Username: "perito", DisplayName: "Perito Independiente", Role: escudo.RoleReviewer}
		rev := mk(revUser, "10.3.0.3")

		caseURL := fmt.Sprintf("/api/v1/cases/%d", caseA)
		if r := rev.api("GET", caseURL, ""); r.Status != 404 {
			t.Fatalf("reviewer before consent: %d", r.Status)
		}
		body := fmt.Sprintf(`{"grantee_user":%d,"scope":["risk","identity"],"purpose":"peritaje","expires_at":%q}`, revUser.ID, time.Now().Add(24*time.Hour).UTC().Format(time.RFC3339))
		if r := blanca.api("POST", fmt.Sprintf("/api/v1/people/%d/consents", personA), body); r.Status != 404 {
			t.Fatalf("another beneficiary granted consent on Aurora's data: %d", r.Status)
		}
		r := aurora.api("POST", fmt.Sprintf("/api/v1/people/%d/consents", personA), body)
		var c escudo.Consent
		if r.Status != 201 || json.Unmarshal([]byte(r.Body), &c) != nil || c.ID == 0 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
		if r := aurora.api("POST", fmt.Sprintf("/api/v1/people/%d/consents", personA), `{"scope":["everything"],"expires_at":"2020-01-01T00:00:00Z"}`); r.Status != 400 {
			t.Fatalf("bad consent: %d", r.Status)
		}
		if r := rev.api("GET", caseURL, ""); r.Status != 200 || !strings.Contains(r.Body, "Relato de Aurora") {
			t.Fatalf("reviewer with consent: %d", r.Status)
		}
		// Who read my data: the reviewer is listed; Blanca cannot look.
		r = aurora.api("GET", fmt.Sprintf("/api/v1/people/%d/reads", personA), "")
		if r.Status != 200 || !strings.Contains(r.Body, "Perito Independiente") || strings.Contains(r.Body, "Relato") {
			t.Fatalf("reads: %d %.300s", r.Status, r.Body)
		}
		if r := blanca.api("GET", fmt.Sprintf("/api/v1/people/%d/reads", personA), ""); r.Status != 404 {
			t.Fatalf("another beneficiary listed Aurora's reads: %d", r.Status)
		}
		if r := blanca.api("POST", fmt.Sprintf("/api/v1/people/%d/consents/%d/revoke", personB, c.ID), ""); r.Status != 404 {
			t.Fatalf("revoking someone else's consent through one's own id: %d", r.Status)
		}
		if r := aurora.api("POST", fmt.Sprintf("/api/v1/people/%d/consents/%d/revoke", personA, c.ID), ""); r.Status != 200 || !strings.Contains(r.Body, "revoked_at") {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if r := rev.api("GET", caseURL, ""); r.Status != 404 {
			t.Fatalf("reviewer after revocation: %d", r.Status)
		}
	})
}

// TestWritesWithholdAsReads: the answers to admission, assignment and
// milestones carry the case as GET /api/v1/cases/{id} would show it to the
// same caller: no address to a token or a session past the
// re-authentication window, and the console shows none either.
func TestWritesWithholdAsReads(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{ReauthWindow: time.Nanosecond})
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "x"},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Ofelia", Entity: "OAX", Address: "Casa de seguridad 9"})
		if err != nil {
			t.Fatal(err)
		}
		coord := webUser(t, db, "coordinadora", escudo.RoleCoordinator)
		_, token, err := db.CreateAPIToken(ctx, coord.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		cl := site.newClient()
		bearer := []string{"Accept", "application/json", "Authorization", "Bearer " + token}
		id := fmt.Sprint(rc.CaseID)
		for _, w := range []struct{ path, body string }{
			{"/api/v1/cases/" + id + "/admission", `{"admission":"admitted","reason":"Riesgo acreditado."}`},
			{"/api/v1/cases/" + id + "/assignment", fmt.Sprintf(`{"user_id":%d}`, coord.ID)},
			{"/api/v1/cases/" + id + "/milestones", `{"milestone":"evaluated"}`},
		} {
			r := cl.do("POST", w.path, "application/json", w.body, bearer...)
			if r.Status != 200 || strings.Contains(r.Body, "Casa de seguridad") || !strings.Contains(r.Header.Get("Escudo-Withheld"), "address") {
				t.Errorf("POST %s by token: %d %q %.300s", w.path, r.Status, r.Header.Get("Escudo-Withheld"), r.Body)
			}
		}
		// A session older than the window: the same, and on the console.
		p := runningPipeline(t, db)
		c, _ := db.FindCaseByID(ctx, rc.CaseID)
		if _, err := p.Raise(ctx, escudo.AlertInput{PersonID: c.PersonID, Type: escudo.AlertPanic, Source: escudo.SourceHotline}); err != nil {
			t.Fatal(err)
		}
		cl.loginFrom("10.4.0.1", "coordinadora")
		if r := cl.api("POST", "/api/v1/cases/"+id+"/milestones", `{"milestone":"sent_to_board"}`); r.Status != 200 || strings.Contains(r.Body, "Casa de seguridad") {
			t.Errorf("milestone by an old session: %d %.300s", r.Status, r.Body)
		}
		if r := cl.page("/console"); r.Status != 200 || strings.Contains(r.Body, "Casa de seguridad") || !strings.Contains(r.Body, `href="/reauth?next=/console"`) {
			t.Errorf("console for an old session: %d, address shown or no way to confirm identity", r.Status)
		}
	})
}
