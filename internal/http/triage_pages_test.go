package http

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestTriagePages: queues sort by the next deadline and show it, the backlog
// filters by assignee and by nobody with each person's workload, each clock
// on the case page has its progress bar, and search and follow-up take what a
// person types (issue 11, items 5, 6 and 12).
func TestTriagePages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newWebFixture(t, db, Options{})
		users, _ := db.FindUsers(ctx)
		var beto int64
		for _, u := range users {
			if u.Username == "beto" {
				beto = u.ID
			}
		}
		if err := db.AssignCase(ctx, f.rcpt.CaseID, beto, ""); err != nil {
			t.Fatal(err)
		}
		f.vars["{beto}"] = fmt.Sprint(beto)
		f.vars["{codeloose}"] = strings.ToLower(strings.ReplaceAll(f.rcpt.Code, "-", ""))
		f.vars["{refloose}"] = strings.ToLower(strings.ReplaceAll(f.rcpt.Reference[len("ESC-"):], "-", " "))
		f.vars["{reflooseq}"] = url.QueryEscape(f.vars["{refloose}"])
		f.run(t, []webScenario{
			{name: "queue shows the next deadline", as: "beto", method: "GET", path: "/queue", status: 200,
				want: []string{`id="queue-cases"`, "{ref}", "Evaluar el riesgo (10 días)", "quedan 9 d 23 h", `data-label="Vence"`}},
			{name: "backlog lists assignees with their workload", as: "rosa", method: "GET", path: "/backlog", status: 200,
				want: []string{`<option value="{beto}">Beto Pérez — 1 abiertos, 0 con plazo vencido</option>`, `<option value="none">Sin persona responsable</option>`}},
			{name: "backlog of one assignee", as: "rosa", method: "GET", path: "/backlog?assignee={beto}", status: 200,
				want: []string{"{ref}", `<option value="{beto}" selected>`}, forbid: []string{"{otherref}<"}},
			{name: "backlog of unassigned cases", as: "rosa", method: "GET", path: "/backlog?assignee=none", status: 200,
				want: []string{"{otherref}", `<option value="none" selected>`}, forbid: []string{"{ref}<"}},
			{name: "case page draws each clock as a progress bar", as: "rosa", method: "GET", path: "/cases/{id}", status: 200,
				want: []string{`<svg class="clockbar"`, `aria-label="Se ha usado el 0 % del plazo"`, `class="clockbar-running"`}},
			{name: "search by phone as typed", as: "rosa", method: "GET", path: "/cases?q=" + url.QueryEscape("744 123 4567"), status: 200,
				want: []string{"{ref}"}, forbid: []string{"{otherref}"}},
			{name: "search by a word of the organisation's name", as: "rosa", method: "GET", path: "/cases?q=tierra", status: 200,
				want: []string{"{otherref}"}, forbid: []string{"{ref}<"}},
			{name: "status with the code in lower case without dashes", method: "POST", path: "/seguimiento",
				form: url.Values{"reference": {"{refloose}"}, "code": {"{codeloose}"}}, status: 200, want: []string{"{ref}", "Recepción"}},
			{name: "search by a loosely typed reference opens the case", as: "rosa", method: "GET", path: "/cases?q={reflooseq}", status: 303, location: "/cases/{id}"},
		})
	})
}

// TestImminentDangerPinnedOnPages: an imminent-danger request heads the
// backlog and every queue, marked with why, until it is assigned and its
// urgent measures are issued; the case page's assignee menu shows each
// person's workload (issue 11, items 3 and 5).
func TestImminentDangerPinnedOnPages(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newWebFixture(t, db, Options{})
		users, _ := db.FindUsers(ctx)
		var beto int64
		for _, u := range users {
			if u.Username == "beto" {
				beto = u.ID
			}
		}
		if err := db.AssignCase(ctx, f.rcpt.CaseID, beto, ""); err != nil {
			t.Fatal(err)
		}
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, ImminentDanger: true, Narrative: "Hombres armados afuera del albergue."},
			&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: "Albergue Belén", Entity: "COA"})
		if err != nil {
			t.Fatal(err)
		}
		f.vars["{beto}"] = fmt.Sprint(beto)
		f.vars["{danger}"] = rc.Reference
		f.vars["{dangerid}"] = fmt.Sprint(rc.CaseID)
		pinnedRow := `<tr class="pinned"><td data-label="Folio"><a class="ref" href="/cases/{dangerid}">{danger}</a> <strong class="pin">Peligro inminente: sin responsable</strong>`
		f.run(t, []webScenario{
			{name: "backlog pins the unassigned imminent case", as: "rosa", method: "GET", path: "/backlog", status: 200,
				want: []string{`<tr class="pinned">`, "Peligro inminente: sin responsable", "{danger}"}},
			{name: "a queue of someone else's cases carries it on top", as: "beto", method: "GET", path: "/queue", status: 200,
				want: []string{pinnedRow, "{ref}"}},
			{name: "the assignee menu shows each person's workload", as: "rosa", method: "GET", path: "/cases/{dangerid}", status: 200,
				want: []string{`<option value="{beto}">Beto Pérez (Análisis de riesgo) — 1 abiertos, 0 con plazo vencido</option>`}},
		})
		f.site.c = f.clients["beto"]
		queue := f.site.do("GET", "/queue", nil).Body
		if i, j := strings.Index(queue, f.vars["{danger}"]), strings.Index(queue, f.vars["{ref}"]); i < 0 || j < 0 || i > j {
			t.Fatalf("the pinned case is not above beto's own case (%d, %d)", i, j)
		}
		if err := db.AssignCase(ctx, rc.CaseID, beto, ""); err != nil {
			t.Fatal(err)
		}
		// Reception issues the urgent measures (they record the milestone).
		police, err := db.AddAgency(ctx, escudo.Agency{Code: "ssp-gro", Name: "Secretaría de Seguridad de Guerrero", Level: escudo.AgencyState, Entity: "GRO", Police: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			_, err := tx.GrantMeasure(ctx, 0, escudo.MeasureGrant{CaseID: rc.CaseID, Measure: "building_protection", AgencyID: police, Source: escudo.SourceUrgent,
				Reason: "Patrullaje acordado.", Details: map[string]string{"premises": "Domicilio"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.run(t, []webScenario{
			{name: "attended: no longer pinned", as: "rosa", method: "GET", path: "/backlog", status: 200,
				want: []string{"{danger}"}, forbid: []string{`class="pinned"`, "Peligro inminente: "}},
		})
	})
}
