package http

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The API refuses a step out of the procedure's order or by the wrong role,
// with the translated reason, and the public status route shows what staff
// asked for and takes the petitioner's answer.
func TestAPIProcedureAndInfoAnswer(t *testing.T) {
	clock := testdb.NewClock(apiT0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		a := newAPISite(t, db, Options{})
		ctx := context.Background()
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Nos amenazaron en la asamblea."},
			&escudo.Person{Profile: escudo.ProfileDefender, Name: "Eloísa Cruz", Entity: "OAX"})
		if err != nil {
			t.Fatal(err)
		}
		a.vars["{new}"], a.vars["{ref}"], a.vars["{code}"] = fmt.Sprint(rc.CaseID), rc.Reference, rc.Code
		asAnalyst := []string{"Authorization", "{analyst_auth}"}
		for _, sc := range []struct {
			name, method, url, body string
			headers                 []string
			status                  int
			want                    []string
		}{
			{"Board resolution by hand on a request never admitted", "POST", "/api/v1/cases/{new}/milestones", `{"milestone":"resolved"}`, nil, 400,
				[]string{`"code":"validation.choice"`, `"field":"milestone"`}},
			{"sent to the Board on a request never admitted", "POST", "/api/v1/cases/{new}/milestones", `{"milestone":"sent_to_board"}`, nil, 409,
				[]string{`"key":"error.milestone_stage"`, "no corresponde a la etapa"}},
			{"nothing asked yet", "POST", "/api/v1/requests/status/answer", `{"reference":"{ref}","code":"{code}","answer":"Aquí va."}`, nil, 409,
				[]string{`"key":"error.info_not_requested"`}},
			{"ask for information", "POST", "/api/v1/cases/{new}/admission", `{"admission":"info_requested","reason":"Dinos en qué comunidad fue."}`, nil, 200, nil},
			{"status shows the question", "POST", "/api/v1/requests/status", `{"reference":"{ref}","code":"{code}"}`, nil, 200,
				[]string{`"admission":"info_requested"`, `"info_requested":"Dinos en qué comunidad fue."`}},
			{"answer with a wrong code", "POST", "/api/v1/requests/status/answer", `{"reference":"{ref}","code":"AAAA-BBBB-CCCC-DDDD","answer":"x"}`, nil, 404,
				[]string{`"key":"error.status_not_found"`}},
			{"empty answer", "POST", "/api/v1/requests/status/answer", `{"reference":"{ref}","code":"{code}","answer":" "}`, nil, 400,
				[]string{`"field":"answer"`}},
			{"unknown field", "POST", "/api/v1/requests/status/answer", `{"reference":"{ref}","code":"{code}","answer":"x","case_id":1}`, nil, 400, nil},
			{"answer", "POST", "/api/v1/requests/status/answer", `{"reference":"{ref}","code":"{code}","answer":"En Tlahuitoltepec."}`, []string{"Authorization", ""}, 200,
				[]string{`"admission":"pending"`, `"kind":"info_answered"`}},
			{"answer on the timeline", "GET", "/api/v1/cases/{new}/timeline", "", nil, 200, []string{`"kind":"info_answered"`, "En Tlahuitoltepec."}},
			{"admit", "POST", "/api/v1/cases/{new}/admission", `{"admission":"admitted"}`, nil, 200, nil},
			{"evaluation by reception", "POST", "/api/v1/cases/{new}/milestones", `{"milestone":"evaluated"}`, nil, 403,
				[]string{`"key":"error.milestone_role"`}},
			{"evaluation by the analyst", "POST", "/api/v1/cases/{new}/milestones", `{"milestone":"evaluated"}`, asAnalyst, 200, []string{`"stage":"board"`}},
		} {
			r := a.do(sc.method, sc.url, sc.body, sc.headers...)
			if r.Status != sc.status {
				t.Fatalf("%s: status %d, want %d: %s", sc.name, r.Status, sc.status, r.Body)
			}
			for _, w := range sc.want {
				if !strings.Contains(r.Body, a.expand(w)) {
					t.Errorf("%s: body lacks %s: %.600s", sc.name, w, r.Body)
				}
			}
			if strings.Contains(sc.url, "status") && strings.Contains(r.Body, "En Tlahuitoltepec") {
				t.Errorf("%s: the public status shows the answer itself", sc.name)
			}
		}
	})
}

// BenchmarkCasePageMilestones measures the busiest case page, whose
// milestone form now offers only the steps the reader may record, for a
// reception officer and an analyst on the 200-case demo set. The per-account
// read limit is lifted: BenchmarkStaffPages meets it on the case page.
//
//	go test ./internal/http -run '^$' -bench BenchmarkCasePageMilestones -benchtime 2000x
func BenchmarkCasePageMilestones(b *testing.B) {
	clock := &demo.Clock{}
	db := testdb.OpenSQLite(b, testdb.Options{Now: clock.Now})
	clock.Set(time.Now().UTC())
	res, err := demo.Seed(context.Background(), db, clock, demo.Options{Seed: 7, Cases: 200, Password: demoPassword})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Options{DB: db, AllowPasswordOnly: true, ReadRate: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	clock.Live()
	id := busiestCase(b, db, res)
	for _, user := range []string{"recepcion", "analista"} {
		cookie := loginCookie(b, srv, user)
		b.Run(user, func(b *testing.B) {
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				w := get(srv, fmt.Sprintf("/cases/%d", id), cookie)
				times = append(times, time.Since(start))
				if w.Code != http.StatusOK {
					b.Fatalf("case page: %d", w.Code)
				}
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
