package http

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The distinctive details of the test house: finding any of them outside
// the registry's own page is a leak.
var houseSecrets = []string{"Callejón de los Sauces 4417", "Sauces", "Casa Tlalli", "17.065400", "-96.723700", "555 0199", "5550199"}

// lockedBuffer collects a server's log lines from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// safeHouseFixture is the route fixture with a house, a named follow-up
// officer and the fixture's case housed in it (asked by reception,
// assigned by the named officer), on a server whose every log line, at
// debug level, is kept.
func safeHouseFixture(t *testing.T, db *store.DB) (*routeFixture, *lockedBuffer, *escudo.User) {
	t.Helper()
	logs := &lockedBuffer{}
	ctx := context.Background()
	f := newRouteFixtureWith(t, db, Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	admin := webUser(t, db, "sh_admin", escudo.RoleAdmin)
	named := webUser(t, db, "sh_registro", escudo.RoleFollowUp)
	recep := webUser(t, db, "sh_recepcion", escudo.RoleReception)
	if err := db.SetSafeHouseNamed(escudo.NewContextWithUser(ctx, admin), named.ID, true); err != nil {
		t.Fatal(err)
	}
	nctx := escudo.NewContextWithUser(ctx, named)
	h := &escudo.SafeHouse{Name: "Casa Tlalli", Address: "Callejón de los Sauces 4417, Barrio Xochimilcatzingo", Coordinates: "17.0654,-96.7237",
		Phone: "+52 951 555 0199", Capacity: 6, Operator: "Red de Refugios"}
	if err := db.CreateSafeHouse(nctx, h); err != nil {
		t.Fatal(err)
	}
	req := &escudo.SafeHouseRequest{CaseID: f.caseID, People: 2, Urgency: escudo.UrgencyToday, Needs: []escudo.SafeHouseNeed{escudo.NeedChildren}, Note: "Llegan de noche."}
	if err := db.RequestSafeHouse(escudo.NewContextWithUser(ctx, recep), req); err != nil {
		t.Fatal(err)
	}
	if err := db.AssignSafeHouse(nctx, &escudo.SafeHouseAssignment{RequestID: req.ID, HouseID: h.ID, DateIn: db.Now()}); err != nil {
		t.Fatal(err)
	}
	return f, logs, named
}

// TestSafeHouseLocationShownNowhereElse: with a house holding the
// fixture's case, every role (and the named officer) calls every GET route
// the server registers, pages and JSON API alike (CSV and JSON exports
// among them), and nowhere but on the registry's own page, to the named
// officer, does any detail of the house appear; nor in any log line of the
// server, any audit entry or any notification. On SQLite only, like
// TestNoLinkLeadsToRefusal: what a page shows does not depend on the
// engine, and the store's tests check the audit log and the outbox on both
// (TestSafeHouseRegistry).
func TestSafeHouseLocationShownNowhereElse(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	{
		ctx := context.Background()
		f, logs, named := safeHouseFixture(t, db)
		users := []*escudo.User{named}
		for _, role := range escudo.Roles {
			u := &escudo.User{Username: "w_" + string(role), DisplayName: "Persona " + string(role), Role: role}
			if role == escudo.RoleBeneficiary {
				u.PersonID = f.personID // the housed person's own account
			}
			if err := db.CreateUser(ctx, u, webPassword); err != nil {
				t.Fatal(err)
			}
			users = append(users, u)
		}
		routes := f.site.srv.Mux.Routes()
		calls, registry := 0, false
		for i, u := range users {
			cl := f.site.newClient()
			cl.loginFrom(fmt.Sprintf("10.40.%d.1", i), u.Username)
			if _, err := db.FindUserByID(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			for _, rt := range routes {
				if rt.Method != "GET" || strings.HasSuffix(rt.Path, "/stream") || rt.Path == "/salida" { // the quick exit ends the session
					continue
				}
				path := f.path(rt)
				var r resp
				if strings.HasPrefix(rt.Path, "/api/") {
					r = cl.api("GET", path, "")
				} else {
					r = cl.page(path)
				}
				calls++
				if u.ID == named.ID && rt.Path == "/safe-houses" {
					if r.Status != http.StatusOK || !strings.Contains(r.Body, "Callejón de los Sauces 4417") {
						t.Fatalf("the named officer's registry: %d %.300s", r.Status, r.Body)
					}
					registry = true
					continue
				}
				for _, s := range houseSecrets {
					if strings.Contains(r.Body, s) {
						t.Errorf("%s (%s) GET %s shows %q", u.Username, u.Role, path, s)
					}
				}
			}
		}
		if !registry || calls < 40*len(users) {
			t.Fatalf("%d calls, registry seen: %v", calls, registry)
		}
		// The case page of a role that asks shows the status, not the place.
		recep := f.site.newClient()
		recep.loginFrom("10.41.0.1", "sh_recepcion") // w_reception spent its read budget above
		if r := recep.page(fmt.Sprintf("/cases/%d", f.caseID)); !strings.Contains(r.Body, `id="safe-house-status"`) || !strings.Contains(r.Body, "Asignada") {
			t.Errorf("the case page does not say a place is assigned: %d %.1500s", r.Status, r.Body[strings.Index(r.Body, "<main"):])
		}
		// A forged cross-site post of a house is refused and logged: the
		// line names the path and the origin, not what was posted.
		forged := url.Values{"name": {"Casa Tlalli"}, "address": {"Callejón de los Sauces 4417"}, "capacity": {"3"}}
		nc := f.site.newClient()
		nc.loginFrom("10.41.0.2", "sh_registro")
		if r := nc.do("POST", "/safe-houses", "application/x-www-form-urlencoded", forged.Encode(), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); r.Status != http.StatusForbidden {
			t.Errorf("a cross-site post of a house: %d", r.Status)
		}
		for _, s := range houseSecrets {
			if strings.Contains(logs.String(), s) {
				t.Errorf("the server's log shows %q", s)
			}
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("the server logged errors: %.2000s", logs.String()[strings.Index(logs.String(), "level=ERROR"):])
		}
		if !strings.Contains(logs.String(), "cross-origin request refused") {
			t.Fatal("no log line was captured; is the logger still the server's?")
		}
		for _, s := range houseSecrets {
			var n int
			if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE fields LIKE ? OR object_id LIKE ? OR action LIKE ?`, "%"+s+"%", "%"+s+"%", "%"+s+"%").Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				t.Errorf("%d audit entries show %q", n, s)
			}
		}
		// Every notification, opened as its recipient would read it.
		var ids []int64
		if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM outbox`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			n, err := db.FindNotification(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range houseSecrets {
				if strings.Contains(n.Subject+n.Body+n.Recipient, s) {
					t.Errorf("notification %s shows %q", n.Kind, s)
				}
			}
		}
		if len(ids) < 2 {
			t.Fatalf("only %d notifications; were the named and the requester told?", len(ids))
		}
		inbox, err := db.Inbox(ctx, f.requesterOf(t), 100)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range inbox {
			found = found || n.Kind == "safehouse_assigned"
			for _, s := range houseSecrets {
				if strings.Contains(n.Subject+n.Body, s) {
					t.Errorf("inbox notice %s shows %q", n.Kind, s)
				}
			}
		}
		if !found {
			t.Errorf("the requester was not told a place is assigned: %+v", inbox)
		}
	}
}

// requesterOf is the reception account that asked for the place.
func (f *routeFixture) requesterOf(t *testing.T) int64 {
	t.Helper()
	u, err := f.db.FindUserByUsername(context.Background(), "sh_recepcion")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestSafeHouseNamingTakesEffectOnTheNextRequest: a coordinator is not
// named by default and neither sees the registry nor a link to it; the
// administrator names them from the accounts page (without the page ever
// showing a house) and their very next request opens the registry; un-named,
// their next request is refused, in the same session.
func TestSafeHouseNamingTakesEffectOnTheNextRequest(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		f, _, _ := safeHouseFixture(t, db)
		webUser(t, db, "coordina", escudo.RoleCoordinator)
		webUser(t, db, "analista", escudo.RoleAnalyst)
		coord := f.site.newClient()
		coord.loginFrom("10.42.0.1", "coordina")
		admin := f.site.newClient()
		admin.loginFrom("10.42.0.2", "sh_admin")
		if r := coord.page("/safe-houses"); r.Status != http.StatusForbidden {
			t.Fatalf("an un-named coordinator opens the registry: %d", r.Status)
		}
		if r := coord.page("/queue"); strings.Contains(r.Body, `href="/safe-houses"`) {
			t.Fatal("an un-named coordinator's menu links to the registry")
		}
		set := func(username, named string) resp {
			return admin.form("/admin/users/safe-houses", url.Values{"username": {username}, "named": {named}})
		}
		if r := set("analista", "1"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Solo se puede nombrar") {
			t.Fatalf("naming an analyst: %d %.300s", r.Status, r.Body)
		}
		if r := set("nadie", "1"); r.Status != http.StatusBadRequest {
			t.Fatalf("naming an unknown account: %d", r.Status)
		}
		if r := set("coordina", "1"); r.Status != http.StatusSeeOther {
			t.Fatalf("naming the coordinator: %d %.300s", r.Status, r.Body)
		}
		users := admin.page("/admin/users")
		if !strings.Contains(users.Body, "Nombrada para el registro de casas") {
			t.Fatal("the accounts page does not say who is named")
		}
		for _, s := range houseSecrets {
			if strings.Contains(users.Body, s) {
				t.Fatalf("the accounts page shows %q", s)
			}
		}
		if r := admin.page("/safe-houses"); r.Status != http.StatusForbidden {
			t.Fatalf("the administrator opens the registry: %d", r.Status)
		}
		r := coord.page("/safe-houses")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Callejón de los Sauces 4417") {
			t.Fatalf("the named coordinator's next request: %d", r.Status)
		}
		if q := coord.page("/queue"); !strings.Contains(q.Body, `href="/safe-houses"`) {
			t.Fatal("a named coordinator's menu does not link to the registry")
		}
		if r := set("coordina", "0"); r.Status != http.StatusSeeOther {
			t.Fatalf("un-naming: %d", r.Status)
		}
		if r := coord.page("/safe-houses"); r.Status != http.StatusForbidden {
			t.Fatalf("the un-named coordinator's next request: %d", r.Status)
		}
		if r := coord.form("/safe-houses/release", url.Values{"request": {"1"}}); r.Status != http.StatusForbidden {
			t.Fatalf("the un-named coordinator releases a stay: %d", r.Status)
		}
	})
}

// TestSafeHouseFormsRefuseBadInput: a request without people or urgency,
// an assignment to a house without room and a house without an address
// come back with the translated message next to the field and nothing
// changed; a good request reaches the registry.
func TestSafeHouseFormsRefuseBadInput(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	f, _, _ := safeHouseFixture(t, db)
	ctx := context.Background()
	urgent := fileUrgentCase(t, db)
	recep := f.site.newClient()
	recep.loginFrom("10.43.0.1", "sh_recepcion")
	r := recep.form(fmt.Sprintf("/cases/%d/safe-house", urgent), url.Values{"people": {"0"}, "needs": {"jacuzzi"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Debe estar entre 1 y 200") || !strings.Contains(r.Body, "Elige una de las opciones") {
		t.Fatalf("a bad request: %d %.500s", r.Status, r.Body)
	}
	if st, _ := db.CaseSafeHouseStatus(ctx, urgent); st != nil {
		t.Fatalf("a refused request was stored: %+v", st)
	}
	r = recep.form(fmt.Sprintf("/cases/%d/safe-house", urgent), url.Values{"people": {"7"}, "urgency": {"today"}, "needs": {"children", "elderly"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("a good request: %d %.300s", r.Status, r.Body)
	}
	if r := recep.form(fmt.Sprintf("/cases/%d/safe-house", urgent), url.Values{"people": {"1"}, "urgency": {"days"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "ya tiene una solicitud") {
		t.Fatalf("a second request: %d", r.Status)
	}
	named := f.site.newClient()
	named.loginFrom("10.43.0.2", "sh_registro")
	reg := named.page("/safe-houses")
	if !strings.Contains(reg.Body, "Ninguna casa en servicio tiene lugar para 7 personas") {
		t.Fatalf("a request too large for every house: %.2000s", reg.Body)
	}
	var reqID, houseID int64
	_ = db.WithTx(ctx, false, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM safe_house_requests WHERE case_id = ?`, urgent).Scan(&reqID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id FROM safe_houses`).Scan(&houseID)
	})
	r = named.form("/safe-houses/assign", url.Values{"request": {fmt.Sprint(reqID)}, "house": {fmt.Sprint(houseID)}, "date_in": {"2026-13-40"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Escribe una fecha") {
		t.Fatalf("a bad date: %d", r.Status)
	}
	r = named.form("/safe-houses/assign", url.Values{"request": {fmt.Sprint(reqID)}, "house": {fmt.Sprint(houseID)}, "date_in": {time.Now().Format(time.DateOnly)}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "no tiene lugar para 7 personas: le quedan 4") {
		t.Fatalf("a house too small: %d %.300s", r.Status, r.Body)
	}
	if st, _ := db.CaseSafeHouseStatus(ctx, urgent); st.State != escudo.SafeHousePending {
		t.Fatalf("a refused assignment changed the request: %+v", st)
	}
	r = named.form("/safe-houses", url.Values{"name": {"Casa Nueva"}, "capacity": {"3"}, "coordinates": {"200,1"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Las coordenadas deben ir juntas") || !strings.Contains(r.Body, `id="h-address"`) {
		t.Fatalf("a house without an address: %d", r.Status)
	}
	if houses, _ := db.SafeHouses(ctx); len(houses) != 1 {
		t.Fatalf("a refused house was stored: %d houses", len(houses))
	}
	if r := named.form("/safe-houses/state", url.Values{"house": {fmt.Sprint(houseID)}, "active": {"0"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "termina sus estancias") {
		t.Fatalf("taking an occupied house out of service: %d", r.Status)
	}
}

// fileUrgentCase files an extraordinary request and returns its case.
func fileUrgentCase(t *testing.T, db *store.DB) int64 {
	t.Helper()
	rc, err := db.FileRequest(context.Background(), &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Hombres armados rondan la casa.", ImminentDanger: true},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Ana Ruiz", Entity: "OAX"})
	if err != nil {
		t.Fatal(err)
	}
	return rc.CaseID
}

// TestBeneficiaryAsksOnTheirOwnCase: a beneficiary asks for a place on
// their own case from its safe-house page and then reads only the state;
// on another person's case the page and the form are out of reach.
func TestBeneficiaryAsksOnTheirOwnCase(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	f := newRouteFixture(t, db)
	ctx := context.Background()
	other := fileUrgentCase(t, db)
	u := &escudo.User{Username: "beneficiaria", DisplayName: "Irma", Role: escudo.RoleBeneficiary, PersonID: f.personID}
	if err := db.CreateUser(ctx, u, webPassword); err != nil {
		t.Fatal(err)
	}
	cl := f.site.newClient()
	cl.loginFrom("10.44.0.1", "beneficiaria")
	own := fmt.Sprintf("/cases/%d/safe-house", f.caseID)
	if r := cl.page(own); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="safe-house-form"`) || !strings.Contains(r.Body, "nunca dónde") {
		t.Fatalf("the beneficiary's own safe-house page: %d", r.Status)
	}
	if r := cl.form(own, url.Values{"people": {"3"}, "urgency": {"days"}, "needs": {"children"}, "note": {"Con mis dos hijos."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("the beneficiary asks: %d %.300s", r.Status, r.Body)
	}
	r := cl.page(own)
	if !strings.Contains(r.Body, `id="safe-house-status"`) || !strings.Contains(r.Body, "Pendiente") || strings.Contains(r.Body, `id="safe-house-form"`) {
		t.Fatalf("after asking: %.1500s", r.Body)
	}
	if strings.Contains(r.Body, "Con mis dos hijos.") {
		t.Error("the sealed note is shown back on the status page")
	}
	if r := cl.page(fmt.Sprintf("/cases/%d/safe-house", other)); r.Status != http.StatusNotFound {
		t.Fatalf("another person's safe-house page: %d", r.Status)
	}
	if r := cl.form(fmt.Sprintf("/cases/%d/safe-house", other), url.Values{"people": {"1"}, "urgency": {"today"}}); r.Status != http.StatusNotFound {
		t.Fatalf("asking on another person's case: %d", r.Status)
	}
	if st, _ := db.CaseSafeHouseStatus(ctx, other); st != nil {
		t.Fatal("a refused request on another case was stored")
	}
}
