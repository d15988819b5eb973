package http

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// injectEventFailure makes the database refuse timeline entries of the
// given kinds, the last write of each action, so a request fails after
// everything else in its transaction was written.
func injectEventFailure(t *testing.T, db *store.DB, kinds ...string) (remove func()) {
	t.Helper()
	ctx := context.Background()
	list := "'" + strings.Join(kinds, "','") + "'"
	var install, uninstall []string
	if db.Dialect == store.Postgres {
		install = []string{
			`CREATE FUNCTION escudo_test_fail() RETURNS trigger AS $$ BEGIN IF NEW.kind IN (` + list + `) THEN RAISE EXCEPTION 'injected failure in secret_table'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER escudo_test_fail BEFORE INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION escudo_test_fail()`,
		}
		uninstall = []string{`DROP TRIGGER escudo_test_fail ON case_events`, `DROP FUNCTION escudo_test_fail()`}
	} else {
		install = []string{`CREATE TRIGGER escudo_test_fail BEFORE INSERT ON case_events WHEN NEW.kind IN (` + list + `)
			BEGIN SELECT RAISE(ABORT, 'injected failure in secret_table'); END`}
		uninstall = []string{`DROP TRIGGER escudo_test_fail`}
	}
	run := func(stmts []string) {
		err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			for _, s := range stmts {
				if _, err := tx.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	run(install)
	return func() { run(uninstall) }
}

// TestAPINothingHalfWritten fails each write at its last statement and
// checks that no row of the request survives and the caller sees only a
// generic message.
func TestAPINothingHalfWritten(t *testing.T) {
	clock := testdb.NewClock(apiT0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		a := newAPISite(t, db, Options{})
		webUser(t, db, "guardia", "duty") // extraordinary requests notify duty operators
		tables := []string{"people", "cases", "case_milestones", "case_clocks", "case_events", "outbox", "audit_log"}
		snapshot := func() map[string]int {
			m := map[string]int{}
			for _, tb := range tables {
				m[tb] = a.count(tb)
			}
			return m
		}
		// Urgent measures are recorded by reception on an extraordinary request.
		urgent, err := db.FileRequest(context.Background(), &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true, Narrative: "Lo siguen."},
			&escudo.Person{Profile: escudo.ProfileJournalist, Name: "Ana Urgente", Entity: "GRO"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DecideAdmission(context.Background(), urgent.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		a.vars["{urgent}"] = fmt.Sprint(urgent.CaseID)
		remove := injectEventFailure(t, db, "received", "admission", "assigned", "milestone", "note")
		before := snapshot()
		var auditBefore int64
		if err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COALESCE(MAX(seq), 0) FROM audit_log`).Scan(&auditBefore)
		}); err != nil {
			t.Fatal(err)
		}
		for _, sc := range []struct{ method, url, body, auth string }{
			{"POST", "/api/v1/cases", validIntake, ""},
			{"POST", "/api/v1/requests", `{"imminent_danger":true,"narrative":"Me siguen.","person":{"profile":"journalist","name":"Eva Luna","federal_entity":"VER"}}`, ""},
			{"POST", "/api/v1/cases/{case}/admission", `{"admission":"not_admitted","reason":"Fuera de competencia."}`, ""},
			{"POST", "/api/v1/cases/{case}/assignment", `{"user_id":{analyst}}`, ""},
			{"POST", "/api/v1/cases/{urgent}/milestones", `{"milestone":"evaluated"}`, "{analyst_auth}"},
			{"POST", "/api/v1/cases/{case}/notes", `{"note":"Nota que no debe quedar."}`, ""},
		} {
			h := []string{"Accept-Language", "en"}
			if sc.auth != "" {
				h = append(h, "Authorization", sc.auth)
			}
			r := a.do(sc.method, sc.url, sc.body, h...)
			if r.Status != 500 || !strings.Contains(r.Body, `"code":"internal"`) || !strings.Contains(r.Body, "We had a problem on our side") {
				t.Errorf("%s %s: status %d body %s", sc.method, sc.url, r.Status, r.Body)
			}
			if strings.Contains(r.Body, "injected") || strings.Contains(r.Body, "secret_table") {
				t.Errorf("%s %s: internal error shown: %s", sc.method, sc.url, r.Body)
			}
		}
		after := snapshot()
		for _, tb := range tables {
			if tb == "audit_log" {
				continue // reads and denials are audited in their own transactions: below
			}
			if before[tb] != after[tb] {
				t.Errorf("%s: %d rows before, %d after failed writes", tb, before[tb], after[tb])
			}
		}
		// The audit log may have gained reads and refusals, never the record
		// of a write that did not happen.
		var writes int
		if err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE seq > ? AND outcome = 'ok'
				AND action IN ('case.create', 'case.admission', 'case.assign', 'case.milestone', 'case.note', 'person.update')`, auditBefore).Scan(&writes)
		}); err != nil {
			t.Fatal(err)
		}
		if writes != 0 {
			t.Errorf("%d audit entries record writes that failed", writes)
		}
		r := a.do("GET", "/api/v1/cases/{case}", "")
		for _, want := range []string{`"stage":"reception"`, `"admission":"pending"`, `"assigned_to":null`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("case changed by failed writes, lacks %s: %.500s", want, r.Body)
			}
		}
		// With the fault gone the same requests succeed: the failure was the
		// injected one and nothing else.
		remove()
		if r := a.do("POST", "/api/v1/cases", validIntake); r.Status != 201 {
			t.Fatalf("after removing the fault: %d %s", r.Status, r.Body)
		}
		if r := a.do("POST", "/api/v1/cases/{case}/admission", `{"admission":"admitted"}`); r.Status != 200 {
			t.Fatalf("after removing the fault: %d %s", r.Status, r.Body)
		}
	})
}

// TestAPIPublicRateLimit files requests from one address until refused.
func TestAPIPublicRateLimit(t *testing.T) {
	a := newAPISite(t, testdb.OpenSQLite(t, testdb.Options{}), Options{PublicRate: 2})
	body := `{"narrative":"Me amenazaron.","person":{"profile":"journalist","name":"Ana Gómez","federal_entity":"GRO"}}`
	var codes []int
	for i := 0; i < 3; i++ {
		codes = append(codes, a.do("POST", "/api/v1/requests", body, "Authorization", "").Status)
	}
	if codes[0] != 201 || codes[1] != 201 || codes[2] != 429 {
		t.Fatalf("statuses %v, want 201 201 429", codes)
	}
	r := a.do("POST", "/api/v1/requests", body, "Authorization", "")
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, `"code":"too_many_requests"`) {
		t.Fatalf("refusal: %d %v %s", r.Status, r.Header, r.Body)
	}
	if n := a.count("cases"); n != 3 { // the seeded case and two filed
		t.Fatalf("%d cases stored", n)
	}
	// The status look-up has its own budget.
	if r := a.do("POST", "/api/v1/requests/status", `{"reference":"{ref}","code":"{code}"}`, "Authorization", ""); r.Status != 200 {
		t.Fatalf("status look-up: %d %s", r.Status, r.Body)
	}
}
