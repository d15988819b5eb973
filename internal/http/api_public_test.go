package http

import (
	"encoding/json"
	"strings"
	"testing"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

func TestAPIPublicScenarios(t *testing.T) {
	clock := testdb.NewClock(apiT0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		a := newAPISite(t, db, Options{})
		anon := []string{"Authorization", ""}
		public := `{"imminent_danger":true,"narrative":"Hombres armados rondan mi casa.","person":{"profile":"defender","name":"Juana Pérez","federal_entity":"GRO","contact":{"channel":"phone","never_sms":true}}}`
		r := a.do("POST", "/api/v1/requests", public, anon...)
		if r.Status != 201 {
			t.Fatalf("file: %d %s", r.Status, r.Body)
		}
		var rc struct {
			Reference    string `json:"reference"`
			FollowUpCode string `json:"follow_up_code"`
		}
		if err := json.Unmarshal([]byte(r.Body), &rc); err != nil || rc.Reference == "" || len(rc.FollowUpCode) < 16 {
			t.Fatalf("receipt %s", r.Body)
		}
		if strings.Contains(r.Body, `"id"`) {
			t.Fatalf("public receipt reveals the internal id: %s", r.Body)
		}
		a.vars["{pref}"], a.vars["{pcode}"] = rc.Reference, rc.FollowUpCode
		lower := strings.ToLower(rc.FollowUpCode)
		runScenarios(t, a, []apiScenario{
			{name: "status", method: "POST", url: "/api/v1/requests/status", body: `{"reference":"{pref}","code":"{pcode}"}`, headers: anon, status: 200,
				want:   []string{`"reference":"{pref}"`, `"procedure":"extraordinary"`, `"stage":"reception"`, `"kind":"received"`},
				forbid: []string{"Juana", "Hombres armados", "actor", `"note"`}},
			{name: "status as typed on a phone", method: "POST", url: "/api/v1/requests/status", body: `{"reference":" ` + strings.ToLower(rc.Reference) + ` ","code":"` + lower + `"}`, headers: anon, status: 200},
			{name: "wrong code", method: "POST", url: "/api/v1/requests/status", body: `{"reference":"{pref}","code":"AAAA-BBBB-CCCC-DDDD"}`, headers: anon, status: 404,
				want: []string{"error.status_not_found"}, forbid: []string{"reception"}},
			{name: "another case's code", method: "POST", url: "/api/v1/requests/status", body: `{"reference":"{pref}","code":"{code}"}`, headers: anon, status: 404},
			{name: "unknown reference", method: "POST", url: "/api/v1/requests/status", body: `{"reference":"ESC-0000-0000","code":"{pcode}"}`, headers: anon, status: 404},
			{name: "missing code", method: "POST", url: "/api/v1/requests/status", body: `{"reference":"{pref}"}`, headers: anon, status: 400, want: []string{`"field":"code"`}},
			{name: "very long code", method: "POST", url: "/api/v1/requests/status", body: `{"reference":"{pref}","code":"` + strings.Repeat("A", 5000) + `"}`, headers: anon, status: 404},
			{name: "status by GET", method: "GET", url: "/api/v1/requests/status?reference={pref}&code={pcode}", headers: anon, status: 405},
			{name: "public cannot choose the channel", method: "POST", url: "/api/v1/requests", headers: anon, status: 400,
				body: strings.Replace(public, `"imminent_danger":true`, `"imminent_danger":true,"channel":"hotline"`, 1), want: []string{`"field":"channel"`, "validation.unknown_field"}},
			{name: "public cannot choose the procedure", method: "POST", url: "/api/v1/requests", headers: anon, status: 400,
				body: strings.Replace(public, `"imminent_danger":true`, `"procedure":"ordinary"`, 1), want: []string{`"field":"procedure"`}},
			{name: "public request invalid", method: "POST", url: "/api/v1/requests", headers: anon, status: 400,
				body: `{"narrative":"","person":{"profile":"defender","name":"","federal_entity":"Guerrero"}}`,
				want: []string{`"field":"narrative"`, `"field":"person.name"`, `"field":"person.federal_entity"`, "Algunos datos no son válidos"}},
			{name: "public request with token still public", method: "POST", url: "/api/v1/requests", status: 201, created: 1,
				body: strings.Replace(public, "Juana Pérez", "Otra Persona", 1)},
		})
	})
}
