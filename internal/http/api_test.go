package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

var apiT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// apiSite is a running server, a staff member's API token and a seeded case.
type apiSite struct {
	t         testing.TB
	db        *store.DB
	srv       *Server
	ts        *httptest.Server
	token     string // reception officer
	reception *escudo.User
	analyst   *escudo.User
	vars      map[string]string
}

func newAPISite(t testing.TB, db *store.DB, o Options) *apiSite {
	t.Helper()
	ctx := context.Background()
	o.DB = db
	if o.PublicRate == 0 {
		o.PublicRate = 10000 // scenario tables file many requests from one address
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	a := &apiSite{t: t, db: db, srv: srv, ts: ts, vars: map[string]string{}}
	a.reception = webUser(t, db, "recepcion", escudo.RoleReception)
	a.analyst = webUser(t, db, "analista", escudo.RoleAnalyst)
	_, a.token, err = db.CreateAPIToken(ctx, a.reception.ID, "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	// Reception files and admits; recording milestones is the analysts' work.
	_, analystToken, err := db.CreateAPIToken(ctx, a.analyst.ID, "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	a.vars["{analyst_auth}"] = "Bearer " + analystToken
	c := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas tras publicar sobre la mina.", Aggressors: "hombres armados"}
	p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Lucía Hernández Cruz", Entity: "OAX", Phone: "+52 951 555 0101"}
	rc, err := db.FileRequest(ctx, c, p)
	if err != nil {
		t.Fatal(err)
	}
	a.vars["{case}"] = fmt.Sprint(rc.CaseID)
	a.vars["{person}"] = fmt.Sprint(p.ID)
	a.vars["{ref}"] = rc.Reference
	a.vars["{code}"] = rc.Code
	a.vars["{analyst}"] = fmt.Sprint(a.analyst.ID)
	a.vars["{reception}"] = fmt.Sprint(a.reception.ID)
	return a
}

func (a *apiSite) expand(s string) string {
	for k, v := range a.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}

type apiResp struct {
	Status int
	Header http.Header
	Body   string
}

// do sends a request; headers are name, value pairs. Unless overridden, JSON
// bodies carry Content-Type application/json and requests carry the token.
func (a *apiSite) do(method, path, body string, headers ...string) apiResp {
	a.t.Helper()
	req, err := http.NewRequest(method, a.ts.URL+a.expand(path), strings.NewReader(a.expand(body)))
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], a.expand(headers[i+1]))
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return apiResp{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// count returns the number of rows of a table.
func (a *apiSite) count(table string) int {
	a.t.Helper()
	var n int
	err := a.db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n)
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

// apiScenario is one request and what the caller must and must not see.
type apiScenario struct {
	name    string
	method  string
	url     string
	body    string
	headers []string
	status  int
	want    []string // substrings of the body
	forbid  []string // substrings the body must not contain
	created int      // cases the request adds (0 for every failure)
}

func runScenarios(t *testing.T, a *apiSite, scenarios []apiScenario) {
	t.Helper()
	for _, sc := range scenarios {
		before, beforePeople := a.count("cases"), a.count("people")
		r := a.do(sc.method, sc.url, sc.body, sc.headers...)
		if r.Status != sc.status {
			t.Errorf("%s: status %d, want %d; body %.400s", sc.name, r.Status, sc.status, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: content type %q", sc.name, ct)
		}
		for _, w := range sc.want {
			if !strings.Contains(r.Body, a.expand(w)) {
				t.Errorf("%s: body lacks %q: %.600s", sc.name, a.expand(w), r.Body)
			}
		}
		for _, f := range sc.forbid {
			if strings.Contains(r.Body, a.expand(f)) {
				t.Errorf("%s: body contains %q: %.600s", sc.name, a.expand(f), r.Body)
			}
		}
		if !json.Valid([]byte(r.Body)) {
			t.Errorf("%s: body is not JSON: %.300s", sc.name, r.Body)
		}
		if got := a.count("cases") - before; got != sc.created {
			t.Errorf("%s: %d cases added, want %d", sc.name, got, sc.created)
		}
		if sc.created == 0 && a.count("people") != beforePeople {
			t.Errorf("%s: a person was stored by a request that stored no case", sc.name)
		}
	}
}

const validIntake = `{"channel":"hotline","imminent_danger":true,"narrative":"Llamada: lo siguieron desde la radio comunitaria.",
	"aggressors":"dos hombres en motocicleta",
	"person":{"profile":"defender","name":"Tomás Ruiz Sántiz","federal_entity":"CHS","municipality":"Ocosingo","language":"tseltal",
	"phone":"+52 919 555 0199","contact":{"channel":"phone","safe_from":"08:00","safe_until":"20:00","never_sms":true},
	"relatives":[{"name":"Rosa Sántiz","relationship":"madre"}]}}`

func TestAPIScenarios(t *testing.T) {
	clock := testdb.NewClock(apiT0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		a := newAPISite(t, db, Options{})
		huge := `{"channel":"hotline","narrative":"` + strings.Repeat("a", web.MaxBodyBytes) + `","person":{"profile":"defender","name":"X","federal_entity":"OAX"}}`
		deep := `{"channel":"hotline","narrative":"x","person":{"profile":"defender","name":"X","federal_entity":"OAX","relatives":` +
			strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}}`
		noAuth := []string{"Authorization", ""}
		asAnalyst := []string{"Authorization", "{analyst_auth}"}
		runScenarios(t, a, []apiScenario{
			// Authentication.
			{name: "no credentials", method: "GET", url: "/api/v1/cases", headers: noAuth, status: 401,
				want: []string{`"code":"unauthorized"`, "Necesitas iniciar sesión"}, forbid: []string{"{ref}"}},
			{name: "unknown token", method: "GET", url: "/api/v1/cases", headers: []string{"Authorization", "Bearer esc_notatoken"}, status: 401, forbid: []string{"{ref}"}},
			{name: "other scheme", method: "GET", url: "/api/v1/cases", headers: []string{"Authorization", "Basic cmVjZXBjaW9uOng="}, status: 401, forbid: []string{"{ref}"}},
			{name: "empty bearer", method: "GET", url: "/api/v1/cases", headers: []string{"Authorization", "Bearer "}, status: 401},
			{name: "intake without credentials", method: "POST", url: "/api/v1/cases", body: validIntake, headers: noAuth, status: 401},

			// Listing and search.
			{name: "list", method: "GET", url: "/api/v1/cases", status: 200, want: []string{`"total":1`, `"reference":"{ref}"`, `"person_name":"Lucía Hernández Cruz"`},
				forbid: []string{"Amenazas", "hombres armados"}},
			{name: "search by exact name", method: "GET", url: "/api/v1/cases?q=lucia+hernandez+cruz", status: 200, want: []string{`"total":1`}},
			{name: "search by reference", method: "GET", url: "/api/v1/cases?q={ref}", status: 200, want: []string{`"total":1`}},
			{name: "SQL-ish search matches nothing", method: "GET", url: "/api/v1/cases?q=%27+OR+1%3D1+--", status: 200, want: []string{`"total":0`, `"items":[]`}},
			{name: "filters", method: "GET", url: "/api/v1/cases?stage=reception&entity=oax&procedure=ordinary&open=true&breached=false&limit=10&offset=0", status: 200,
				want: []string{`"total":1`, `"limit":10`}},
			{name: "filter excludes", method: "GET", url: "/api/v1/cases?entity=CHS", status: 200, want: []string{`"total":0`}},
			{name: "unknown stage", method: "GET", url: "/api/v1/cases?stage=bogus", status: 400,
				want: []string{`"field":"stage"`, `"code":"validation.choice"`, "Etapa"}},
			{name: "limit over 200", method: "GET", url: "/api/v1/cases?limit=201", status: 400, want: []string{`"field":"limit"`, "validation.range", "200"}},
			{name: "limit not a number", method: "GET", url: "/api/v1/cases?limit=ten", status: 400, want: []string{`"field":"limit"`, "validation.type"}},
			{name: "negative offset", method: "GET", url: "/api/v1/cases?offset=-1", status: 400, want: []string{`"field":"offset"`}},
			{name: "misspelt parameter", method: "GET", url: "/api/v1/cases?stgae=closed", status: 400, want: []string{`"field":"stgae"`, "validation.unknown_field"}},
			{name: "repeated parameter", method: "GET", url: "/api/v1/cases?stage=reception&stage=closed", status: 400, want: []string{"validation.duplicate_field"}},
			{name: "assignee not a number", method: "GET", url: "/api/v1/cases?assigned_to=me", status: 400, want: []string{`"field":"assigned_to"`}},
			{name: "invalid UTF-8 in query", method: "GET", url: "/api/v1/cases?q=%FF%FE", status: 400, want: []string{`"field":"q"`, "validation.encoding"}},

			// One case.
			{name: "show", method: "GET", url: "/api/v1/cases/{case}", status: 200,
				want: []string{`"narrative":"Amenazas tras publicar sobre la mina."`, `"phone":"+52 951 555 0101"`, `"rule":"evaluation"`, `"stage":"reception"`}},
			{name: "unknown id", method: "GET", url: "/api/v1/cases/999999", status: 404, want: []string{`"code":"not_found"`, "No encontramos"}},
			{name: "non-numeric id", method: "GET", url: "/api/v1/cases/abc", status: 404},
			{name: "negative id", method: "GET", url: "/api/v1/cases/-1", status: 404},
			{name: "zero id", method: "GET", url: "/api/v1/cases/0", status: 404},
			{name: "huge id", method: "GET", url: "/api/v1/cases/99999999999999999999999", status: 404},
			{name: "padded id", method: "GET", url: "/api/v1/cases/0{case}", status: 404},
			{name: "SQL-ish id", method: "GET", url: "/api/v1/cases/1%20OR%201=1", status: 404},

			// Intake: bad input stores nothing.
			{name: "intake", method: "POST", url: "/api/v1/cases", body: validIntake, status: 201, created: 1,
				want: []string{`"reference":"ESC-`, `"follow_up_code":"`}},
			{name: "malformed JSON", method: "POST", url: "/api/v1/cases", body: `{"channel":"hotline",`, status: 400,
				want: []string{`"key":"error.malformed_json"`, "no es JSON válido"}},
			{name: "wrong type", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"imminent_danger":true`, `"imminent_danger":"yes"`, 1), status: 400,
				want: []string{`"field":"imminent_danger"`, `"code":"validation.type"`, "Peligro inminente"}},
			{name: "number for a string", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"name":"Tomás Ruiz Sántiz"`, `"name":12`, 1), status: 400,
				want: []string{`"field":"person.name"`, "validation.type"}},
			{name: "unknown field", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"channel":"hotline"`, `"channel":"hotline","stage":"closed"`, 1), status: 400,
				want: []string{`"field":"stage"`, "validation.unknown_field"}},
			{name: "server-owned field", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"channel":"hotline"`, `"channel":"hotline","id":1,"reference":"ESC-0000-0000"`, 1), status: 400,
				want: []string{`"field":"id"`, `"field":"reference"`}},
			{name: "nested unknown field", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"never_sms":true`, `"never_sms":true,"pager":"x"`, 1), status: 400,
				want: []string{`"field":"person.contact.pager"`}},
			{name: "differently cased field", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"narrative"`, `"Narrative"`, 1), status: 400,
				want: []string{`"field":"Narrative"`, "validation.unknown_field"}},
			{name: "repeated field", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"channel":"hotline"`, `"channel":"hotline","channel":"web"`, 1), status: 400,
				want: []string{`"field":"channel"`, "validation.duplicate_field"}},
			{name: "trailing data", method: "POST", url: "/api/v1/cases", body: validIntake + `{}`, status: 400, want: []string{"error.trailing_data"}},
			{name: "two objects", method: "POST", url: "/api/v1/cases", body: validIntake + validIntake, status: 400, want: []string{"error.trailing_data"}},
			{name: "array body", method: "POST", url: "/api/v1/cases", body: `[` + validIntake + `]`, status: 400, want: []string{"error.body_not_object"}},
			{name: "empty body", method: "POST", url: "/api/v1/cases", body: ` `, status: 400, want: []string{"error.empty_body"}},
			{name: "null body", method: "POST", url: "/api/v1/cases", body: `null`, status: 400, want: []string{`"field":"narrative"`}},
			{name: "oversized body", method: "POST", url: "/api/v1/cases", body: huge, status: 400, want: []string{"error.body_too_large", "1048576"}},
			{name: "deep nesting", method: "POST", url: "/api/v1/cases", body: deep, status: 400, want: []string{"error.too_deep"}},
			{name: "invalid UTF-8", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, "Ocosingo", "Ocos\xffingo", 1), status: 400, want: []string{"error.body_encoding"}},
			{name: "NUL character", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, "Ocosingo", `Oco\u0000singo`, 1), status: 400,
				want: []string{`"field":"person.municipality"`, "validation.encoding"}},
			{name: "text/plain", method: "POST", url: "/api/v1/cases", body: validIntake, headers: []string{"Content-Type", "text/plain"}, status: 415,
				want: []string{"error.unsupported_media_type"}},
			{name: "form encoding", method: "POST", url: "/api/v1/cases", body: validIntake, headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
			{name: "no content type", method: "POST", url: "/api/v1/cases", body: validIntake, headers: []string{"Content-Type", ""}, status: 415},
			{name: "latin-1 charset", method: "POST", url: "/api/v1/cases", body: validIntake, headers: []string{"Content-Type", "application/json; charset=iso-8859-1"}, status: 415},
			{name: "JSON with utf-8 charset", method: "POST", url: "/api/v1/cases", body: validIntake, headers: []string{"Content-Type", "application/json; charset=UTF-8"}, status: 201, created: 1},
			{name: "every field error at once", method: "POST", url: "/api/v1/cases",
				body:   `{"channel":"fax","narrative":" ","person":{"profile":"poet","name":"","federal_entity":"XX","email":"nope","phone":"abc","contact":{"channel":"sms","never_sms":true,"safe_from":"25:99"}}}`,
				status: 400,
				want: []string{`"field":"channel"`, `"field":"narrative"`, `"field":"person.profile"`, `"field":"person.name"`, `"field":"person.federal_entity"`,
					`"field":"person.email"`, `"field":"person.phone"`, `"field":"person.contact.channel"`, `"field":"person.contact.safe_from"`,
					"Nombre: Este dato es obligatorio.", "Entidad federativa: "}},
			{name: "referral needs its body", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"channel":"hotline"`, `"channel":"referral"`, 1), status: 400,
				want: []string{`"field":"referred_by"`}},
			{name: "future receipt", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"channel":"hotline"`, `"channel":"hotline","received_at":"2099-01-01T00:00:00Z"`, 1), status: 400,
				want: []string{`"field":"received_at"`, "validation.future"}},
			{name: "unreadable receipt time", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"channel":"hotline"`, `"channel":"hotline","received_at":"ayer"`, 1), status: 400,
				want: []string{`"field":"received_at"`, "validation.date"}},
			{name: "earlier receipt", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, `"channel":"hotline"`, `"channel":"hotline","received_at":"2026-03-01T22:15:00-06:00"`, 1), status: 201, created: 1},
			{name: "SQL-ish text is stored as text", method: "POST", url: "/api/v1/cases", body: strings.Replace(validIntake, "dos hombres en motocicleta", `'); DROP TABLE cases; --`, 1), status: 201, created: 1},
			{name: "huge number", method: "POST", url: "/api/v1/cases/{case}/assignment", body: `{"user_id":1e400}`, status: 400, want: []string{`"field":"user_id"`}},
			{name: "fractional id", method: "POST", url: "/api/v1/cases/{case}/assignment", body: `{"user_id":1.5}`, status: 400, want: []string{`"field":"user_id"`}},

			// Actions on a case.
			{name: "refusal needs a reason", method: "POST", url: "/api/v1/cases/{case}/admission", body: `{"admission":"not_admitted"}`, status: 400,
				want: []string{`"field":"reason"`, "validation.required"}},
			{name: "unknown decision", method: "POST", url: "/api/v1/cases/{case}/admission", body: `{"admission":"maybe"}`, status: 400, want: []string{`"field":"admission"`}},
			{name: "admission of unknown case", method: "POST", url: "/api/v1/cases/999999/admission", body: `{"admission":"admitted"}`, status: 404},
			{name: "admit", method: "POST", url: "/api/v1/cases/{case}/admission", body: `{"admission":"admitted"}`, status: 200, want: []string{`"stage":"evaluation"`, `"admission":"admitted"`}},
			{name: "admit twice", method: "POST", url: "/api/v1/cases/{case}/admission", body: `{"admission":"admitted"}`, status: 409, want: []string{`"code":"conflict"`}},
			{name: "assign to nobody", method: "POST", url: "/api/v1/cases/{case}/assignment", body: `{"note":"x"}`, status: 400, want: []string{`"field":"user_id"`}},
			{name: "assign to unknown user", method: "POST", url: "/api/v1/cases/{case}/assignment", body: `{"user_id":424242}`, status: 400, want: []string{`"field":"user_id"`, "validation.assignee"}},
			{name: "assign", method: "POST", url: "/api/v1/cases/{case}/assignment", body: `{"user_id":{analyst}}`, status: 200, want: []string{`"assigned_to":{analyst}`, `"assignee_name":"Analista Pérez"`}},
			{name: "reassign without hand-over", method: "POST", url: "/api/v1/cases/{case}/assignment", body: `{"user_id":{reception}}`, status: 400,
				want: []string{`"field":"note"`, "validation.handover_required"}},
			{name: "reassign with hand-over", method: "POST", url: "/api/v1/cases/{case}/assignment", body: `{"user_id":{reception},"note":"Pendiente llamar a la madre."}`, status: 200,
				want: []string{`"assigned_to":{reception}`}},
			{name: "unknown milestone", method: "POST", url: "/api/v1/cases/{case}/milestones", headers: asAnalyst, body: `{"milestone":"teleported"}`, status: 400, want: []string{`"field":"milestone"`}},
			{name: "milestone in the future", method: "POST", url: "/api/v1/cases/{case}/milestones", headers: asAnalyst, body: `{"milestone":"evaluated","at":"2099-01-01T00:00:00Z"}`, status: 400,
				want: []string{`"field":"at"`, "validation.future"}},
			{name: "milestone before receipt", method: "POST", url: "/api/v1/cases/{case}/milestones", headers: asAnalyst, body: `{"milestone":"evaluated","at":"2020-01-01T00:00:00Z"}`, status: 400,
				want: []string{`"field":"at"`}},
			{name: "milestone", method: "POST", url: "/api/v1/cases/{case}/milestones", headers: asAnalyst, body: `{"milestone":"evaluated","note":"Estudio de riesgo concluido."}`, status: 200,
				want: []string{`"stage":"board"`, `"rule":"to_board"`}},
			{name: "empty note", method: "POST", url: "/api/v1/cases/{case}/notes", body: `{"note":"   "}`, status: 400, want: []string{`"field":"note"`}},
			{name: "note", method: "POST", url: "/api/v1/cases/{case}/notes", body: `{"note":"<script>alert(1)</script> llamó de nuevo"}`, status: 201,
				want: []string{`"kind":"note"`, `\u003cscript\u003e`}, forbid: []string{"<script>"}},
			{name: "timeline", method: "GET", url: "/api/v1/cases/{case}/timeline", status: 200,
				want: []string{`"kind":"received"`, `"kind":"admission"`, `"kind":"reassigned"`, "Pendiente llamar a la madre.", `"kind":"milestone"`}},
			{name: "timeline of unknown case", method: "GET", url: "/api/v1/cases/999999/timeline", status: 404},
			{name: "timeline of malformed id", method: "GET", url: "/api/v1/cases/x/timeline", status: 404},
			{name: "backlog", method: "GET", url: "/api/v1/backlog", status: 200, want: []string{`"stage_counts":{`, `"board":1`, `"next_clock":`}},
			{name: "backlog filter", method: "GET", url: "/api/v1/backlog?stage=nowhere", status: 400},

			// People.
			{name: "person", method: "GET", url: "/api/v1/people/{person}", status: 200, want: []string{`"name":"Lucía Hernández Cruz"`, `"federal_entity":"OAX"`}},
			{name: "unknown person", method: "GET", url: "/api/v1/people/999999", status: 404},
			{name: "update person", method: "PUT", url: "/api/v1/people/{person}", body: `{"profile":"both","name":"Lucía Hernández Cruz","federal_entity":"GRO","contact":{"channel":"signal"}}`, status: 200,
				want: []string{`"federal_entity":"GRO"`, `"profile":"both"`, `"channel":"signal"`}, forbid: []string{"+52 951 555 0101"}},
			{name: "update person badly", method: "PUT", url: "/api/v1/people/{person}", body: `{"profile":"both","name":"","federal_entity":"GRO"}`, status: 400, want: []string{`"field":"name"`}},
			{name: "update person with id", method: "PUT", url: "/api/v1/people/{person}", body: `{"id":1,"profile":"both","name":"A","federal_entity":"GRO"}`, status: 400, want: []string{`"field":"id"`}},
			{name: "update unknown person", method: "PUT", url: "/api/v1/people/999999", body: `{"profile":"both","name":"A","federal_entity":"GRO"}`, status: 404},

			// Reference data.
			{name: "entities", method: "GET", url: "/api/v1/federal-entities", status: 200, want: []string{`{"code":"OAX","name":"Oaxaca"}`, `"code":"ZAC"`}},
			{name: "clock rules", method: "GET", url: "/api/v1/clock-rules", status: 200, want: []string{`"name":"urgent_issued"`, `"limit":"10d"`}},

			// Methods and paths.
			{name: "delete a case", method: "DELETE", url: "/api/v1/cases/{case}", status: 405, want: []string{"error.method_not_allowed"}},
			{name: "put the list", method: "PUT", url: "/api/v1/cases", body: `{}`, status: 405},
			{name: "unknown API path", method: "GET", url: "/api/v1/nothing", status: 404, want: []string{`"code":"not_found"`}},
			{name: "document", method: "GET", url: "/api/v1/openapi.json", headers: noAuth, status: 200, want: []string{`"openapi": "3.1.0"`, `"/api/v1/cases/{id}/timeline"`}},

			// Languages.
			{name: "English", method: "GET", url: "/api/v1/cases/999999", headers: []string{"Accept-Language", "en-US,en;q=0.9"}, status: 404,
				want: []string{"We could not find"}},
			{name: "English field", method: "POST", url: "/api/v1/cases/{case}/notes", body: `{}`, headers: []string{"Accept-Language", "en"}, status: 400,
				want: []string{"Note: This is required."}},
			{name: "unknown language falls back to Spanish", method: "GET", url: "/api/v1/cases/999999", headers: []string{"Accept-Language", "de"}, status: 404,
				want: []string{"No encontramos"}},
		})
		// The case count grew only by the accepted intakes, and the SQL-ish
		// text came back verbatim.
		r := a.do("GET", "/api/v1/cases?limit=200", "")
		if !strings.Contains(r.Body, `"total":5`) {
			t.Errorf("cases after scenarios: %.300s", r.Body)
		}
	})
}

func TestAPIMethodNotAllowedNamesAllowedMethods(t *testing.T) {
	a := newAPISite(t, testdb.OpenSQLite(t, testdb.Options{}), Options{})
	r := a.do("DELETE", "/api/v1/people/{person}", "")
	if r.Status != 405 || r.Header.Get("Allow") != "GET, PUT, HEAD" {
		t.Fatalf("status %d allow %q", r.Status, r.Header.Get("Allow"))
	}
	r = a.do("GET", "/api/v1/requests", "")
	if r.Status != 405 || r.Header.Get("Allow") != "POST" {
		t.Fatalf("status %d allow %q", r.Status, r.Header.Get("Allow"))
	}
}
