package http

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/access"
	"escudo/internal/alert"
	"escudo/internal/coordination"
	"escudo/internal/drill"
	"escudo/internal/heartbeat"
	"escudo/internal/prevention"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/web"
)

// publicRoutes are every route anyone may call without an account. A new
// public route must be added here, where a reviewer sees it.
var publicRoutes = []string{
	"GET /healthz", "GET /readyz",
	"GET /static/{file}", "GET /lang", "/", "GET /{$}",
	"GET /solicitar", "POST /solicitar", "GET /seguimiento", "POST /seguimiento",
	"GET /login", "POST /login", "POST /logout",
	"GET /login/second-factor", "POST /login/second-factor", "GET /login/enrol", "POST /login/enrol",
	"GET /static/webauthn.js", "GET /login/security-key", "POST /login/security-key/begin", "POST /login/security-key/finish",
	"GET /console/console.js",
	"GET /api/v1/openapi.json", "POST /api/v1/requests", "POST /api/v1/requests/status", "/api/v1/",
	// The petitioner answers a request for more information with reference and code.
	"POST /seguimiento/respuesta", "POST /api/v1/requests/status/answer",
	// The published risk instrument: with it anyone can recompute a level.
	"GET /api/v1/risk/instrument",
	// Letters are verified by anyone: the page the QR code opens, the
	// upload of a PDF, and the published keys.
	"GET /verificar", "POST /verificar", "GET /api/v1/letters/key",
	// An agency acknowledges an inter-agency request through the signed
	// link it was e-mailed, without an account.
	"GET /ack/{token}", "POST /ack/{token}",
	// A beneficiary activates the portal account through the invitation's
	// link; the quick exit ends any session and leaves for a neutral page.
	"GET /invitacion/{token}", "POST /invitacion/{token}", "GET /salida",
	// The information pages: what the Mechanism is, who may ask and how,
	// the measures, safe houses, rights, verifying a letter.
	"GET /informacion", "GET /informacion/quien-puede-pedir", "GET /informacion/como-pedir", "GET /informacion/medidas",
	"GET /informacion/casas-de-refugio", "GET /informacion/derechos", "GET /informacion/verificar-carta",
	// The statistics and their open-data files, as disclosure control
	// released them.
	"GET /estadisticas", "GET /estadisticas/datos", "GET /estadisticas/informe",
	// The trust fund's quarterly report and its contracts (OCDS), with
	// small counts and security-sensitive details withheld.
	"GET /transparencia/fondo", "GET /transparencia/contratos",
}

// deviceRoutes authenticate each request by a device's or the SMS
// gateway's own secret.
var deviceRoutes = []string{"POST /api/v1/devices/{id}/alerts", "POST /api/v1/devices/{id}/heartbeat", "POST /api/v1/sms/inbound"}

// routeFixture is a server with one object of each kind, all in Oaxaca: a
// case and its person, a device, an open alert, a drill and a consent
// record granted to an organisation none of the test accounts belongs to.
type routeFixture struct {
	site                                         *webSite
	db                                           *store.DB
	caseID, personID, deviceID, alertID, drillID int64
	consentID                                    int64
	measureID                                    int64  // an urgent measure on that case
	evaluationID                                 int64  // an immediate-action draft on a second, extraordinary case in Oaxaca
	letter                                       string // the beneficiary's letter of a resolution on the case
	sessionID, itemID                            int64  // a Board session in ten days with the case on its agenda
	requestID                                    int64  // a request for police support from the case to the state's police
	incidentID, investigationID                  int64  // a threat on the case, with a complaint filed
}

func newRouteFixture(t *testing.T, db *store.DB) *routeFixture {
	t.Helper()
	return newRouteFixtureWith(t, db, Options{})
}

// newRouteFixtureWith is newRouteFixture on a server with more options (a
// logger); the alert pipeline, supervisor and drills are the fixture's.
func newRouteFixtureWith(t *testing.T, db *store.DB, o Options) *routeFixture {
	t.Helper()
	ctx := context.Background()
	p := runningPipeline(t, db)
	sup := heartbeat.New(heartbeat.Options{DB: db, Now: db.Now})
	f := &routeFixture{db: db}
	o.Alerts, o.Supervisor, o.Drills = p, sup, &drill.Runner{DB: db, Alerts: p, Now: db.Now}
	f.site = newWebSite(t, db, o)
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Irma Cruz", Entity: "OAX", Address: "Calle 1"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.FindCaseByID(ctx, rc.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	f.caseID, f.personID = rc.CaseID, c.PersonID
	cons := &escudo.Consent{PersonID: c.PersonID, GranteeOrg: "Red", Scope: []string{"risk"}, Expires: time.Now().Add(time.Hour)}
	if err := db.GrantConsent(ctx, cons); err != nil {
		t.Fatal(err)
	}
	f.consentID = cons.ID
	dev := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: c.PersonID}
	if _, err := db.CreateDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
	f.deviceID = dev.ID
	a, err := p.Raise(ctx, escudo.AlertInput{PersonID: c.PersonID, Type: escudo.AlertPanic, Source: escudo.SourceHotline})
	if err != nil {
		t.Fatal(err)
	}
	f.alertID = a.ID
	if f.sessionID, err = db.CreateSession(ctx, db.Now().Add(10*24*time.Hour), "Sala de juntas", escudo.SessionOrdinary); err != nil {
		t.Fatal(err)
	}
	if f.itemID, err = db.AddAgendaItem(ctx, f.sessionID, f.caseID, true); err != nil {
		t.Fatal(err)
	}
	d, err := db.StartDrill(ctx, dev.ID, db.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.drillID = d.ID
	urgent, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Hombres armados frente a la casa.", ImminentDanger: true},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Rosa Díaz", Entity: "OAX"})
	if err != nil {
		t.Fatal(err)
	}
	if f.evaluationID, err = db.StartEvaluation(ctx, urgent.CaseID, escudo.EvaluationImmediate, escudo.ReasonInitial); err != nil {
		t.Fatal(err)
	}
	// An urgent measure of that case, by the state's police.
	police, err := db.AddAgency(ctx, escudo.Agency{Code: "ssp-oax", Name: "Secretaría de Seguridad Pública de Oaxaca", Level: escudo.AgencyState, Entity: "OAX", Police: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
		f.measureID, err = tx.GrantMeasure(ctx, 0, escudo.MeasureGrant{CaseID: urgent.CaseID, Measure: "escort", AgencyID: police, Source: escudo.SourceUrgent,
			Reason: "Hombres armados frente a la casa.", Details: map[string]string{"officers": "2"}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.letter = issueFixtureLetter(t, db, rc.CaseID, rc.Reference)
	if f.requestID, err = db.SendRequest(ctx, &coordination.AgencyRequest{CaseID: rc.CaseID, AgencyID: police, Kind: coordination.RequestPoliceSupport,
		LegalBasis: "Convenio de coordinación.", Details: "Rondines frente al domicilio.", Deadline: db.Now().Add(48 * time.Hour)}, store.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	if f.incidentID, err = db.RecordIncident(ctx, &prevention.Incident{CaseID: rc.CaseID, Kind: prevention.IncidentThreat, Aggressor: prevention.AggressorState,
		OccurredAt: db.Now().Add(-time.Hour), TimePrecision: prevention.TimeDay, Entity: "OAX", Municipality: "Juchitán de Zaragoza", Description: "Amenaza por teléfono."}); err != nil {
		t.Fatal(err)
	}
	if f.investigationID, err = db.AddInvestigation(ctx, &prevention.Investigation{IncidentID: f.incidentID, Authority: "Fiscalía General del Estado de Oaxaca",
		FileNumber: "CI/JUCH/0001/2026", Status: prevention.InvComplaint, OpenedAt: db.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return f
}

// issueFixtureLetter records the letters of a resolution on the case and
// returns the beneficiary's letter's identifier.
func issueFixtureLetter(t *testing.T, db *store.DB, caseID int64, ref string) string {
	t.Helper()
	agency := escudo.Agency{ID: 1, Code: "SSP-OAX", Name: "Secretaría de Seguridad Pública de Oaxaca", Level: escudo.AgencyState, Police: true}
	r := &escudo.Resolution{ID: 900, Identifier: "JG-2026-01-900", SessionDate: db.Now(), CaseID: caseID, CaseReference: ref,
		Level: escudo.RiskOrdinary, Adopted: true, RecordedAt: db.Now(), Reasons: "Amenazas.", ThreatBrief: "Amenazas.",
		Measures: []escudo.ResolutionMeasure{{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{Measure: "panic_button", AgencyID: 1}, Reason: "Alerta."}}}
	var out []store.Letter
	err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
		var err error
		out, err = tx.IssueLetters(context.Background(), 0, r, store.LetterSources{Agencies: map[int64]escudo.Agency{1: agency}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Identifier
}

// runningPipeline starts an alert pipeline over db for the test's life.
func runningPipeline(t testing.TB, db *store.DB) *alert.Pipeline {
	t.Helper()
	p, err := alert.New(alert.Options{DB: db, Now: db.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return p
}

// path fills a route's path values with the fixture's objects.
func (f *routeFixture) path(rt web.Route) string {
	id := map[string]int64{"case": f.caseID, "person": f.personID, "device": f.deviceID, "alert": f.alertID, "evaluation": f.evaluationID, "measure": f.measureID, "letter": f.caseID,
		"request": f.requestID, "incident": f.incidentID, "investigation": f.investigationID}[rt.Access.Object]
	if strings.HasPrefix(rt.Path, "/api/v1/drills/") {
		id = f.drillID
	}
	return strings.NewReplacer("{id}", fmt.Sprint(id), "{consent}", fmt.Sprint(f.consentID), "{letter}", f.letter, "{file}", "style.css", "{$}", "",
		"{token}", "r1.bm90.YQ", "{session}", fmt.Sprint(f.sessionID), "{item}", fmt.Sprint(f.itemID), "{code}", "OAX").Replace(rt.Path)
}

// TestEveryRoleEveryRoute is the permission table, called: every role
// calls every route the server registers (pages and API alike) and gets
// exactly the table's answer. Objects are in Oaxaca and accounts in
// Guerrero, so roles that reach objects only through their entity, a task,
// a consent record or ownership reach none of them. A route registered
// without an access rule does not start; a public route missing from
// publicRoutes fails here.
// alertScopes is who reaches the alert routes, written out here rather than
// read from the permission table, so that a role added to (or dropped from)
// the table's alert cells fails TestEveryRoleEveryRoute: emergencies reach
// the duty desk, follow-up (reading only), the coordination and the liaisons
// of the alert's own entity; no one else.
var alertScopes = map[access.Action]map[escudo.Role]access.Scope{
	access.AlertRead: {escudo.RoleDuty: access.Any, escudo.RoleFollowUp: access.Any, escudo.RoleCoordinator: access.Any,
		escudo.RoleLiaison: access.Entity},
	access.AlertRespond: {escudo.RoleDuty: access.Any, escudo.RoleCoordinator: access.Any, escudo.RoleLiaison: access.Entity},
}

func TestEveryRoleEveryRoute(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRouteFixture(t, db)
		routes := f.site.srv.Mux.Routes()
		var checked, alertCalls int
		for _, rt := range routes {
			key := rt.Pattern()
			switch {
			case rt.Access.Public:
				if !slices.Contains(publicRoutes, key) {
					t.Errorf("%s is public but not listed in publicRoutes", key)
				}
			case rt.Access.Device:
				if !slices.Contains(deviceRoutes, key) {
					t.Errorf("%s authenticates as a device but is not listed in deviceRoutes", key)
				}
			}
		}
		for _, role := range escudo.Roles {
			u := &escudo.User{Username: "u_" + string(role), DisplayName: string(role), Role: role, Entity: "GRO"}
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			cl := f.site.newClient()
			cl.loginFrom("10.1.0."+fmt.Sprint(len(u.Username)+int(role[0])), u.Username)
			for _, rt := range routes {
				if rt.Access.Public || rt.Access.Device || rt.Method == "" {
					continue
				}
				key := rt.Pattern()
				path := f.path(rt)
				var r resp
				if strings.HasPrefix(rt.Path, "/api/") {
					body := ""
					if rt.Method != "GET" {
						body = "{}"
					}
					r = cl.api(rt.Method, path, body)
				} else if strings.HasSuffix(rt.Path, "/stream") {
					r = cl.status(path)
				} else if rt.Method == "GET" {
					r = cl.page(path)
				} else {
					// Forms are sent empty, so an allowed one is refused for its
					// content; re-authentication gets the account's password.
					var form url.Values
					if key == "POST /reauth" {
						form = url.Values{"password": {webPassword}}
					}
					r = cl.form(path, form)
				}
				checked++
				rule, _ := access.RuleFor(role, rt.Access.Action)
				if want, ok := alertScopes[rt.Access.Action]; ok {
					alertCalls++
					if rule.Scope != want[role] {
						t.Errorf("%s %s: the permission table gives scope %s, want %s", role, key, rule.Scope, want[role])
					}
					rule.Scope = want[role]
				}
				allowed := rt.Access.Account || rule.Scope != access.None
				switch {
				case !allowed:
					if r.Status != http.StatusForbidden {
						t.Errorf("%s %s: %d, want 403 (the table denies %s)", role, key, r.Status, rt.Access.Action)
					}
				case rt.Access.Account || rule.Scope == access.Any:
					if r.Status == http.StatusForbidden || r.Status == http.StatusUnauthorized || r.Status == http.StatusNotFound {
						t.Errorf("%s %s: %d, want it allowed: %.200s", role, key, r.Status, r.Body)
					}
				case rt.Access.Object != "":
					if r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
						t.Errorf("%s %s (scope %s): %d, want 404 or 403: the object is out of reach", role, key, rule.Scope, r.Status)
					}
				case rule.Scope == access.Entity && rt.Access.EntityList:
					// Let in, and shown only its own entity's objects.
					if r.Status != http.StatusOK || strings.Contains(r.Body, "OAX") || strings.Contains(r.Body, "Oaxaca") {
						t.Errorf("%s %s (entity list): %d, want 200 without Oaxaca's objects: %.300s", role, key, r.Status, r.Body)
					}
				default:
					if r.Status != http.StatusForbidden {
						t.Errorf("%s %s (scope %s, a collection): %d, want 403", role, key, rule.Scope, r.Status)
					}
				}
			}
		}
		if alertCalls < 4*len(escudo.Roles) {
			t.Fatalf("only %d role × alert route calls; are the alert routes still checked?", alertCalls)
		}
		if checked < 40*len(escudo.Roles) {
			t.Fatalf("only %d role × route calls; is the route list still right?", checked)
		}
		var denials int
		_ = db.WithTx(ctx, false, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE outcome = 'denied'`).Scan(&denials)
		})
		if denials == 0 {
			t.Fatal("denials not audited")
		}
	})
}

// TestLiaisonReachesOwnEntityAlerts: a liaison of the alert's own entity
// lists, reads and acknowledges it, and sees the console; the table's
// entity scope, not a role list, decides. People and cases of the entity
// stay out of reach without a task.
func TestLiaisonReachesOwnEntityAlerts(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRouteFixture(t, db)
		for _, entity := range []string{"OAX", "GRO"} {
			u := &escudo.User{Username: "enlace_" + strings.ToLower(entity), DisplayName: "Enlace", Role: escudo.RoleLiaison, Entity: entity}
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			cl := f.site.newClient()
			cl.loginFrom("10.2.0."+fmt.Sprint(len(entity)+int(entity[0])), u.Username)
			own := entity == "OAX"
			list := cl.api("GET", "/api/v1/alerts", "")
			if list.Status != 200 || strings.Contains(list.Body, fmt.Sprintf(`"id":%d,`, f.alertID)) != own {
				t.Errorf("%s liaison lists alerts: %d %.300s (own entity: %v)", entity, list.Status, list.Body, own)
			}
			if r := cl.api("GET", "/api/v1/alerts?entity=OAX", ""); own != strings.Contains(r.Body, `"federal_entity":"OAX"`) {
				t.Errorf("%s liaison asking for Oaxaca's alerts: %.300s", entity, r.Body)
			}
			show := cl.api("GET", fmt.Sprintf("/api/v1/alerts/%d", f.alertID), "")
			if own != (show.Status == 200) {
				t.Errorf("%s liaison reads the alert: %d", entity, show.Status)
			}
			console := cl.page("/console")
			if console.Status != 200 || strings.Contains(console.Body, fmt.Sprintf(`id="alert-%d"`, f.alertID)) != own {
				t.Errorf("%s liaison's console: %d (shows the Oaxaca alert: %v)", entity, console.Status, !own)
			}
			// People, cases and devices only through a task addressed to the
			// liaison: none here, whatever the entity.
			if r := cl.api("GET", "/api/v1/devices", ""); r.Status != http.StatusForbidden {
				t.Errorf("%s liaison lists devices: %d %.300s", entity, r.Status, r.Body)
			}
			if r := cl.api("GET", fmt.Sprintf("/api/v1/people/%d", f.personID), ""); r.Status != http.StatusNotFound {
				t.Errorf("%s liaison reads a person no task names: %d %.300s", entity, r.Status, r.Body)
			}
			if r := cl.api("POST", fmt.Sprintf("/api/v1/devices/%d/disable", f.deviceID), "{}"); r.Status != http.StatusForbidden {
				t.Errorf("%s liaison disables a device: %d, want 403 (no device.manage)", entity, r.Status)
			}
		}
		ack := f.site.newClient()
		ack.loginFrom("10.2.1.1", "enlace_oax")
		if r := ack.api("POST", fmt.Sprintf("/api/v1/alerts/%d/acknowledge", f.alertID), "{}"); r.Status != 200 {
			t.Fatalf("own-entity liaison acknowledges: %d %s", r.Status, r.Body)
		}
	})
}

var linkRe = regexp.MustCompile(`(?:href|formaction|action)="(/[^"#?]*)[^"]*"`)

// TestNoLinkLeadsToRefusal: every link and form on the pages each role
// reaches points to a route the table lets that role use.
func TestNoLinkLeadsToRefusal(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	ctx := context.Background()
	f := newRouteFixture(t, db)
	mux := f.site.srv.Mux
	for _, role := range escudo.Roles {
		u := &escudo.User{Username: "n_" + string(role), DisplayName: string(role), Role: role}
		if err := db.CreateUser(ctx, u, webPassword); err != nil {
			t.Fatal(err)
		}
		cl := f.site.newClient()
		cl.loginFrom("10.3.0."+fmt.Sprint(len(u.Username)+int(role[0])), u.Username)
		pages := 0
		for _, rt := range mux.Routes() {
			if rt.Method != "GET" || strings.HasPrefix(rt.Path, "/api/") || strings.HasSuffix(rt.Path, "/stream") || !mux.Admits(u, rt.Pattern()) {
				continue
			}
			page := cl.page(f.path(rt))
			if page.Status != 200 || !strings.Contains(page.Header.Get("Content-Type"), "text/html") {
				continue
			}
			pages++
			for _, m := range linkRe.FindAllStringSubmatch(page.Body, -1) {
				method := "GET"
				if strings.Contains(m[0], "action=") && strings.Contains(page.Body, `method="post" action="`+m[1]) {
					method = "POST"
				}
				if strings.HasPrefix(m[0], "formaction=") {
					method = "POST" // a button sending its POST form elsewhere
				}
				_, pattern := mux.Handler(httptest.NewRequest(method, m[1], nil))
				if pattern == "" || pattern == "/" {
					t.Errorf("%s: %s links to %s %s, which no route serves", role, rt.Path, method, m[1])
					continue
				}
				if !mux.Admits(u, pattern) {
					t.Errorf("%s: %s shows %s %s, which the table refuses", role, rt.Path, method, m[1])
				}
			}
		}
		if pages == 0 {
			t.Errorf("%s reaches no page at all", role)
		}
	}
}

// status opens a page and reads only its status: for event streams, which
// do not end.
func (c *client) status(path string) resp {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", c.site.ts.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	res.Body.Close()
	return resp{Status: res.StatusCode, Header: res.Header}
}

// TestReadsPerAccountAreLimited: walking through records by changing ids
// stops at the per-account budget, for staff who may read them all too;
// lists and other accounts are unaffected.
func TestReadsPerAccountAreLimited(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{ReadRate: 5})
	ctx := context.Background()
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "x"},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Irma", Entity: "OAX"})
	if err != nil {
		t.Fatal(err)
	}
	webUser(t, db, "analista", escudo.RoleAnalyst)
	webUser(t, db, "otra", escudo.RoleAnalyst)
	walker := site.newClient()
	walker.loginFrom("10.5.0.1", "analista")
	statuses := []int{}
	for id := 1; id <= 8; id++ {
		statuses = append(statuses, walker.api("GET", fmt.Sprintf("/api/v1/people/%d", id), "").Status)
	}
	if statuses[0] != 200 || statuses[6] != http.StatusTooManyRequests || statuses[7] != http.StatusTooManyRequests {
		t.Fatalf("walking people 1..8 with a budget of 5: %v", statuses)
	}
	if r := walker.page(fmt.Sprintf("/cases/%d", rc.CaseID)); r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "demasiados expedientes") {
		t.Fatalf("case page past the budget: %d", r.Status)
	}
	if r := walker.api("GET", "/api/v1/cases", ""); r.Status != 200 {
		t.Fatalf("the case list past the budget: %d", r.Status)
	}
	other := site.newClient()
	other.loginFrom("10.5.0.2", "otra")
	if r := other.api("GET", fmt.Sprintf("/api/v1/cases/%d", rc.CaseID), ""); r.Status != 200 {
		t.Fatalf("another account: %d", r.Status)
	}
}

// TestDeviceAndAlertReadsReachTheBeneficiary: the alert and device lists,
// the console and a role's refused attempt each show in the beneficiary's
// "who read my data", one entry per object.
func TestDeviceAndAlertReadsReachTheBeneficiary(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newRouteFixture(t, db)
		webUser(t, db, "guardia", escudo.RoleDuty)
		webUser(t, db, "administra", escudo.RoleAdmin)
		duty := f.site.newClient()
		duty.loginFrom("10.6.0.1", "guardia")
		for _, path := range []string{"/api/v1/alerts", "/api/v1/devices", fmt.Sprintf("/api/v1/alerts/%d", f.alertID)} {
			if r := duty.api("GET", path, ""); r.Status != 200 {
				t.Fatalf("%s: %d", path, r.Status)
			}
		}
		if r := duty.page("/console"); r.Status != 200 {
			t.Fatalf("console: %d", r.Status)
		}
		admin := f.site.newClient()
		admin.loginFrom("10.6.0.2", "administra")
		if r := admin.api("GET", fmt.Sprintf("/api/v1/people/%d", f.personID), ""); r.Status != http.StatusForbidden {
			t.Fatalf("administrator reading a person: %d", r.Status)
		}
		reads, err := db.ReadsOfPerson(ctx, f.personID, 0)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range reads {
			seen[r.Action+" by "+r.ActorName+" "+r.Outcome] = true
		}
		for _, want := range []string{"alert.list by Guardia Pérez ok", "device.list by Guardia Pérez ok", "alert.read by Guardia Pérez ok", "access.denied by Administra Pérez denied"} {
			if !seen[want] {
				t.Errorf("the beneficiary's reads lack %q: %v", want, seen)
			}
		}
	})
}

// TestListRoutesRefuseUnknownParameters: every list route checks its query
// with the one shared decoder, so a typo never silently lists everything.
func TestListRoutesRefuseUnknownParameters(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	f := newRouteFixture(t, db)
	webUser(t, db, "coordina", escudo.RoleCoordinator)
	cl := f.site.newClient()
	cl.loginFrom("10.7.0.1", "coordina")
	person := fmt.Sprint(f.personID)
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/devices?person=22", "person"},
		{"/api/v1/devices?person_id=abc", "person_id"},
		{"/api/v1/alerts?status=bogus", "status"},
		{"/api/v1/alerts?limit=abc", "limit"},
		{"/api/v1/alerts?zzbogus=1", "zzbogus"},
		{"/api/v1/alerts?federal_entity=OAX", "federal_entity"},
		{"/api/v1/alerts?entity=XX", "entity"},
		{"/api/v1/alerts?status=all&status=open", "status"},
		{"/api/v1/alerts/response-times?zzbogus=1", "zzbogus"},
		{"/api/v1/alerts/response-times?from=yesterday", "from"},
		{"/api/v1/devices/silent?zzbogus=1", "zzbogus"},
		{"/api/v1/devices/untested?zzbogus=1", "zzbogus"},
		{"/api/v1/drills?zzbogus=1", "zzbogus"},
		{"/api/v1/drills?limit=0", "limit"},
		{"/api/v1/people/" + person + "/consents?zzbogus=1", "zzbogus"},
		{"/api/v1/people/" + person + "/reads?zzbogus=1", "zzbogus"},
		{"/api/v1/cases?stgae=reception", "stgae"},
	} {
		r := cl.api("GET", tc.path, "")
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %.300s, want 400 naming %s", tc.path, r.Status, r.Body, tc.field)
		}
	}
	for _, ok := range []string{"/api/v1/alerts?status=all&entity=OAX&limit=10", "/api/v1/devices?person_id=" + person, "/api/v1/drills?limit=5",
		"/api/v1/alerts/response-times?from=2026-01-01&include_tests=true"} {
		if r := cl.api("GET", ok, ""); r.Status != 200 {
			t.Errorf("%s: %d %.300s", ok, r.Status, r.Body)
		}
	}
}

// TestEveryRoleLandsOnAPage: after signing in, a role without a case queue
// starts on the home page, not on a refusal.
func TestEveryRoleLandsOnAPage(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	site := newWebSite(t, db, Options{})
	ctx := context.Background()
	for _, role := range escudo.Roles {
		u := &escudo.User{Username: "l_" + string(role), DisplayName: string(role), Role: role}
		if err := db.CreateUser(ctx, u, webPassword); err != nil {
			t.Fatal(err)
		}
		cl := site.newClient()
		r := cl.postFrom("10.8.0."+fmt.Sprint(len(u.Username)+int(role[0])), "/login", url.Values{"username": {u.Username}, "password": {webPassword}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("%s: login %d", role, r.Status)
		}
		if page := cl.page(r.Header.Get("Location")); page.Status != http.StatusOK {
			t.Errorf("%s lands on %s: %d", role, r.Header.Get("Location"), page.Status)
		}
	}
}
