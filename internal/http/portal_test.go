package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/prevention"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestBeneficiariesReachOnlyTheirOwn is the permission table's own-scope
// cells, called by two beneficiaries: every route a beneficiary may use on
// an object (the portal's pages and forms, their measures, letters,
// consent, reads) is called by the object's owner, who is let in, and by
// the other person, who is refused whatever the route, with nothing of the
// object in the answer.
func TestBeneficiariesReachOnlyTheirOwn(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRouteFixture(t, db)
		mref, err := db.MeasureRef(ctx, f.measureID)
		if err != nil {
			t.Fatal(err)
		}
		// Irma owns the fixture's case, person, device, alert, letter,
		// request and incident; Rosa the urgent case's measure and evaluation.
		irmaP, rosaP := f.personID, mref.PersonID
		owner := map[string]int64{"case": irmaP, "person": irmaP, "device": irmaP, "alert": irmaP, "letter": irmaP, "request": irmaP,
			"incident": irmaP, "investigation": irmaP, "measure": rosaP, "evaluation": rosaP}
		mk := func(name string, person int64, addr string) *client {
			u := &escudo.User{Username: name, DisplayName: name, Role: escudo.RoleBeneficiary, PersonID: person}
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			c := f.site.newClient()
			c.loginFrom(addr, name)
			return c
		}
		who := map[int64]*client{irmaP: mk("irma", irmaP, "10.7.0.1"), rosaP: mk("rosa", rosaP, "10.7.0.2")}
		call := func(c *client, method, path string) resp {
			switch {
			case strings.HasPrefix(path, "/api/"):
				body := ""
				if method != "GET" {
					body = "{}"
				}
				return c.api(method, path, body)
			case method == "GET":
				return c.page(path)
			}
			return c.form(path, nil)
		}
		var own, portal int
		for _, rt := range f.site.srv.Mux.Routes() {
			rule, _ := access.RuleFor(escudo.RoleBeneficiary, rt.Access.Action)
			if rule.Scope != access.Own || rt.Access.Object == "" || rt.Method == "" {
				continue
			}
			p, ok := owner[rt.Access.Object]
			if !ok {
				t.Fatalf("%s: no owner for object kind %q in this test", rt.Pattern(), rt.Access.Object)
			}
			other := irmaP
			if p == irmaP {
				other = rosaP
			}
			path := f.path(rt)
			own++
			if strings.HasPrefix(rt.Path, "/portal/") {
				portal++
			}
			if r := call(who[p], rt.Method, path); r.Status == http.StatusForbidden || r.Status == http.StatusNotFound || r.Status == http.StatusUnauthorized {
				t.Errorf("%s by its owner: %d, want it let in: %.200s", rt.Pattern(), r.Status, r.Body)
			}
			r := call(who[other], rt.Method, path)
			if r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Errorf("%s by the other beneficiary: %d, want 404 or 403: %.200s", rt.Pattern(), r.Status, r.Body)
			}
			for _, secret := range []string{"Irma Cruz", "Rosa Díaz", "Amenazas.", "Hombres armados"} {
				if strings.Contains(r.Body, secret) {
					t.Errorf("%s by the other beneficiary shows %q", rt.Pattern(), secret)
				}
			}
		}
		if own < 20 || portal < 14 {
			t.Fatalf("only %d own-scope routes (%d of the portal) called; is the route list still right?", own, portal)
		}
		// The portal's first page is each one's own case.
		if r := who[irmaP].page("/portal"); r.Status != 200 || !strings.Contains(r.Body, "Tu solicitud") || strings.Contains(r.Body, "Rosa") {
			t.Fatalf("Irma's portal: %d %.300s", r.Status, r.Body)
		}
		// Staff have no portal: they read the case on its own pages.
		staff := f.site.newClient()
		webUser(t, db, "recepcion", escudo.RoleReception)
		staff.loginFrom("10.7.0.3", "recepcion")
		if r := staff.page(fmt.Sprintf("/portal/cases/%d", f.caseID)); r.Status != http.StatusForbidden {
			t.Fatalf("reception in the portal: %d", r.Status)
		}
	})
}

// portalCase files a case for a person and returns case, person and a
// signed-in beneficiary client for them.
func portalCase(t *testing.T, db *store.DB, site *webSite, name, username, addr string, p *escudo.Person) (int64, int64, *client) {
	t.Helper()
	return portalCaseOf(t, db, site, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Relato de " + name}, name, username, addr, p)
}

func portalCaseOf(t *testing.T, db *store.DB, site *webSite, c *escudo.Case, name, username, addr string, p *escudo.Person) (int64, int64, *client) {
	t.Helper()
	ctx := context.Background()
	if p == nil {
		p = &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Entity: "OAX", Phone: "+52 954 555 0101"}
	}
	p.Name = name
	rc, err := db.FileRequest(ctx, c, p)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := db.CaseRef(ctx, rc.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	u := &escudo.User{Username: username, DisplayName: name, Role: escudo.RoleBeneficiary, PersonID: ref.PersonID}
	if err := db.CreateUser(ctx, u, webPassword); err != nil {
		t.Fatal(err)
	}
	cl := site.newClient()
	cl.loginFrom(addr, username)
	return rc.CaseID, ref.PersonID, cl
}

// TestPortalDisputeReopensMeasure: the person says a measure the agency
// reported done is not there; without a comment nothing changes, with one
// the measure is implementing again with a new deadline and the agency's
// liaison is told. A measure in force can be disputed too.
func TestPortalDisputeReopensMeasure(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		caseID, _, ana := portalCaseOf(t, db, site, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Hombres armados.", ImminentDanger: true}, "Ana Luna", "ana", "10.8.0.1", nil)
		police, err := db.AddAgency(ctx, escudo.Agency{Code: "ssp-oax", Name: "Policía Estatal de Oaxaca", Level: escudo.AgencyState, Entity: "OAX", Police: true})
		if err != nil {
			t.Fatal(err)
		}
		liaison := &escudo.User{Username: "enlace", DisplayName: "Enlace", Role: escudo.RoleLiaison, Agency: "ssp-oax", Entity: "OAX"}
		if err := db.CreateUser(ctx, liaison, webPassword); err != nil {
			t.Fatal(err)
		}
		var mid int64
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			mid, err = tx.GrantMeasure(ctx, 0, escudo.MeasureGrant{CaseID: caseID, Measure: "escort", AgencyID: police, Source: escudo.SourceUrgent,
				Reason: "Amenazas.", Details: map[string]string{"officers": "2"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		fu := webUser(t, db, "seguimiento", escudo.RoleFollowUp)
		as := escudo.NewContextWithUser(ctx, fu)
		for _, to := range []escudo.MeasureStatus{escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting} {
			if err := db.MoveMeasure(as, mid, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		// Each change is a line in her notices, in plain words, leading to
		// her case in the portal.
		if r := ana.page("/notices"); r.Status != 200 || !strings.Contains(r.Body, "Cambió el estado de una de tus medidas de protección") ||
			!strings.Contains(r.Body, fmt.Sprintf(`href="/portal/cases/%d"`, caseID)) {
			t.Fatalf("her notices: %d %.2000s", r.Status, r.Body)
		}
		page := fmt.Sprintf("/portal/measures/%d", mid)
		if r := ana.page(page); r.Status != 200 || !strings.Contains(r.Body, "Dinos si es cierto") || !strings.Contains(r.Body, "confirm-form") {
			t.Fatalf("measure page: %d %.400s", r.Status, r.Body)
		}
		if r := ana.form(page+"/confirmation", url.Values{"form": {"confirm"}, "answer": {"disputed"}}); r.Status != 400 || !strings.Contains(r.Body, "aria-invalid") {
			t.Fatalf("dispute without comment: %d %.300s", r.Status, r.Body)
		}
		if r := ana.form(page+"/confirmation", url.Values{"form": {"confirm"}, "answer": {"maybe"}}); r.Status != 400 {
			t.Fatalf("unknown answer: %d", r.Status)
		}
		if r := ana.form(page+"/confirmation", url.Values{"form": {"confirm"}, "answer": {"disputed"}, "comment": {strings.Repeat("x", escudo.MaxLongText+1)}}); r.Status != 400 {
			t.Fatalf("oversized comment: %d", r.Status)
		}
		if m, _ := db.FindMeasure(ctx, mid); m.Status != escudo.MeasureAwaiting {
			t.Fatalf("refused disputes changed the measure: %s", m.Status)
		}
		before := db.Now()
		if r := ana.form(page+"/confirmation", url.Values{"form": {"confirm"}, "answer": {"disputed"}, "comment": {"Los escoltas nunca llegaron."}}); r.Status != 303 {
			t.Fatalf("dispute: %d %.300s", r.Status, r.Body)
		}
		m, err := db.FindMeasure(ctx, mid)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != escudo.MeasureImplementing || !m.Deadline.After(before) {
			t.Fatalf("after the dispute: %s due %s, want implementing with a new deadline", m.Status, m.Deadline)
		}
		inbox, err := db.Inbox(ctx, liaison.ID, 10)
		if err != nil || len(inbox) == 0 || inbox[0].Kind != "measure.rejected" {
			t.Fatalf("the agency's liaison was not told: %v %+v", err, inbox)
		}
		// Reported done again and confirmed, then it stops working.
		for _, to := range []escudo.MeasureStatus{escudo.MeasureAwaiting} {
			if err := db.MoveMeasure(as, mid, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		if r := ana.form(page+"/confirmation", url.Values{"form": {"confirm"}, "answer": {"confirmed"}}); r.Status != 303 {
			t.Fatalf("confirm: %d %.300s", r.Status, r.Body)
		}
		if m, _ := db.FindMeasure(ctx, mid); m.Status != escudo.MeasureInForce {
			t.Fatalf("confirmed: %s", m.Status)
		}
		if r := ana.form(page+"/confirmation", url.Values{"form": {"confirm"}, "answer": {"disputed"}, "comment": {"Retiraron a los escoltas."}}); r.Status != 303 {
			t.Fatalf("dispute in force: %d %.300s", r.Status, r.Body)
		}
		if m, _ := db.FindMeasure(ctx, mid); m.Status != escudo.MeasureImplementing {
			t.Fatalf("disputed in force: %s", m.Status)
		}
		// The rating with its why.
		if r := ana.form(page+"/rating", url.Values{"form": {"rate"}, "rating": {"counterproductive"}}); r.Status != 400 {
			t.Fatalf("counterproductive without why: %d", r.Status)
		}
	})
}

// TestPortalUrgentIncidentRingsOnConsole: an incident the person marks
// urgent is an alert on the duty console in the same transaction; a
// report with a date in the future changes nothing.
func TestPortalUrgentIncidentRingsOnConsole(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := runningPipeline(t, db)
		site := newWebSite(t, db, Options{Alerts: p})
		caseID, personID, eva := portalCase(t, db, site, "Eva Ríos", "eva", "10.8.1.1", nil)
		form := url.Values{"urgent": {"1"}, "kind": {"threat"}, "federal_entity": {"OAX"}, "municipality": {"Juchitán de Zaragoza"},
			"aggressor": {"unknown"}, "description": {"Dos hombres me esperan afuera de la casa."}}
		path := fmt.Sprintf("/portal/cases/%d/incident", caseID)
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("occurred_at", db.Now().Add(48*time.Hour).In(time.FixedZone("CST", -6*3600)).Format("2006-01-02T15:04"))
		if r := eva.form(path, bad); r.Status != 400 {
			t.Fatalf("future incident: %d %.300s", r.Status, r.Body)
		}
		if n, _ := db.CaseIncidents(ctx, caseID, store.Opened{}); len(n) != 0 {
			t.Fatal("a refused report was recorded")
		}
		form.Set("occurred_at", db.Now().Add(-10*time.Minute).In(time.FixedZone("CST", -6*3600)).Format("2006-01-02T15:04"))
		if r := eva.form(path, form); r.Status != 303 {
			t.Fatalf("urgent report: %d %.300s", r.Status, r.Body)
		}
		alerts, err := db.FindAlerts(ctx, escudo.AlertFilter{PersonID: personID})
		if err != nil || len(alerts) != 1 || alerts[0].Type != prevention.AlertReported || alerts[0].Status != escudo.AlertOpen {
			t.Fatalf("alerts: %v %+v", err, alerts)
		}
		ins, err := db.CaseIncidents(ctx, caseID, store.Opened{})
		if err != nil || len(ins) != 1 || ins[0].UrgentAlertID != alerts[0].ID || !ins[0].ByBeneficiary {
			t.Fatalf("incident: %v %+v", err, ins)
		}
		duty := site.newClient()
		webUser(t, db, "guardia", escudo.RoleDuty)
		duty.loginFrom("10.8.1.2", "guardia")
		if r := duty.page("/console"); r.Status != 200 || !strings.Contains(r.Body, "Incidente urgente reportado por la persona") {
			t.Fatalf("console: %d %.500s", r.Status, r.Body)
		}
		if r := eva.page(fmt.Sprintf("/portal/cases/%d", caseID)); !strings.Contains(r.Body, "avisamos a la guardia") {
			t.Fatalf("the person's page does not say the duty desk was alerted: %.500s", r.Body)
		}
	})
}

// TestPortalRevokedConsentStopsNextRequest: consent granted in the portal
// lets a named reviewer read; revoked in the portal, the reviewer's very
// next request is refused.
func TestPortalRevokedConsentStopsNextRequest(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		caseID, personID, lia := portalCase(t, db, site, "Lía Soto", "lia", "10.8.2.1", nil)
		rev := &escudo.User{Username: "perito", DisplayName: "Perito Independiente", Role: escudo.RoleReviewer, Organization: "Colectivo de peritos"}
		if err := db.CreateUser(ctx, rev, webPassword); err != nil {
			t.Fatal(err)
		}
		rc := site.newClient()
		rc.loginFrom("10.8.2.2", "perito")
		caseAPI := fmt.Sprintf("/api/v1/cases/%d", caseID)
		if r := rc.api("GET", caseAPI, ""); r.Status != 404 {
			t.Fatalf("reviewer before consent: %d", r.Status)
		}
		privacy := fmt.Sprintf("/portal/cases/%d/privacy", caseID)
		if r := lia.page(privacy); r.Status != 200 || !strings.Contains(r.Body, "Perito Independiente · Colectivo de peritos") {
			t.Fatalf("privacy page: %d %.300s", r.Status, r.Body)
		}
		until := db.Now().Add(30 * 24 * time.Hour).Format("2006-01-02")
		grant := url.Values{"form": {"grant"}, "grantee": {fmt.Sprint(rev.ID)}, "scope": {"risk", "identity"}, "purpose": {"Peritaje"}, "expires": {until}}
		tooLong := url.Values{"form": {"grant"}, "grantee": {fmt.Sprint(rev.ID)}, "scope": {"risk"}, "expires": {db.Now().Add(800 * 24 * time.Hour).Format("2006-01-02")}}
		if r := lia.form(fmt.Sprintf("/portal/cases/%d/consents", caseID), tooLong); r.Status != 400 {
			t.Fatalf("a consent for two years: %d", r.Status)
		}
		staffAcct := webUser(t, db, "analista", escudo.RoleAnalyst)
		if r := lia.form(fmt.Sprintf("/portal/cases/%d/consents", caseID), url.Values{"form": {"grant"}, "grantee": {fmt.Sprint(staffAcct.ID)}, "scope": {"risk"}, "expires": {until}}); r.Status != 400 {
			t.Fatalf("consent to a staff account through the portal: %d", r.Status)
		}
		if cs, _ := db.Consents(ctx, personID); len(cs) != 0 {
			t.Fatalf("refused grants were recorded: %+v", cs)
		}
		if r := lia.form(fmt.Sprintf("/portal/cases/%d/consents", caseID), grant); r.Status != 303 {
			t.Fatalf("grant: %d %.300s", r.Status, r.Body)
		}
		if r := rc.api("GET", caseAPI, ""); r.Status != 200 || !strings.Contains(r.Body, "Relato de Lía Soto") {
			t.Fatalf("reviewer with consent: %d", r.Status)
		}
		cs, err := db.Consents(ctx, personID)
		if err != nil || len(cs) != 1 {
			t.Fatalf("consents: %v %+v", err, cs)
		}
		r := lia.page(privacy)
		if !strings.Contains(r.Body, "Perito Independiente") || !strings.Contains(r.Body, "Quitar el permiso") {
			t.Fatalf("the reviewer's read is not listed: %.800s", r.Body)
		}
		if r := lia.form(fmt.Sprintf("/portal/cases/%d/consents/revoke", caseID), url.Values{"form": {"revoke"}, "consent": {fmt.Sprint(cs[0].ID)}}); r.Status != 303 {
			t.Fatalf("revoke: %d %.300s", r.Status, r.Body)
		}
		if r := rc.api("GET", caseAPI, ""); r.Status != 404 {
			t.Fatalf("reviewer's next request after revocation: %d", r.Status)
		}
		// The refusal shows on the person's page too.
		if r := lia.page(privacy); !strings.Contains(r.Body, "se le negó") {
			t.Fatalf("the refused read is not listed: %.800s", r.Body)
		}
	})
}

// TestPortalCollectiveRepresentative: a collective's representative holds
// an account of the collective and reaches its case, not the own case of
// one of its members.
func TestPortalCollectiveRepresentative(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		collective := &escudo.Person{Kind: escudo.KindCollective, Profile: escudo.ProfileDefender, Entity: "COA", Phone: "+52 844 555 0100",
			Members: []escudo.Member{{Name: "Beatriz Ocampo", Role: "coordinadora"}, {Name: "Julián Mora"}}}
		collCase, _, rep := portalCase(t, db, site, "Casa del Migrante", "representante", "10.8.3.1", collective)
		member, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Lo siguen desde la central de autobuses."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Julián Mora", Entity: "COA", Phone: "+52 844 555 0199", Address: "Calle Reservada 7"})
		if err != nil {
			t.Fatal(err)
		}
		if r := rep.page(fmt.Sprintf("/portal/cases/%d", collCase)); r.Status != 200 || !strings.Contains(r.Body, "Tu solicitud") {
			t.Fatalf("the collective's case: %d %.300s", r.Status, r.Body)
		}
		for _, path := range []string{fmt.Sprintf("/portal/cases/%d", member.CaseID), fmt.Sprintf("/portal/cases/%d/privacy", member.CaseID), fmt.Sprintf("/cases/%d", member.CaseID)} {
			r := rep.page(path)
			if r.Status != 404 && r.Status != 403 {
				t.Fatalf("%s: %d, want refused", path, r.Status)
			}
			for _, secret := range []string{"Lo siguen", "0199", "Calle Reservada", member.Reference} {
				if strings.Contains(r.Body, secret) {
					t.Fatalf("%s shows %q", path, secret)
				}
			}
		}
		if r := rep.page("/portal"); strings.Contains(r.Body, member.Reference) {
			t.Fatal("the member's case is listed on the representative's first page")
		}
	})
}

// TestPortalProcedureForms: asking to be heard marks the case's undecided
// agenda items and cannot be asked twice; an appeal after its window is
// refused and nothing is filed; contact preferences refuse SMS with
// "never by SMS"; an answer to a request for information puts the request
// back to reception.
func TestPortalProcedureForms(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		caseID, personID, sol := portalCase(t, db, site, "Sol Vega", "sol", "10.8.4.1", nil)
		coord := webUser(t, db, "coordinacion", escudo.RoleCoordinator)
		asCoord := escudo.NewContextWithUser(ctx, coord)
		// Information asked for at reception, answered in the portal.
		rec := webUser(t, db, "recepcion", escudo.RoleReception)
		if err := db.DecideAdmission(escudo.NewContextWithUser(ctx, rec), caseID, escudo.AdmissionDecision{Admission: escudo.AdmissionInfoRequested, Reason: "Dinos en qué municipio vives."}); err != nil {
			t.Fatal(err)
		}
		casePage := fmt.Sprintf("/portal/cases/%d", caseID)
		if r := sol.page(casePage); !strings.Contains(r.Body, "Dinos en qué municipio vives.") {
			t.Fatalf("the request for information is not shown: %.600s", r.Body)
		}
		if r := sol.form(casePage+"/answer", url.Values{"form": {"answer"}, "answer": {" "}}); r.Status != 400 {
			t.Fatalf("empty answer: %d", r.Status)
		}
		if r := sol.form(casePage+"/answer", url.Values{"form": {"answer"}, "answer": {"En Juchitán."}}); r.Status != 303 {
			t.Fatalf("answer: %d %.300s", r.Status, r.Body)
		}
		if c, _ := db.FindCaseByID(ctx, caseID); c.Admission != escudo.AdmissionPending {
			t.Fatalf("after the answer: %s", c.Admission)
		}
		if r := sol.form(casePage+"/answer", url.Values{"form": {"answer"}, "answer": {"Otra vez."}}); r.Status != 409 {
			t.Fatalf("a second answer: %d", r.Status)
		}
		if err := db.DecideAdmission(escudo.NewContextWithUser(ctx, rec), caseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
			t.Fatal(err)
		}
		// To be heard: marked on the agenda it is already on, and on a later one.
		session, err := db.CreateSession(asCoord, db.Now().Add(10*24*time.Hour), "Sala", escudo.SessionOrdinary)
		if err != nil {
			t.Fatal(err)
		}
		item, err := db.AddAgendaItem(asCoord, session, caseID, false)
		if err != nil {
			t.Fatal(err)
		}
		if r := sol.form(casePage+"/hearing", url.Values{"form": {"hearing"}, "note": {"Quiero explicar por qué necesito escolta."}}); r.Status != 303 {
			t.Fatalf("hearing: %d %.300s", r.Status, r.Body)
		}
		sess, err := db.Session(ctx, session, false)
		if err != nil {
			t.Fatal(err)
		}
		var marked bool
		for _, it := range sess.Items {
			marked = marked || it.ID == item && it.HearingRequested
		}
		if !marked {
			t.Fatalf("the agenda item is not marked: %+v", sess.Items)
		}
		if r := sol.form(casePage+"/hearing", url.Values{"form": {"hearing"}}); r.Status != 409 {
			t.Fatalf("second hearing request: %d", r.Status)
		}
		if inbox, _ := db.Inbox(ctx, coord.ID, 5); len(inbox) == 0 || inbox[0].Kind != store.KindHearingRequested {
			t.Fatalf("the coordination was not told: %+v", inbox)
		}
		// Contact preferences.
		contact := casePage + "/contact"
		if r := sol.form(contact, url.Values{"channel": {"sms"}, "never_sms": {"1"}}); r.Status != 400 {
			t.Fatalf("SMS with never SMS: %d", r.Status)
		}
		if r := sol.form(contact, url.Values{"channel": {"email"}}); r.Status != 400 || !strings.Contains(r.Body, "No tenemos un correo") {
			t.Fatalf("e-mail without an address: %d", r.Status)
		}
		if r := sol.form(contact, url.Values{"channel": {"phone"}, "safe_from": {"09:00"}}); r.Status != 400 {
			t.Fatalf("half a safe window: %d", r.Status)
		}
		if r := sol.form(contact, url.Values{"channel": {"phone"}, "safe_from": {"25:00"}, "safe_until": {"20:00"}}); r.Status != 400 {
			t.Fatalf("a bad hour: %d", r.Status)
		}
		if p, _ := db.FindPersonByID(ctx, personID); p.Contact.Channel != "" {
			t.Fatalf("refused preferences were saved: %+v", p.Contact)
		}
		if r := sol.form(contact, url.Values{"channel": {"phone"}, "safe_from": {"09:00"}, "safe_until": {"20:00"}, "never_sms": {"1"}}); r.Status != 303 {
			t.Fatalf("preferences: %d %.300s", r.Status, r.Body)
		}
		p, err := db.FindPersonByID(ctx, personID)
		if err != nil || p.Contact != (escudo.ContactPrefs{Channel: escudo.ContactPhone, SafeFrom: "09:00", SafeUntil: "20:00", NeverSMS: true}) || p.Name != "Sol Vega" {
			t.Fatalf("saved preferences: %v %+v", err, p)
		}
		// No evaluation yet: no appeal.
		if r := sol.form(casePage+"/appeal", url.Values{"grounds": {"No estoy de acuerdo."}}); r.Status != 400 {
			t.Fatalf("appeal without an evaluation: %d %.300s", r.Status, r.Body)
		}
		if as, _ := db.Appeals(ctx, caseID, false); len(as) != 0 {
			t.Fatal("a refused appeal was filed")
		}
	})
}

// TestPortalPageAuditsInOneCommit: the case page reads through several
// audited store calls; its reads are all in her "who read my data" and
// cost one audit commit, written before the page is shown.
func TestPortalPageAuditsInOneCommit(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		_, personID, ana := portalCaseOf(t, db, site, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Vigilancia.", ImminentDanger: true}, "Ana Ríos", "anarios", "10.8.0.9", nil)
		before := db.AuditCommits()
		if r := ana.page("/portal"); r.Status != 200 || !strings.Contains(r.Body, `id="status"`) {
			t.Fatalf("portal: %d %.300s", r.Status, r.Body)
		}
		if n := db.AuditCommits() - before; n != 1 {
			t.Fatalf("the case page cost %d audit commits, want 1", n)
		}
		reads, err := db.ReadsOfPerson(ctx, personID, 0)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range reads {
			seen[r.Action] = true
		}
		for _, a := range []string{"case.list", "case.read", "measure.read", "incident.read"} {
			if !seen[a] {
				t.Fatalf("read %s not recorded: %v", a, seen)
			}
		}
	})
}
