package http

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/testdb"
)

// The console writes times to the second and how long each step took; an
// unacknowledged alert's wait is coloured against the 15 s and 64 s
// targets; a drill is drawn unlike an emergency.
func TestConsoleTimesToTheSecondAndDrillsApart(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 11, 20, 15, 30, 7, 0, time.UTC))
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	c := newConsoleSite(t, db)
	webUser(t, db, "guardia", escudo.RoleDuty)
	c.login("guardia", webPassword)

	acked := c.press(t, `{"type":"panic"}`)
	clock.Advance(42 * time.Second)
	if r := c.post("/console/alerts/"+strconv.FormatInt(acked, 10)+"/acknowledge", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", r.Status)
	}
	late := c.press(t, `{"type":"alarm"}`)
	clock.Advance(70 * time.Second)
	fresh := c.press(t, `{"type":"tamper"}`)
	drill, err := c.pipeline.Raise(context.Background(), escudo.AlertInput{PersonID: c.person.ID, Type: escudo.AlertTest, Source: escudo.SourceDrill})
	if err != nil {
		t.Fatal(err)
	}
	body := c.get("/console").Body
	card := func(id int64) string {
		m := regexp.MustCompile(`(?s)<article[^>]*id="alert-` + strconv.FormatInt(id, 10) + `".*?</article>`).FindString(body)
		if m == "" {
			t.Fatalf("no card for alert %d", id)
		}
		return m
	}
	if a := card(acked); !strings.Contains(a, "2026-11-20 09:30:07") || !strings.Contains(a, "a los 42 s") {
		t.Errorf("acknowledged alert lacks its time to the second or its 42 s: %s", a)
	}
	if a := card(late); !strings.Contains(a, "wait-late") || !strings.Contains(a, "1 min 10 s") {
		t.Errorf("alert waiting 70 s is not shown late: %s", a)
	}
	if a := card(fresh); !strings.Contains(a, "wait-ok") {
		t.Errorf("fresh alert is not shown in time: %s", a)
	}
	if a := card(drill.ID); !strings.Contains(a, `class="card alertcard status-open drill"`) || !strings.Contains(a, "SIMULACRO") {
		t.Errorf("drill looks like an emergency: %s", a)
	}
	if a := card(late); strings.Contains(a, "SIMULACRO") {
		t.Error("an emergency is labelled a drill")
	}
}
