package http

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/testdb"
)

// A request for protection filed with imminent danger rings on the duty
// console: the stream announces it as a new alert and the list shows it
// first, naming the request; a request without it raises nothing.
func TestImminentDangerRequestRingsOnTheConsole(t *testing.T) {
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
	rd := bufio.NewReader(res.Body)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, ": connected") {
			break
		}
	}
	file := func(imminent bool) string {
		body := `{"imminent_danger":` + map[bool]string{true: "true", false: "false"}[imminent] +
			`,"narrative":"Hombres armados rondan mi casa.","person":{"profile":"defender","name":"Juana Pérez","federal_entity":"GRO","contact":{"channel":"phone","never_sms":true}}}`
		r, err := http.Post(c.ts.URL+"/api/v1/requests", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var rc struct {
			Reference string `json:"reference"`
		}
		if err := json.NewDecoder(r.Body).Decode(&rc); err != nil || r.StatusCode != http.StatusCreated {
			t.Fatalf("file: %d %v", r.StatusCode, err)
		}
		return rc.Reference
	}
	file(false)
	if as, _ := db.FindAlerts(context.Background(), escudo.AlertFilter{}); len(as) != 0 {
		t.Fatalf("a request without imminent danger raised %d alerts", len(as))
	}
	c.press(t, `{"type":"low_battery"}`) // an older alert on the list
	ref := file(true)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before the request's alert: %v", err)
		}
		if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"kind":"received"`) && strings.Contains(line, `"type":"imminent_request"`) {
			break
		}
	}
	r := c.get("/console?fragment=1")
	first := strings.Index(r.Body, "Solicitud con peligro inminente")
	battery := strings.Index(r.Body, "Batería baja")
	if first < 0 || !strings.Contains(r.Body, ref) || battery >= 0 && battery < first {
		t.Fatalf("console list does not show the request's alert first: %.1500s", r.Body)
	}
	// The card links to the case, with its procedure and "never by SMS".
	if !strings.Contains(r.Body, `">`+ref+`</a> · Procedimiento Extraordinario`) || !strings.Contains(r.Body, "Nunca por SMS") {
		t.Errorf("the alert does not link to its case: %.2000s", r.Body)
	}
	as, _ := db.FindAlerts(context.Background(), escudo.AlertFilter{Open: true})
	var found bool
	for _, a := range as {
		if a.Type == escudo.AlertImminentRequest && a.Source == escudo.SourceRequest {
			found = a.NextEscalation != nil
		}
	}
	if !found {
		t.Fatal("the request's alert is not stored with an escalation time")
	}
}
