package http

import (
	"context"
	"escudo"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

const demoPassword = "demo-password-for-tests"

// seededSite is a server over the demo data set: fictional cases over two
// years, with timelines, breached clocks and notifications.
func seededSite(tb testing.TB, db *store.DB, clock *demo.Clock, cases int) (*Server, *demo.Result) {
	tb.Helper()
	res, err := demo.Seed(context.Background(), db, clock, demo.Options{Seed: 7, Cases: cases, Password: demoPassword})
	if err != nil {
		tb.Fatal(err)
	}
	// Benchmarks read the same pages thousands of times from one account.
	srv, err := New(Options{DB: db, AllowPasswordOnly: true, ReadRate: 1 << 30})
	if err != nil {
		tb.Fatal(err)
	}
	return srv, res
}

// loginCookie signs in through the form and returns the session cookie.
func loginCookie(tb testing.TB, srv *Server, username string) *http.Cookie {
	tb.Helper()
	return loginWith(tb, srv, username, demoPassword)
}

// loginWith signs username in with password and returns the session cookie.
func loginWith(tb testing.TB, srv *Server, username, password string) *http.Cookie {
	tb.Helper()
	form := url.Values{"username": {username}, "password": {password}}
	r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		tb.Fatalf("login %s: %d", username, w.Code)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == web.SessionCookie {
			return c
		}
	}
	tb.Fatal("no session cookie")
	return nil
}

// busiestCase is the case with the longest timeline among the seeded ones.
func busiestCase(tb testing.TB, db *store.DB, res *demo.Result) int64 {
	var best int64
	most := -1
	for _, rc := range res.Receipts {
		ev, err := db.Timeline(context.Background(), rc.CaseID)
		if err != nil {
			tb.Fatal(err)
		}
		if len(ev) > most {
			best, most = rc.CaseID, len(ev)
		}
	}
	return best
}

func get(srv *Server, path string, cookie *http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Accept", "text/html")
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	return w
}

// TestPageWeight keeps the main pages, with their style sheet, under 60 KB
// on realistic data, so they load on a slow phone connection.
func TestPageWeight(t *testing.T) {
	clock := &demo.Clock{}
	clock.Set(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	srv, res := seededSite(t, db, clock, 200)
	cookie := loginCookie(t, srv, "recepcion")
	id := busiestCase(t, db, res)
	css := len(srv.Tmpl.CSS())
	const budget = 60 << 10
	for _, p := range []struct {
		path  string
		staff bool
	}{
		{"/", false}, {"/solicitar", false}, {"/seguimiento", false}, {"/login", false},
		{"/queue", true}, {"/backlog", true}, {"/cases", true}, {fmt.Sprintf("/cases/%d", id), true}, {"/cases/new", true},
		{"/admin/users", true}, {"/admin/users/reset-factor", true}, {"/devices", true}, {"/tasks", true}, {"/start", true},
	} {
		var c *http.Cookie
		if p.staff {
			c = cookie
			if who, ok := pageAccount[p.path]; ok {
				c = loginCookie(t, srv, who)
			}
		}
		w := get(srv, p.path, c)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", p.path, w.Code)
		}
		if strings.Contains(w.Body.String(), "<img") || strings.Contains(w.Body.String(), "<script") {
			t.Errorf("%s: images or scripts on a page meant to work without them", p.path)
		}
		total := w.Body.Len() + css
		t.Logf("%-14s html %6d B + css %d B = %6d B", p.path, w.Body.Len(), css, total)
		if total > budget {
			t.Errorf("%s weighs %d bytes, over the %d budget", p.path, total, budget)
		}
	}
	// The coordinator's dashboard: three charts drawn inline, no images.
	w := get(srv, "/dashboard", loginCookie(t, srv, "coordinacion"))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="chart-workload"`) || strings.Contains(w.Body.String(), "<img") || strings.Contains(w.Body.String(), "<script") {
		t.Fatalf("/dashboard: %d", w.Code)
	}
	total := w.Body.Len() + css
	t.Logf("%-14s html %6d B + css %d B = %6d B", "/dashboard", w.Body.Len(), css, total)
	if total > budget {
		t.Errorf("/dashboard weighs %d bytes, over the %d budget", total, budget)
	}
}

// pageAccount names the demo account that opens a page, when it is not
// the reception officer's: the administration pages and the contractor's
// first page.
var pageAccount = map[string]string{
	"/admin/users": "admin", "/admin/users/reset-factor": "admin",
	"/devices": "coordinacion", "/tasks": "coordinacion", "/start": "tecnico",
}

// BenchmarkStaffPages measures the server time of the backlog, the case
// list and the busiest case page on the 200-case demo data set, through the
// whole handler chain (session, user load, store, template), and reports the
// 99th percentile.
//
//	go test -run=^$ -bench=BenchmarkStaffPages -benchtime=2000x ./internal/http/
func BenchmarkStaffPages(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		clock := &demo.Clock{}
		benchStaffPages(b, testdb.OpenSQLite(b, testdb.Options{Now: clock.Now}), clock)
	})
	b.Run("postgres", func(b *testing.B) {
		clock := &demo.Clock{}
		benchStaffPages(b, testdb.OpenPostgres(b, testdb.Options{Now: clock.Now}), clock)
	})
}

func benchStaffPages(b *testing.B, db *store.DB, clock *demo.Clock) {
	clock.Set(time.Now().UTC())
	srv, res := seededSite(b, db, clock, 200)
	clock.Live()
	cookie := loginCookie(b, srv, "recepcion")
	id := busiestCase(b, db, res)
	evals, err := db.SubmittedEvaluationIDs(context.Background())
	if err != nil || len(evals) == 0 {
		b.Fatalf("no evaluation in the demo: %v", err)
	}
	for _, p := range []struct{ name, path string }{
		{"evaluation", fmt.Sprintf("/evaluations/%d", evals[len(evals)-1])},
		{"evaluation_explanation", fmt.Sprintf("/evaluations/%d/explanation", evals[len(evals)-1])},
		{"backlog", "/backlog"},
		{"backlog_filtered", "/backlog?entity=GRO&procedure=ordinary"},
		{"cases", "/cases"},
		{"search", "/cases?q=" + url.QueryEscape(res.Receipts[0].Reference[4:])},
		{"case", fmt.Sprintf("/cases/%d", id)},
		{"queue", "/queue"},
		{"admin_users", "/admin/users"},
		{"devices", "/devices"},
		{"tasks", "/tasks"},
		{"contractor_start", "/start"},
	} {
		cookie := cookie
		if who, ok := pageAccount[p.path]; ok {
			cookie = loginCookie(b, srv, who)
		}
		b.Run(p.name, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				w := get(srv, p.path, cookie)
				times = append(times, time.Since(start))
				if w.Code != http.StatusOK && w.Code != http.StatusSeeOther {
					b.Fatalf("%s: %d", p.path, w.Code)
				}
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
	// The duty console with the demo's open alerts, as its operator sees it.
	duty := loginCookie(b, srv, "guardia")
	b.Run("console", func(b *testing.B) { benchConsolePage(b, srv, duty) })
	// The coordinator's dashboard, its figures of cases reused between
	// recounts as they are when serving.
	coordinator := loginCookie(b, srv, "coordinacion")
	b.Run("dashboard", func(b *testing.B) { benchPage(b, srv, coordinator, "/dashboard", `id="chart-ack"`) })
	// The evaluation form, the heaviest page an analyst fills: every factor
	// with its scale, the context and the measures catalogue.
	inEval, _, err := db.FindCases(context.Background(), escudo.CaseFilter{Stage: escudo.StageEvaluation, Limit: 1})
	if err != nil || len(inEval) == 0 {
		b.Fatalf("no case in evaluation: %v", err)
	}
	draft, err := db.StartEvaluation(escudo.NewContextWithUser(context.Background(), res.Users["analista"]), inEval[0].ID, escudo.EvaluationFull, escudo.ReasonInitial)
	if err != nil {
		b.Fatal(err)
	}
	analyst := loginCookie(b, srv, "analista")
	b.Run("evaluation_form", func(b *testing.B) {
		benchPage(b, srv, analyst, fmt.Sprintf("/evaluations/%d", draft), `id="evaluation-form"`)
	})
}

// benchPage measures one page and reports its 99th percentile and weight;
// every answer must be 200 and hold mark.
func benchPage(b *testing.B, srv *Server, cookie *http.Cookie, path, mark string) {
	times := make([]time.Duration, 0, b.N)
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		w := get(srv, path, cookie)
		times = append(times, time.Since(start))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), mark) {
			b.Fatalf("%s: %d", path, w.Code)
		}
		size = w.Body.Len()
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(size), "html-bytes")
}

func benchConsolePage(b *testing.B, srv *Server, cookie *http.Cookie) {
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		w := get(srv, "/console", cookie)
		times = append(times, time.Since(start))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "data-alert=") {
			b.Fatalf("/console: %d", w.Code)
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
}
