package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/alert"
	"escudo/internal/drill"
	"escudo/internal/heartbeat"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// supervisionSite is an API site with a supervisor, drills and two devices.
type supervisionSite struct {
	*apiSite
	sup        *heartbeat.Supervisor
	pipeline   *alert.Pipeline
	dutyToken  string
	dev        *escudo.Device
	token      string
	hmacDev    *escudo.Device
	hmacSecret string
}

func newSupervisionSite(t testing.TB, db *store.DB) *supervisionSite {
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
	sup := heartbeat.New(heartbeat.Options{DB: db, Now: db.Now})
	s := &supervisionSite{sup: sup, pipeline: p}
	s.apiSite = newAPISite(t, db, Options{Alerts: p, Supervisor: sup, Drills: &drill.Runner{DB: db, Alerts: p, Now: db.Now}})
	duty := webUser(t, db, "guardia", escudo.RoleDuty)
	if _, s.dutyToken, err = db.CreateAPIToken(ctx, duty.ID, "tests", 0); err != nil {
		t.Fatal(err)
	}
	person, _ := strconv.ParseInt(s.vars["{person}"], 10, 64)
	s.dev = &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: person, HeartbeatInterval: 30 * time.Second}
	if s.token, err = db.CreateDevice(ctx, s.dev); err != nil {
		t.Fatal(err)
	}
	s.hmacDev = &escudo.Device{Kind: escudo.DeviceAlarmPanel, PersonID: person, Auth: escudo.AuthHMAC}
	if s.hmacSecret, err = db.CreateDevice(ctx, s.hmacDev); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *supervisionSite) do(method, path, body string, headers ...string) apiResp {
	s.t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return apiResp{Status: res.StatusCode, Header: res.Header, Body: b.String()}
}

func countDenied(t testing.TB, db *store.DB, action string) int {
	t.Helper()
	var n int
	if err := db.FlushRefusals(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COALESCE(SUM(occurrences), 0) FROM audit_log WHERE outcome = 'denied' AND action = ?`, action).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDeviceHeartbeatEndpoint(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		s := newSupervisionSite(t, db)
		url := fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.dev.ID)
		hmacURL := fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.hmacDev.ID)
		bearer := []string{"Authorization", "Bearer " + s.token}
		signed := func(body string) []string {
			return []string{escudo.SignatureHeader, escudo.Sign([]byte(s.hmacSecret), db.Now(), []byte(body))}
		}
		replayBody := `{"battery":50}`
		replay := signed(replayBody)
		cases := []struct {
			name    string
			url     string
			body    string
			headers []string
			status  int
			want    string
			refused bool
		}{
			{"token device with battery and location", url, `{"battery":64,"lat":17.0654,"lon":-96.7236}`, bearer, 204, "", false},
			{"empty heartbeat", url, ``, bearer, 204, "", false},
			{"odd fields are dropped, not refused", url, `{"battery":"lots","lat":200,"lon":5,"fw":{"v":2}}`, bearer, 204, "", false},
			{"signed heartbeat", hmacURL, replayBody, replay, 204, "", false},
			{"replayed signature", hmacURL, replayBody, replay, 401, "error.device_replay", true},
			{"wrong token", url, `{}`, []string{"Authorization", "Bearer nope"}, 401, "error.device_credentials", true},
			{"no credentials", url, `{}`, nil, 401, "error.device_credentials", true},
			{"unknown device", "/api/v1/devices/999999/heartbeat", `{}`, bearer, 401, "error.device_credentials", true},
			{"malformed body", url, `battery=5`, bearer, 400, "error.heartbeat_malformed", true},
			{"oversized body", url, `{"x":"` + strings.Repeat("a", heartbeat.MaxBody) + `"}`, bearer, 400, "error.body_too_large", false},
		}
		for _, c := range cases {
			before := countDenied(t, db, "heartbeat.refused")
			r := s.do("POST", c.url, c.body, c.headers...)
			if r.Status != c.status || !strings.Contains(r.Body, c.want) {
				t.Fatalf("%s: %d %s; want %d with %q", c.name, r.Status, r.Body, c.status, c.want)
			}
			if got := countDenied(t, db, "heartbeat.refused") - before; c.refused && got != 1 || !c.refused && got != 0 {
				t.Fatalf("%s: %d refusals audited", c.name, got)
			}
		}
		st := s.sup.State(s.dev.ID)
		if !st.Supervised || st.Battery != 64 || st.Interval != 30*time.Second {
			t.Fatalf("supervision state %+v", st)
		}
		// The state is on the staff API, and persisted by the next flush.
		r := s.do("GET", fmt.Sprintf("/api/v1/devices/%d/supervision", s.dev.ID), "", "Authorization", "Bearer "+s.dutyToken)
		if r.Status != 200 || !strings.Contains(r.Body, `"battery":64`) || !strings.Contains(r.Body, `"silent":false`) {
			t.Fatalf("supervision: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", fmt.Sprintf("/api/v1/devices/%d/supervision", s.dev.ID), "", "Authorization", "Bearer "+s.token); r.Status != 401 {
			t.Fatalf("device token read staff data: %d", r.Status)
		}
		if n, err := s.sup.Flush(context.Background()); err != nil || n != 2 {
			t.Fatalf("flush %d %v", n, err)
		}
		loc, _, err := db.DeviceLocation(context.Background(), s.dev.ID)
		if err != nil || loc != "17.06540,-96.72360" {
			t.Fatalf("stored location %q %v", loc, err)
		}
	})
}

func TestHeartbeatWithoutSupervisor(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	a := newAPISite(t, db, Options{})
	req, _ := http.NewRequest("POST", a.ts.URL+"/api/v1/devices/1/heartbeat", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d", res.StatusCode)
	}
}

func TestSupervisionListsAndDrills(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		s := newSupervisionSite(t, db)
		duty := []string{"Authorization", "Bearer " + s.dutyToken}
		// Newly registered devices are not flagged; after 30 days without a
		// test alert they are, until they send one.
		r := s.do("GET", "/api/v1/devices/untested", "", duty...)
		if r.Status != 200 || strings.Contains(r.Body, fmt.Sprintf(`"id":%d`, s.dev.ID)) {
			t.Fatalf("untested at registration: %d %s", r.Status, r.Body)
		}
		clock.Advance(30*24*time.Hour + time.Second)
		r = s.do("GET", "/api/v1/devices/untested", "", duty...)
		if !strings.Contains(r.Body, fmt.Sprintf(`"id":%d`, s.dev.ID)) {
			t.Fatalf("device not flagged after 30 days: %s", r.Body)
		}
		if r := s.do("POST", fmt.Sprintf("/api/v1/devices/%d/alerts", s.dev.ID), `{"type":"test","message_id":"t-1"}`, "Authorization", "Bearer "+s.token); r.Status != 202 {
			t.Fatalf("test alert: %d %s", r.Status, r.Body)
		}
		r = s.do("GET", "/api/v1/devices/untested", "", duty...)
		if strings.Contains(r.Body, fmt.Sprintf(`"id":%d`, s.dev.ID)) {
			t.Fatalf("device still flagged after its test alert: %s", r.Body)
		}
		if n, err := db.CountUntestedDevices(context.Background(), clock.Now().Add(-30*24*time.Hour)); err != nil || n != 1 {
			t.Fatalf("untested count %d %v; want only the HMAC device", n, err)
		}

		// A drill: stored at once, then acknowledged by an operator.
		clock.Advance(time.Minute)
		r = s.do("POST", "/api/v1/drills", fmt.Sprintf(`{"devices":[%d]}`, s.dev.ID), append(duty, "Content-Type", "application/json")...)
		if r.Status != 202 {
			t.Fatalf("drill: %d %s", r.Status, r.Body)
		}
		var started struct {
			Drills []store.Drill `json:"drills"`
		}
		if err := json.Unmarshal([]byte(r.Body), &started); err != nil || len(started.Drills) != 1 || started.Drills[0].AlertID == 0 {
			t.Fatalf("drill answer %s (%v)", r.Body, err)
		}
		d := started.Drills[0]
		a, err := db.FindAlertByID(context.Background(), d.AlertID)
		if err != nil || a.Type != escudo.AlertTest || a.Source != escudo.SourceDrill || a.DeviceID != 0 {
			t.Fatalf("drill alert %+v %v", a, err)
		}
		clock.Advance(4 * time.Second)
		if r := s.do("POST", fmt.Sprintf("/api/v1/alerts/%d/acknowledge", d.AlertID), `{}`, append(duty, "Content-Type", "application/json")...); r.Status != 200 {
			t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
		}
		if _, err := s.apiSite.srv.Opts.Drills.Track(context.Background()); err != nil {
			t.Fatal(err)
		}
		r = s.do("GET", fmt.Sprintf("/api/v1/drills/%d", d.ID), "", duty...)
		var got store.Drill
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		if got.Status != store.DrillAcknowledged || got.ToAcknowledge() != 4*time.Second {
			t.Fatalf("drill result %+v", got)
		}
		// A drill is not the device's own test.
		dev, _ := db.FindDeviceByID(context.Background(), s.dev.ID)
		if dev.LastTestAt == nil || !dev.LastTestAt.Before(d.StartedAt) {
			t.Fatalf("drill counted as the device's test: %v", dev.LastTestAt)
		}
		r = s.do("GET", "/api/v1/drills", "", duty...)
		if !strings.Contains(r.Body, `"status":"acknowledged"`) {
			t.Fatalf("drill list %s", r.Body)
		}
		if r := s.do("POST", "/api/v1/drills", `{"devices":[]}`, append(duty, "Content-Type", "application/json")...); r.Status != 400 {
			t.Fatalf("empty drill: %d", r.Status)
		}
		if r := s.do("GET", "/api/v1/drills", "", "Authorization", "Bearer "+s.apiSite.token); r.Status != 403 {
			t.Fatalf("reception officer listed drills: %d", r.Status)
		}
	})
}

// BenchmarkDeviceHeartbeat measures the server's cost of one heartbeat
// through the whole HTTP stack (middleware, device authentication from the
// credential cache, decoding, recording), without the network.
func BenchmarkDeviceHeartbeat(b *testing.B) {
	db := testdb.OpenSQLite(b, testdb.Options{})
	s := newSupervisionSite(b, db)
	url := fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.dev.ID)
	body := []byte(`{"battery":87,"lat":17.0654,"lon":-96.7236}`)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+s.token)
			w := httptest.NewRecorder()
			s.srv.ServeHTTP(w, req)
			if w.Code != http.StatusNoContent {
				b.Fatalf("status %d %s", w.Code, w.Body)
			}
		}
	})
}
