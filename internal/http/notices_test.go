package http

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Notices read as sentences (no stored code), are grouped by case and
// kind, counted in the menu while unread, lead to their case, and can be
// marked read.
func TestNoticesPage(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		u := webUser(t, db, "coordina", escudo.RoleCoordinator)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas"},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Marta Ríos Peña", Entity: "CHS"})
		if err != nil {
			t.Fatal(err)
		}
		c := struct {
			ID        int64
			Reference string
		}{rc.CaseID, rc.Reference}
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			for i, n := range []store.Notification{
				{Kind: "clock_breach", CaseID: c.ID, Subject: c.Reference + " evaluation"},
				{Kind: "clock_breach", CaseID: c.ID, Subject: c.Reference + " evaluation"},
				{Kind: "assigned", CaseID: c.ID, Subject: c.Reference},
				{Kind: "alert", Subject: "ALERTA #3 test CHS"},
			} {
				n.Channel, n.UserID, n.DedupKey = store.ChannelInbox, u.ID, "t"+string(rune('a'+i))
				if err := tx.Enqueue(ctx, n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		cl := site.newClient()
		cl.loginFrom("10.9.4.1", "coordina")
		p := cl.page("/notices")
		if p.Status != http.StatusOK {
			t.Fatalf("notices: %d", p.Status)
		}
		for _, want := range []string{"Venció un plazo: Evaluar el riesgo (10 días)", "(2 veces)", "Alerta #3: Prueba · Chiapas",
			`href="/cases/` + strconv.FormatInt(c.ID, 10) + `"`, `<span class="count" aria-label="4 avisos sin leer">4</span>`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("notices page lacks %q", want)
			}
		}
		for _, code := range []string{" evaluation", "ALERTA #3", "test CHS"} {
			if strings.Contains(p.Body, code) {
				t.Errorf("notices page shows the code %q", code)
			}
		}
		if strings.Count(p.Body, `<li class="notice`) != 3 {
			t.Errorf("want 3 groups, got %d", strings.Count(p.Body, `<li class="notice`))
		}
		if r := cl.form("/notices/read", url.Values{"all": {"1"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("mark read: %d", r.Status)
		}
		if p = cl.page("/notices"); strings.Contains(p.Body, `class="count"`) || strings.Contains(p.Body, "notice unread") {
			t.Errorf("notices still unread after marking them read")
		}
	})
}
