package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The re-evaluation page: an incident without its description or on an
// unknown folio is refused naming the fields; one recorded puts the case
// in the list with its reason and deadline.
func TestReevaluationsPage(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		webUser(t, db, "analista", escudo.RoleAnalyst)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Vigilancia"},
			&escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Name: "Casa del Migrante de Saltillo", Entity: "COA"})
		if err != nil {
			t.Fatal(err)
		}
		cl := site.newClient()
		cl.loginFrom("10.9.13.3", "analista")
		if p := cl.page("/reevaluations"); p.Status != http.StatusOK || !strings.Contains(p.Body, "No hay casos por reevaluar.") {
			t.Fatalf("empty queue: %d", p.Status)
		}
		r := cl.form("/reevaluations", url.Values{"reference": {"ESC-NOPE"}, "note": {" "}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Qué pasó") || !strings.Contains(r.Body, "Folio:") {
			t.Fatalf("bad incident: %d %.1500s", r.Status, r.Body)
		}
		if r := cl.form("/reevaluations", url.Values{"reference": {rc.Reference}, "note": {"Dispararon contra la fachada."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("incident: %d %.800s", r.Status, r.Body)
		}
		p := cl.page("/reevaluations")
		for _, want := range []string{rc.Reference, "Incidente grave", `<b id="reeval-count">1</b>`, "Incidente registrado"} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("queue lacks %q", want)
			}
		}
		if strings.Contains(p.Body, ">incident<") || strings.Contains(p.Body, "reevaluation_incident") {
			t.Error("queue shows a code")
		}
	})
}
