package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestBeneficiarySeesListReadsAndRefusals: staff listing cases, paging the
// backlog and searching appear in the beneficiary's "who read my data",
// and so does a liaison's refused attempt, through the API the beneficiary
// calls; the list never carries the data itself, and its paging parameters
// are checked.
func TestBeneficiarySeesListReadsAndRefusals(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Relato reservado"},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Aurora Gómez", Entity: "CHS", Address: "Calle Secreta 4"})
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := db.CaseRef(ctx, rc.CaseID)
		person := ref.PersonID
		mk := func(u *escudo.User, addr string) *client {
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			c := site.newClient()
			c.loginFrom(addr, u.Username)
			return c
		}
		analyst := mk(&escudo.User{Username: "analista", DisplayName: "Analista Ruiz", Role: escudo.RoleAnalyst}, "10.4.0.1")
		liaison := mk(&escudo.User{Username: "enlace", DisplayName: "Enlace Guerrero", Role: escudo.RoleLiaison, Entity: "GRO", Agency: "Policía estatal"}, "10.4.0.2")
		aurora := mk(&escudo.User{Username: "aurora", DisplayName: "Aurora", Role: escudo.RoleBeneficiary, PersonID: person}, "10.4.0.3")

		if r := analyst.api("GET", "/api/v1/cases", ""); r.Status != 200 {
			t.Fatalf("list: %d", r.Status)
		}
		if r := analyst.page("/backlog"); r.Status != 200 {
			t.Fatalf("backlog page: %d", r.Status)
		}
		if r := analyst.page("/cases?q=" + url.QueryEscape("Aurora Gómez")); r.Status != 200 || !strings.Contains(r.Body, rc.Reference) {
			t.Fatalf("search page: %d", r.Status)
		}
		if r := liaison.api("GET", fmt.Sprintf("/api/v1/people/%d", person), ""); r.Status != 404 {
			t.Fatalf("liaison of another state: %d", r.Status)
		}

		r := aurora.api("GET", fmt.Sprintf("/api/v1/people/%d/reads", person), "")
		var list struct {
			Items []escudo.DataRead `json:"items"`
		}
		if r.Status != 200 || json.Unmarshal([]byte(r.Body), &list) != nil {
			t.Fatalf("reads: %d %s", r.Status, r.Body)
		}
		seen := map[string]bool{}
		for _, it := range list.Items {
			seen[it.Action+"/"+it.ActorName+"/"+it.Outcome] = true
		}
		for _, want := range []string{"case.list/Analista Ruiz/ok", "case.backlog/Analista Ruiz/ok", "case.search/Analista Ruiz/ok",
			"person.read.identity/Enlace Guerrero/denied"} {
			if !seen[want] {
				t.Errorf("reads lack %s: %v", want, seen)
			}
		}
		for _, secret := range []string{"Relato reservado", "Calle Secreta", "Aurora Gómez"} {
			if strings.Contains(r.Body, secret) {
				t.Errorf("reads list shows %q", secret)
			}
		}
		// Paging parameters are checked; a page of one points to the next.
		for _, q := range []string{"?zzbogus=1", "?limit=abc", "?limit=0", "?before=-3", "?limit=1&limit=2"} {
			if r := aurora.api("GET", fmt.Sprintf("/api/v1/people/%d/reads%s", person, q), ""); r.Status != 400 || !strings.Contains(r.Body, "validation") {
				t.Errorf("reads%s: %d %s", q, r.Status, r.Body)
			}
		}
		var page struct {
			Items      []escudo.DataRead `json:"items"`
			NextBefore int64             `json:"next_before"`
		}
		r = aurora.api("GET", fmt.Sprintf("/api/v1/people/%d/reads?limit=1", person), "")
		if json.Unmarshal([]byte(r.Body), &page) != nil || len(page.Items) != 1 || page.NextBefore == 0 {
			t.Fatalf("first page: %s", r.Body)
		}
		r = aurora.api("GET", fmt.Sprintf("/api/v1/people/%d/reads?limit=1&before=%d", person, page.NextBefore), "")
		var next struct {
			Items []escudo.DataRead `json:"items"`
		}
		if json.Unmarshal([]byte(r.Body), &next) != nil || len(next.Items) != 1 || next.Items[0].Seq >= page.Items[0].Seq {
			t.Fatalf("second page: %s", r.Body)
		}
	})
}

// TestReenabledAccountKeepsOldSessionsDead: a cookie from before an account
// was disabled does not come back to life when the account is enabled again.
func TestReenabledAccountKeepsOldSessionsDead(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		u := webUser(t, db, "beto", escudo.RoleAnalyst)
		old := site.newClient()
		old.loginFrom("10.5.0.1", "beto")
		if r := old.page("/queue"); r.Status != 200 {
			t.Fatalf("signed in: %d", r.Status)
		}
		if err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
		if r := old.page("/queue"); r.Status != http.StatusSeeOther {
			t.Fatalf("disabled account's session: %d", r.Status)
		}
		if err := db.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if r := old.page("/queue"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("old cookie after re-enabling: %d %s", r.Status, r.Header.Get("Location"))
		}
		if r := old.api("GET", "/api/v1/cases", ""); r.Status != http.StatusUnauthorized {
			t.Fatalf("old cookie on the API after re-enabling: %d", r.Status)
		}
		// Signing in again works.
		fresh := site.newClient()
		fresh.loginFrom("10.5.0.2", "beto")
		if r := fresh.page("/queue"); r.Status != 200 {
			t.Fatalf("new sign-in: %d", r.Status)
		}
	})
}

// TestPersonalTextRefusesHiddenCharacters: a lone surrogate (which JSON
// decoding and browsers turn into U+FFFD) and bidirectional controls are
// refused in personal text, through the API and the public form, with the
// translated message, and nothing is stored.
func TestPersonalTextRefusesHiddenCharacters(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{PublicRate: 1000})
		webUser(t, db, "rosa", escudo.RoleReception)
		cl := site.newClient()
		cl.loginFrom("10.6.0.1", "rosa")
		count := func() int {
			_, n, err := db.FindCases(ctx, escudo.CaseFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		intake := func(field, value string) string {
			return fmt.Sprintf(`{"channel":"hotline","narrative":%s,"person":{"profile":"defender","name":%s,"federal_entity":"CHS","organization":%s}}`,
				pick(field == "narrative", value, `"Relato"`), pick(field == "name", value, `"Ana"`), pick(field == "organization", value, `"Colectivo"`))
		}
		for _, tc := range []struct{ field, value string }{
			{"name", `"Ana\ud800"`},                   // lone surrogate: decoded as U+FFFD
			{"name", `"\u202eanA"`},                   // right-to-left override
			{"name", `"Ana\u200f"`},                   // right-to-left mark in a name
			{"organization", `"Radio \u2066X\u2069"`}, // isolates
			{"narrative", `"Amenaza \u202d"`},         // override in a narrative
		} {
			r := cl.do("POST", "/api/v1/cases", "application/json", intake(tc.field, tc.value), "Accept", "application/json", "Accept-Language", "es-MX")
			if r.Status != 400 || !strings.Contains(r.Body, "validation.characters") || !strings.Contains(r.Body, "caracteres invisibles") {
				t.Errorf("API %s=%s: %d %s", tc.field, tc.value, r.Status, r.Body)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("refused requests stored %d cases", n)
		}
		// The public form: what a browser sends for a lone surrogate
		// (U+FFFD), raw surrogate bytes, and a bidi override.
		for _, name := range []string{"Ana\uFFFD", "Ana\xed\xa0\x80", "\u202eanA"} {
			f := url.Values{"name": {name}, "profile": {"journalist"}, "federal_entity": {"GRO"}, "narrative": {"Amenazas."}}
			r := cl.postFrom("10.6.1.1", "/solicitar", f)
			if r.Status != 400 || !strings.Contains(r.Body, "Escríbelo de nuevo") && !strings.Contains(r.Body, "escríbelo de nuevo") {
				t.Errorf("form name %q: %d", name, r.Status)
			}
			if name != "Ana\xed\xa0\x80" && !strings.Contains(r.Body, "caracteres invisibles") {
				t.Errorf("form name %q: no translated message", name)
			}
		}
		if n := count(); n != 0 {
			t.Fatalf("refused forms stored %d cases", n)
		}
		// Accents, ñ and indigenous-language letters still pass.
		if r := cl.do("POST", "/api/v1/cases", "application/json", intake("name", `"Ñuu Savi Xóchitl Tz'ib"`), "Accept", "application/json"); r.Status != 201 {
			t.Fatalf("ordinary name refused: %d %s", r.Status, r.Body)
		}
	})
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
