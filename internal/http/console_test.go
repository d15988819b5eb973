package http

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

type consoleSite struct {
	*webSite
	pipeline *alert.Pipeline
	person   *escudo.Person
	device   *escudo.Device
	secret   string
}

func newConsoleSite(t *testing.T, db *store.DB) *consoleSite {
	t.Helper()
	ctx := context.Background()
	p, err := alert.New(alert.Options{DB: db, Now: db.Now})
	if err != nil {
		t.Fatal(err)
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = p.Run(pctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	c := &consoleSite{pipeline: p, webSite: newWebSite(t, db, Options{Alerts: p})}
	c.person = &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Lydia Cacho Ribeiro", Entity: "QR", Phone: "+52 998 555 0199",
		Address: "Av. Tulum 200, Cancún", Municipality: "Benito Juárez"}
	if err := db.CreatePerson(ctx, c.person); err != nil {
		t.Fatal(err)
	}
	c.device = &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: c.person.ID}
	if c.secret, err = db.CreateDevice(ctx, c.device); err != nil {
		t.Fatal(err)
	}
	liaison := &escudo.User{Username: "enlace.qr", DisplayName: "Comandante Ruiz", Role: escudo.RoleLiaison, Entity: "QR", Agency: "Policía Estatal de Quintana Roo"}
	if err := db.CreateUser(ctx, liaison, webPassword); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *consoleSite) press(t *testing.T, body string) int64 {
	t.Helper()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/devices/%d/alerts", c.ts.URL, c.device.ID), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AlertID int64 `json:"alert_id"`
	}
	if err := jsonDecode(res, &out); err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("press: %d %v", res.StatusCode, err)
	}
	return out.AlertID
}

func TestConsoleHandlesAnAlertInOneStepEach(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		c := newConsoleSite(t, db)
		// Only operators reach the console.
		webUser(t, db, "analista", escudo.RoleAnalyst)
		c.login("analista", webPassword)
		if r := c.get("/console"); r.Status != http.StatusForbidden {
			t.Fatalf("analyst on the console: %d", r.Status)
		}
		c.c = newWebClient()
		if r := c.get("/console"); r.Status != http.StatusSeeOther {
			t.Fatalf("anonymous on the console: %d", r.Status)
		}
		duty := webUser(t, db, "guardia", escudo.RoleDuty)
		c.login("guardia", webPassword)

		r := c.get("/console")
		if r.Status != 200 || !strings.Contains(r.Body, `http-equiv="refresh"`) || !strings.Contains(r.Body, "/console/console.js") {
			t.Fatalf("empty console: %d %.500s", r.Status, r.Body)
		}
		id := c.press(t, `{"type":"panic","lat":21.1619,"lon":-86.8515,"accuracy_m":20}`)
		ids := strconv.FormatInt(id, 10)
		r = c.get("/console")
		for _, want := range []string{"#" + ids, "Lydia Cacho Ribeiro", "Av. Tulum 200", "geo:21.161900,-86.851500", "21.16190, -86.85150 (±20 m)",
			"Comandante Ruiz", "Policía Estatal de Quintana Roo", "/console/alerts/" + ids + "/acknowledge", "/console/alerts/" + ids + "#dispatch"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("console lacks %q", want)
			}
		}
		// Acknowledge, dispatch and resolve: one form each.
		steps := []struct {
			path   string
			form   url.Values
			status escudo.AlertStatus
		}{
			{"/acknowledge", url.Values{}, escudo.AlertAcknowledged},
			{"/dispatch", url.Values{"agency": {"Policía Estatal de Quintana Roo"}, "unit": {"QR-07"}}, escudo.AlertDispatched},
			{"/resolve", url.Values{"outcome": {"attended"}, "note": {"Patrulla en el domicilio."}}, escudo.AlertResolved},
		}
		for _, s := range steps {
			r := c.post("/console/alerts/"+ids+s.path, s.form)
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console" {
				t.Fatalf("%s: %d %s", s.path, r.Status, r.Header.Get("Location"))
			}
			a, _ := db.FindAlertByID(context.Background(), id)
			if a.Status != s.status {
				t.Fatalf("%s: status %s, want %s", s.path, a.Status, s.status)
			}
		}
		a, _ := db.FindAlertByID(context.Background(), id)
		if a.AcknowledgedBy != duty.ID || a.Unit != "QR-07" || a.Outcome != "attended" {
			t.Fatalf("handled alert %+v", a)
		}
		// Closed alerts leave the live list but keep their page and timeline.
		if r := c.get("/console"); strings.Contains(r.Body, "#"+ids) {
			t.Fatal("resolved alert still in the open list")
		}
		r = c.get("/console/alerts/" + ids)
		if r.Status != 200 || !strings.Contains(r.Body, "QR-07") {
			t.Fatalf("alert page: %d", r.Status)
		}
		// The live list, which a browser without JavaScript reloads every
		// few seconds, holds no field to type in: dispatch and close are on
		// the alert's own page.
		id2 := c.press(t, `{"type":"alarm"}`)
		id2s := strconv.FormatInt(id2, 10)
		r = c.get("/console")
		if list := r.Body; strings.Contains(list, `name="agency"`) || strings.Contains(list, `name="note"`) || !strings.Contains(list, `href="/console/alerts/`+id2s+`#dispatch"`) {
			t.Fatalf("the live list offers a field to type in, or no dispatch link:\n%.3000s", list)
		}
		r = c.get("/console/alerts/" + id2s)
		for _, want := range []string{`id="dispatch"`, `id="dispatch-agency"`, `id="dispatch-unit"`, `id="dispatch-note"`, `id="close-note"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("alert page lacks %s", want)
			}
		}
		// A dispatch without agency is refused on the alert's page with a
		// message, and what was typed is still there.
		r = c.post("/console/alerts/"+id2s+"/dispatch", url.Values{"back": {"alert"}, "agency": {" "}, "unit": {"QR-11"}, "note": {"La patrulla va en camino por la federal 307."}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Este dato es obligatorio") ||
			!strings.Contains(r.Body, `value="QR-11"`) || !strings.Contains(r.Body, "La patrulla va en camino por la federal 307.</textarea>") ||
			!strings.Contains(r.Body, `href="#dispatch-agency"`) {
			t.Fatalf("bad dispatch on the alert page: %d %.3000s", r.Status, r.Body)
		}
		// From the list, a refusal returns to the list with the reason.
		r = c.post("/console/alerts/"+id2s+"/dispatch", url.Values{"agency": {" "}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/console" {
			t.Fatalf("bad dispatch from the list: %d", r.Status)
		}
		// A close without outcome keeps the note typed.
		r = c.post("/console/alerts/"+id2s+"/resolve", url.Values{"back": {"alert"}, "note": {"Llamó para decir que está a salvo."}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Llamó para decir que está a salvo.</textarea>") {
			t.Fatalf("close without outcome on the alert page: %d %.3000s", r.Status, r.Body)
		}
		if a, _ := db.FindAlertByID(context.Background(), id2); a.Status != escudo.AlertOpen {
			t.Fatalf("refused forms changed the alert: %s", a.Status)
		}
	})
}

func TestConsoleHotlineCall(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		c := newConsoleSite(t, db)
		webUser(t, db, "guardia", escudo.RoleDuty)
		c.login("guardia", webPassword)
		r := c.post("/console/alerts", url.Values{"person_id": {strconv.FormatInt(c.person.ID, 10)}, "type": {"call"},
			"note": {"Llama desde un teléfono prestado: la siguen dos camionetas."}, "lat": {"21.17"}, "lon": {"-86.85"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/alerts/") {
			t.Fatalf("hotline: %d %s", r.Status, r.Header.Get("Location"))
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(r.Header.Get("Location"), "/console/alerts/"), 10, 64)
		a, err := db.FindAlertByID(context.Background(), id)
		if err != nil || a.Source != escudo.SourceHotline || a.Location == nil || !strings.Contains(a.Note, "camionetas") || a.Entity != "QR" {
			t.Fatalf("hotline alert %+v %v", a, err)
		}
		for _, bad := range []url.Values{
			{"person_id": {"999999"}, "type": {"call"}},
			{"person_id": {"abc"}},
			{"person_id": {strconv.FormatInt(c.person.ID, 10)}, "lat": {"200"}, "lon": {"0"}},
		} {
			before, _ := db.FindAlerts(context.Background(), escudo.AlertFilter{})
			bad.Set("note", "Nota a medio escribir")
			r := c.post("/console/alerts", bad)
			after, _ := db.FindAlerts(context.Background(), escudo.AlertFilter{})
			// Refused on the call's own page, with what was typed kept.
			if r.Status != http.StatusBadRequest || len(after) != len(before) || !strings.Contains(r.Body, "Nota a medio escribir") {
				t.Fatalf("bad hotline form %v: %d, %d → %d alerts", bad, r.Status, len(before), len(after))
			}
		}
	})
}

// TestConsoleCallFindsTheCaller: an operator on a call types the caller's
// name, phone as they say it, or the case's folio, never an internal
// number; the call page has no reload that could wipe the note.
func TestConsoleCallFindsTheCaller(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	c := newConsoleSite(t, db)
	webUser(t, db, "guardia", escudo.RoleDuty)
	c.login("guardia", webPassword)
	page := c.get("/console/call")
	if page.Status != 200 || !strings.Contains(page.Body, `name="who"`) || strings.Contains(page.Body, `http-equiv="refresh"`) {
		t.Fatalf("call page: %d", page.Status)
	}
	if r := c.get("/console"); !strings.Contains(r.Body, `href="/console/call"`) || strings.Contains(r.Body, `action="/console/alerts" `) && strings.Contains(r.Body, `name="note"`) && strings.Contains(r.Body, `name="who"`) {
		t.Fatalf("the console should link to the call page")
	}
	rc, err := db.FileRequest(context.Background(), &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Silvia Pérez Yescas", Entity: "OAX", Phone: "+52 971 555 0142"})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{rc.Reference, strings.ToLower(strings.ReplaceAll(rc.Reference, "-", " ")), "971 555 0142", "Silvia Pérez Yescas"} {
		r := c.post("/console/alerts", url.Values{"who": {who}, "type": {"call"}, "note": {"Llama por " + who}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/console/alerts/") {
			t.Fatalf("call by folio %q: %d %.300s", who, r.Status, r.Body)
		}
	}
	r := c.post("/console/alerts", url.Values{"who": {"Nadie Inexistente"}, "note": {"sigue en la línea"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "sigue en la línea") || !strings.Contains(r.Body, "No encontramos a nadie") {
		t.Fatalf("unknown caller: %d", r.Status)
	}
}

func TestConsoleStreamAnnouncesAlerts(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	c := newConsoleSite(t, db)
	webUser(t, db, "guardia", escudo.RoleDuty)
	c.login("guardia", webPassword)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.ts.URL+"/console/stream", nil)
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(res.Body)
	// Wait for the stream to be subscribed before pressing.
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, ": connected") {
			break
		}
	}
	id := c.press(t, `{"type":"panic"}`)
	want := fmt.Sprintf(`"id":%d,"kind":"received"`, id)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before the alert: %v", err)
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, want) {
			break
		}
	}
	// The script fetches only the list.
	r := c.get("/console?fragment=1")
	if r.Status != 200 || strings.Contains(r.Body, "<html") || !strings.Contains(r.Body, "#"+strconv.FormatInt(id, 10)) {
		t.Fatalf("fragment: %d %.300s", r.Status, r.Body)
	}
}

func jsonDecode(res *http.Response, v any) error { return json.NewDecoder(res.Body).Decode(v) }
