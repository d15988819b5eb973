package http

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/coordination"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var ackLink = regexp.MustCompile(`/ack/(r1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)`)

// A request sent from the case page reaches the agency's link by e-mail;
// the link's page shows what is asked without changing anything, refuses
// an acknowledgement without a name, acknowledges once, and refuses a
// reused or forged link in words. The addressed liaison reads and answers
// it; a liaison of another agency does not reach it. The performance
// download counts it. A refused send writes nothing.
func TestRequestSentAcknowledgedByLinkAndAnswered(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		site := newWebSite(t, db, Options{})
		webUser(t, db, "coordinacion", escudo.RoleCoordinator)
		for _, u := range []*escudo.User{
			{Username: "enlace-oax", DisplayName: "Enlace Oaxaca", Role: escudo.RoleLiaison, Agency: "ssp-oax"},
			{Username: "enlace-gro", DisplayName: "Enlace Guerrero", Role: escudo.RoleLiaison, Agency: "ssp-gro"},
		} {
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
		}
		oax, err := db.AddAgency(ctx, escudo.Agency{Code: "ssp-oax", Name: "Secretaría de Seguridad Pública de Oaxaca", Level: escudo.AgencyState, Entity: "OAX", Police: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddAgency(ctx, escudo.Agency{Code: "ssp-gro", Name: "Secretaría de Seguridad Pública de Guerrero", Level: escudo.AgencyState, Entity: "GRO", Police: true}); err != nil {
			t.Fatal(err)
		}
		rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
			&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Irma Cruz", Entity: "OAX"})
		if err != nil {
			t.Fatal(err)
		}
		site.login("coordinacion", webPassword)
		deadline := db.Now().Add(48 * time.Hour).In(time.FixedZone("CST", -6*3600)).Format("2006-01-02T15:04")
		send := url.Values{"agency": {"0"}, "kind": {"police_support"}, "legal_basis": {"Convenio de coordinación."},
			"details": {"Rondines frente al domicilio cada dos horas."}, "deadline": {deadline}, "email": {"oficialia@ssp-oax.example.org"}}
		path := "/cases/" + strconv.FormatInt(rc.CaseID, 10) + "/requests"
		if r := site.post(path, send); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Elige a qué dependencia va la solicitud") ||
			!strings.Contains(r.Body, "oficialia@ssp-oax.example.org") {
			t.Fatalf("a request without addressee: %d %.400s", r.Status, r.Body)
		}
		if n, err := db.Requests(ctx, store.RequestFilter{}); err != nil || len(n) != 0 {
			t.Fatalf("a refused send wrote %v %v", n, err)
		}
		send.Set("agency", strconv.FormatInt(oax, 10))
		r := site.post(path, send)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/requests/") {
			t.Fatalf("send: %d %s %.400s", r.Status, r.Header.Get("Location"), r.Body)
		}
		reqPath := r.Header.Get("Location")
		ns, err := db.ClaimDue(ctx, 10, time.Minute, store.ChannelEmail)
		if err != nil || len(ns) != 1 || ns[0].Recipient != "oficialia@ssp-oax.example.org" {
			t.Fatalf("e-mails: %+v %v", ns, err)
		}
		m := ackLink.FindStringSubmatch(ns[0].Body)
		if m == nil || !strings.Contains(ns[0].Body, site.ts.URL+"/ack/") {
			t.Fatalf("the e-mail's link: %s", ns[0].Body)
		}
		ack := "/ack/" + m[1]
		public := newWebClient()
		anon := &webSite{t: t, srv: site.srv, ts: site.ts, db: db, c: public}
		if r := anon.get(ack); r.Status != http.StatusOK || !strings.Contains(r.Body, "Rondines frente al domicilio") || !strings.Contains(r.Body, `id="ack-form"`) {
			t.Fatalf("the link's page: %d %.600s", r.Status, r.Body)
		}
		list, _ := db.Requests(ctx, store.RequestFilter{})
		if len(list) != 1 || list[0].Status != coordination.RequestSent {
			t.Fatalf("opening the link changed the request: %+v", list)
		}
		if r := anon.post(ack, url.Values{"name": {" "}}); r.Status != http.StatusBadRequest {
			t.Errorf("no name: %d", r.Status)
		}
		if r := anon.post(ack, url.Values{"name": {"Lic. Ana Ruiz"}}); r.Status != http.StatusOK || !strings.Contains(r.Body, "registramos tu acuse") {
			t.Fatalf("acknowledge: %d %.400s", r.Status, r.Body)
		}
		if r := anon.post(ack, url.Values{"name": {"Otra persona"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "sirve una sola vez") {
			t.Errorf("a reused link: %d %.300s", r.Status, r.Body)
		}
		forged := ack[:len(ack)-2] + "AA"
		if r := anon.get(forged); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "no es válido") {
			t.Errorf("a forged link: %d %.300s", r.Status, r.Body)
		}

		gro := &webSite{t: t, srv: site.srv, ts: site.ts, db: db, c: newWebClient()}
		gro.login("enlace-gro", webPassword)
		if r := gro.get(reqPath); r.Status != http.StatusNotFound {
			t.Errorf("another agency's liaison: %d", r.Status)
		}
		liaison := &webSite{t: t, srv: site.srv, ts: site.ts, db: db, c: newWebClient()}
		liaison.login("enlace-oax", webPassword)
		page := liaison.get(reqPath)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "con el enlace del correo, por Lic. Ana Ruiz") || !strings.Contains(page.Body, "Irma Cruz") ||
			strings.Contains(page.Body, "Amenazas.") || strings.Contains(page.Body, `href="/cases/`) {
			t.Fatalf("the liaison's page: %d %.900s", page.Status, page.Body)
		}
		if r := liaison.post(reqPath+"/answer", url.Values{"outcome": {"Rondines en marcha."}}); r.Status != http.StatusSeeOther {
			t.Fatalf("answer: %d %.300s", r.Status, r.Body)
		}
		csv := site.get("/coordination/performance.csv")
		if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(csv.Body, "Secretaría de Seguridad Pública de Oaxaca,1,1,1,0,0") || !strings.Contains(csv.Body, "Oaxaca,1,1,1") {
			t.Errorf("performance CSV: %d\n%s", csv.Status, csv.Body)
		}
	})
}
