package http

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Evaluations as an attacker would try them: an external reviewer reads
// one only while the beneficiary's consent names the risk compartment, a
// contractor never, a beneficiary only the explanation of their own, and
// every refusal tells no one whether the evaluation exists.
func TestEvaluationReachFollowsConsent(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := newWebSite(t, db, Options{})
		ctx := context.Background()
		analyst := webUser(t, db, "analista", escudo.RoleAnalyst)
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas de un funcionario municipal.", ImminentDanger: true},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Silvia Pérez Yescas", Entity: "OAX"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.FindCaseByID(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		id, err := db.StartEvaluation(escudo.NewContextWithUser(ctx, analyst), rc.CaseID, escudo.EvaluationImmediate, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		reviewer := &escudo.User{Username: "revisora", DisplayName: "Revisora", Role: escudo.RoleReviewer, Organization: "Artículo 19"}
		contractor := webUser(t, db, "tecnico", escudo.RoleContractor)
		beneficiary := &escudo.User{Username: "otra", DisplayName: "Otra persona", Role: escudo.RoleBeneficiary, PersonID: c.PersonID + 1000}
		for _, u := range []*escudo.User{reviewer, beneficiary} {
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
		}
		page := fmt.Sprintf("/evaluations/%d", id)
		as := func(u *escudo.User, n int) *client {
			cl := site.newClient()
			cl.loginFrom(fmt.Sprintf("10.9.0.%d", n), u.Username)
			return cl
		}
		rev, con, ben := as(reviewer, 1), as(contractor, 2), as(beneficiary, 3)
		missing := fmt.Sprintf("/evaluations/%d", id+999)
		for _, probe := range []struct {
			who  *client
			path string
			want int
		}{
			{rev, page, http.StatusNotFound},
			{rev, missing, http.StatusNotFound},
			{con, page, http.StatusForbidden},
			{ben, page, http.StatusForbidden},
			{ben, page + "/explanation", http.StatusNotFound},
		} {
			if r := probe.who.page(probe.path); r.Status != probe.want {
				t.Errorf("%s: %d, want %d", probe.path, r.Status, probe.want)
			}
		}
		// Consent for identity only: still nothing.
		identity := &escudo.Consent{PersonID: c.PersonID, GranteeOrg: "Artículo 19", Scope: []string{"identity"}, Expires: time.Now().Add(time.Hour)}
		if err := db.GrantConsent(ctx, identity); err != nil {
			t.Fatal(err)
		}
		if r := rev.page(page); r.Status != http.StatusNotFound {
			t.Errorf("consent without the risk compartment: %d", r.Status)
		}
		// Consent naming the risk compartment: the reviewer reads it.
		withRisk := &escudo.Consent{PersonID: c.PersonID, GranteeOrg: "Artículo 19", Scope: []string{"risk"}, Expires: time.Now().Add(time.Hour)}
		if err := db.GrantConsent(ctx, withRisk); err != nil {
			t.Fatal(err)
		}
		if r := rev.page(page); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="evaluation-heading"`) || strings.Contains(r.Body, `id="evaluation-form"`) {
			t.Errorf("reviewer with consent: %d", r.Status)
		}
		if err := db.RevokeConsent(ctx, c.PersonID, withRisk.ID); err != nil {
			t.Fatal(err)
		}
		if r := rev.page(page); r.Status != http.StatusNotFound {
			t.Errorf("after revocation: %d", r.Status)
		}
		// The beneficiary reads the explanation of their own evaluation once
		// submitted, and is offered no link to the analyst's page.
		d := escudo.EvaluationDraft{Factors: map[string]int64{}, Context: map[string]string{"narrative": "Amenazas.", "gender": "woman",
			"ethnic_identity": "indigenous", "disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "rural"}}
		for _, g := range db.Instrument().Groups {
			for _, f := range g.Factors {
				d.Factors[f.ID] = f.Scale[1].Value
			}
		}
		if _, err := db.SubmitEvaluation(escudo.NewContextWithUser(ctx, analyst), id, d); err != nil {
			t.Fatal(err)
		}
		owner := &escudo.User{Username: "silvia", DisplayName: "Silvia", Role: escudo.RoleBeneficiary, PersonID: c.PersonID}
		if err := db.CreateUser(ctx, owner, webPassword); err != nil {
			t.Fatal(err)
		}
		own := as(owner, 4)
		r := own.page(page + "/explanation")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="explanation-sentences"`) || strings.Contains(r.Body, `href="`+page+`"`) {
			t.Errorf("the beneficiary's own explanation: %d", r.Status)
		}
		if r := own.page(page); r.Status != http.StatusForbidden {
			t.Errorf("the beneficiary on the analyst's page: %d", r.Status)
		}
	})
}
