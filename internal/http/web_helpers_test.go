package http

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
)

// webSite is a running server with a browser-like client: cookies kept,
// redirects not followed so tests see them.
type webSite struct {
	t   testing.TB
	srv *Server
	ts  *httptest.Server
	c   *http.Client
	db  *store.DB
}

func newWebSite(t testing.TB, db *store.DB, o Options) *webSite {
	t.Helper()
	o.DB = db
	// The second factor has its own tests (security_test.go); these sites
	// test everything else behind a password sign-in.
	o.AllowPasswordOnly = true
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &webSite{t: t, srv: srv, ts: ts, db: db, c: newWebClient()}
}

func newWebClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// webResp is a response read whole.
type webResp struct {
	Status int
	Header http.Header
	Body   string
}

func (s *webSite) do(method, path string, form url.Values, header ...string) webResp {
	s.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, s.ts.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := s.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return webResp{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (s *webSite) get(path string, header ...string) webResp {
	return s.do("GET", path, nil, header...)
}
func (s *webSite) post(path string, form url.Values, header ...string) webResp {
	return s.do("POST", path, form, header...)
}

// login signs in through the form and fails the test when it does not work.
func (s *webSite) login(username, pw string) {
	s.t.Helper()
	r := s.post("/login", url.Values{"username": {username}, "password": {pw}})
	if r.Status != http.StatusSeeOther {
		s.t.Fatalf("login %s: status %d, body %.300s", username, r.Status, r.Body)
	}
}

const webPassword = "correct horse battery staple"

func webUser(t testing.TB, db *store.DB, username string, role escudo.Role) *escudo.User {
	t.Helper()
	u := &escudo.User{Username: username, DisplayName: strings.ToUpper(username[:1]) + username[1:] + " Pérez", Role: role}
	if err := db.CreateUser(context.Background(), u, webPassword); err != nil {
		t.Fatal(err)
	}
	return u
}
