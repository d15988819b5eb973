package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// deviceSite is an API site with a running alert pipeline, a duty
// operator's token and two devices of the seeded beneficiary.
type deviceSite struct {
	*apiSite
	pipeline   *alert.Pipeline
	dutyToken  string
	tokenDev   *escudo.Device
	token      string
	hmacDev    *escudo.Device
	hmacSecret string
	smsSecret  []byte
}

func newDeviceSite(t *testing.T, db *store.DB) *deviceSite {
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
	d := &deviceSite{pipeline: p, smsSecret: []byte("gateway secret of at least 16 bytes")}
	d.apiSite = newAPISite(t, db, Options{Alerts: p, SMSGatewaySecret: d.smsSecret})
	duty := webUser(t, db, "guardia", escudo.RoleDuty)
	if _, d.dutyToken, err = db.CreateAPIToken(ctx, duty.ID, "tests", 0); err != nil {
		t.Fatal(err)
	}
	person, _ := strconv.ParseInt(d.vars["{person}"], 10, 64)
	d.tokenDev = &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: person, Phone: "+52 951 123 4567"}
	if d.token, err = db.CreateDevice(ctx, d.tokenDev); err != nil {
		t.Fatal(err)
	}
	d.hmacDev = &escudo.Device{Kind: escudo.DeviceSatellitePhone, PersonID: person, Auth: escudo.AuthHMAC}
	if d.hmacSecret, err = db.CreateDevice(ctx, d.hmacDev); err != nil {
		t.Fatal(err)
	}
	return d
}

// post sends a raw device request.
func (d *deviceSite) post(path string, body []byte, headers ...string) apiResp {
	d.t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.ts.URL+path, strings.NewReader(string(body)))
	if err != nil {
		d.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResp{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (d *deviceSite) refusals() int {
	d.t.Helper()
	var n int
	if err := d.db.FlushRefusals(context.Background()); err != nil {
		d.t.Fatal(err)
	}
	err := d.db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COALESCE(SUM(occurrences), 0) FROM audit_log WHERE outcome = 'denied'`).Scan(&n)
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

func TestDeviceAlertEndpoint(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		d := newDeviceSite(t, db)
		tokenURL := fmt.Sprintf("/api/v1/devices/%d/alerts", d.tokenDev.ID)
		hmacURL := fmt.Sprintf("/api/v1/devices/%d/alerts", d.hmacDev.ID)
		now := db.Now()
		signed := func(body string, at time.Time) []string {
			return []string{escudo.SignatureHeader, escudo.Sign([]byte(d.hmacSecret), at, []byte(body))}
		}
		replayed := `{"type":"panic","message_id":"r-1"}`
		replayHeaders := signed(replayed, now)
		big := `{"type":"panic","pad":"` + strings.Repeat("x", escudo.MaxDeviceBody) + `"}`
		cases := []struct {
			name    string
			url     string
			body    string
			headers []string
			status  int
			want    []string
			stored  int // alerts added
			refused bool
		}{
			{"token device, panic with location", tokenURL, `{"type":"panic","lat":17.0654,"lon":-96.7236,"accuracy_m":8,"battery":71,"message_id":"a-1"}`,
				[]string{"Authorization", "Bearer " + d.token}, 202, []string{`"alert_id":`, `"status":"open"`}, 1, false},
			{"same message again is acknowledged, not stored", tokenURL, `{"type":"panic","message_id":"a-1"}`,
				[]string{"Authorization", "Bearer " + d.token}, 202, []string{`"duplicate":true`}, 0, false},
			{"wrong token", tokenURL, `{"type":"panic"}`, []string{"Authorization", "Bearer nope"}, 401, []string{"device_credentials"}, 0, true},
			{"no credentials", tokenURL, `{"type":"panic"}`, nil, 401, []string{"device_credentials"}, 0, true},
			{"unknown device", "/api/v1/devices/999999/alerts", `{"type":"panic"}`, []string{"Authorization", "Bearer " + d.token}, 401, []string{"device_credentials"}, 0, true},
			{"malformed id", "/api/v1/devices/abc/alerts", `{"type":"panic"}`, []string{"Authorization", "Bearer " + d.token}, 401, []string{"device_credentials"}, 0, true},
			{"another device's token", hmacURL, `{"type":"panic"}`, []string{"Authorization", "Bearer " + d.token}, 401, nil, 0, true},
			{"signed alert", hmacURL, replayed, replayHeaders, 202, []string{`"alert_id":`}, 1, false},
			{"replayed signature", hmacURL, replayed, replayHeaders, 401, []string{"device_replay"}, 0, true},
			{"stale signature", hmacURL, `{"type":"alarm"}`, signed(`{"type":"alarm"}`, now.Add(-6*time.Minute)), 401, []string{"device_stale"}, 0, true},
			{"signature of another body", hmacURL, `{"type":"alarm","x":1}`, signed(`{"type":"alarm"}`, now), 401, []string{"device_signature"}, 0, true},
			{"malformed signature header", hmacURL, `{"type":"alarm"}`, []string{escudo.SignatureHeader, "t=abc,v1=zz"}, 401, []string{"device_signature"}, 0, true},
			{"malformed body", tokenURL, `panic!`, []string{"Authorization", "Bearer " + d.token}, 400, []string{"alert_malformed"}, 0, true},
			{"oversized body", tokenURL, big, []string{"Authorization", "Bearer " + d.token}, 400, []string{"body_too_large"}, 0, true},
			{"coordinates out of range: stored without them, flagged", tokenURL, `{"type":"tamper","lat":123.4,"lon":-96.7,"battery":"n/a","message_id":"a-2"}`,
				[]string{"Authorization", "Bearer " + d.token}, 202, []string{"coordinates_dropped", "battery_dropped"}, 1, false},
			// Read as a panic: a second press while the first panic is open.
			{"unknown type is never ignored", tokenURL, `{"type":"ayuda","message_id":"a-3"}`,
				[]string{"Authorization", "Bearer " + d.token}, 202, []string{"unknown_type", `"duplicate":true`}, 0, false},
		}
		for _, c := range cases {
			before, refusedBefore := d.count("alerts"), d.refusals()
			r := d.post(c.url, []byte(c.body), c.headers...)
			if r.Status != c.status {
				t.Fatalf("%s: status %d, want %d: %s", c.name, r.Status, c.status, r.Body)
			}
			for _, w := range c.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("%s: body lacks %q: %s", c.name, w, r.Body)
				}
			}
			if got := d.count("alerts") - before; got != c.stored {
				t.Errorf("%s: %d alerts stored, want %d", c.name, got, c.stored)
			}
			if got := d.refusals() - refusedBefore; (got > 0) != c.refused {
				t.Errorf("%s: %d refusals audited, want refused=%v", c.name, got, c.refused)
			}
		}
		// The flagged alert kept what could be kept.
		alerts, err := db.FindAlerts(context.Background(), escudo.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var tamper *escudo.Alert
		for _, a := range alerts {
			if a.Type == escudo.AlertTamper {
				tamper = a
			}
		}
		if tamper == nil || tamper.Location != nil || len(tamper.Flags) != 2 || tamper.MessageID != "a-2" {
			t.Fatalf("flagged alert %+v", tamper)
		}
	})
}

func TestDeviceRegistryAPI(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		d := newDeviceSite(t, db)
		followUp := webUser(t, db, "seguimiento", escudo.RoleFollowUp)
		_, token, err := db.CreateAPIToken(context.Background(), followUp.ID, "tests", 0)
		if err != nil {
			t.Fatal(err)
		}
		auth := []string{"Authorization", "Bearer " + token}
		body := `{"person_id":{person},"kind":"panic_button","label":"Botón de la oficina","heartbeat_interval":"30s"}`
		// Neither a reception officer nor a duty operator may register or
		// disable devices (device.manage); follow-up, which installs them, may.
		if r := d.do("POST", "/api/v1/devices", body); r.Status != http.StatusForbidden {
			t.Fatalf("reception registering a device: %d %s", r.Status, r.Body)
		}
		if r := d.do("POST", "/api/v1/devices", body, "Authorization", "Bearer "+d.dutyToken); r.Status != http.StatusForbidden {
			t.Fatalf("duty operator registering a device: %d %s", r.Status, r.Body)
		}
		r := d.do("POST", "/api/v1/devices", body, auth...)
		if r.Status != http.StatusCreated {
			t.Fatalf("create device: %d %s", r.Status, r.Body)
		}
		var created struct {
			Device escudo.Device `json:"device"`
			Secret string        `json:"secret"`
		}
		if err := json.Unmarshal([]byte(r.Body), &created); err != nil {
			t.Fatal(err)
		}
		if created.Secret == "" || created.Device.HeartbeatInterval != 30*time.Second || created.Device.Entity != "OAX" {
			t.Fatalf("created %+v", created)
		}
		// The secret is shown once: reading the device never shows it.
		show := d.do("GET", "/api/v1/devices/"+strconv.FormatInt(created.Device.ID, 10), "", auth...)
		if show.Status != 200 || strings.Contains(show.Body, created.Secret) {
			t.Fatalf("show device: %d %s", show.Status, show.Body)
		}
		// The new device can raise an alert at once with its secret.
		ar := d.post(fmt.Sprintf("/api/v1/devices/%d/alerts", created.Device.ID), []byte(`{"type":"test"}`), "Authorization", "Bearer "+created.Secret)
		if ar.Status != http.StatusAccepted {
			t.Fatalf("alert from the new device: %d %s", ar.Status, ar.Body)
		}
		for _, bad := range []string{
			`{"person_id":{person},"kind":"toaster"}`,
			`{"person_id":999999,"kind":"camera"}`,
			`{"person_id":{person},"kind":"camera","heartbeat_interval":"1s"}`,
			`{"person_id":{person},"kind":"camera","heartbeat_interval":"soon"}`,
		} {
			if r := d.do("POST", "/api/v1/devices", bad, auth...); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", bad, r.Status, r.Body)
			}
		}
		// Disabled devices are refused at once on this node.
		if r := d.do("POST", fmt.Sprintf("/api/v1/devices/%d/disable", created.Device.ID), "", "Authorization", "Bearer "+d.dutyToken); r.Status != http.StatusForbidden {
			t.Fatalf("duty operator disabling a panic button: %d %s", r.Status, r.Body)
		}
		if r := d.do("POST", fmt.Sprintf("/api/v1/devices/%d/disable", created.Device.ID), "", auth...); r.Status != http.StatusNoContent {
			t.Fatalf("disable: %d %s", r.Status, r.Body)
		}
		ar = d.post(fmt.Sprintf("/api/v1/devices/%d/alerts", created.Device.ID), []byte(`{"type":"panic"}`), "Authorization", "Bearer "+created.Secret)
		if ar.Status != http.StatusUnauthorized || !strings.Contains(ar.Body, "device_disabled") {
			t.Fatalf("alert from a disabled device: %d %s", ar.Status, ar.Body)
		}
	})
}

func TestAlertHandlingAPI(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		d := newDeviceSite(t, db)
		auth := []string{"Authorization", "Bearer " + d.dutyToken}
		r := d.do("POST", "/api/v1/alerts", `{"person_id":{person},"type":"call","note":"Llamó: hay hombres armados frente a su casa.","lat":17.06,"lon":-96.72}`, auth...)
		if r.Status != http.StatusCreated {
			t.Fatalf("hotline alert: %d %s", r.Status, r.Body)
		}
		var created struct {
			AlertID int64 `json:"alert_id"`
		}
		_ = json.Unmarshal([]byte(r.Body), &created)
		id := strconv.FormatInt(created.AlertID, 10)
		steps := []struct {
			method, path, body string
			status             int
			want               string
		}{
			{"GET", "/api/v1/alerts", "", 200, `"id":` + id},
			{"POST", "/api/v1/alerts/" + id + "/acknowledge", "", 200, `"status":"acknowledged"`},
			{"POST", "/api/v1/alerts/" + id + "/dispatch", `{"agency":""}`, 400, "agency"},
			{"POST", "/api/v1/alerts/" + id + "/dispatch", `{"agency":"Policía Estatal","unit":"P-12"}`, 200, `"status":"dispatched"`},
			{"POST", "/api/v1/alerts/" + id + "/resolve", `{"outcome":"attended"}`, 200, `"status":"resolved"`},
			{"GET", "/api/v1/alerts/" + id, "", 200, `"agency":"Policía Estatal"`},
			// Unknown and out-of-reach alerts get the same answer.
			{"POST", "/api/v1/alerts/999999/acknowledge", "", 404, `"key":"error.not_found"`},
		}
		for _, s := range steps {
			r := d.do(s.method, s.path, s.body, auth...)
			if r.Status != s.status || !strings.Contains(r.Body, s.want) {
				t.Fatalf("%s %s: %d %s (want %d, %q)", s.method, s.path, r.Status, r.Body, s.status, s.want)
			}
		}
		if r := d.do("POST", "/api/v1/alerts/"+id+"/acknowledge", ""); r.Status != http.StatusForbidden {
			t.Fatalf("reception acknowledging: %d", r.Status)
		}
	})
}

func TestSMSInbound(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		d := newDeviceSite(t, db)
		send := func(form url.Values, secret []byte, at time.Time) apiResp {
			body := []byte(form.Encode())
			return d.post("/api/v1/sms/inbound", body, "Content-Type", "application/x-www-form-urlencoded",
				escudo.SignatureHeader, escudo.Sign(secret, at, body))
		}
		now := db.Now()
		r := send(url.Values{"from": {"+529511234567"}, "body": {"ALERTA 17.0654,-96.7236"}, "id": {"sms-1"}}, d.smsSecret, now)
		if r.Status != http.StatusAccepted {
			t.Fatalf("sms alert: %d %s", r.Status, r.Body)
		}
		var acc struct {
			AlertID int64 `json:"alert_id"`
		}
		_ = json.Unmarshal([]byte(r.Body), &acc)
		a, err := db.FindAlertByID(context.Background(), acc.AlertID)
		if err != nil {
			t.Fatal(err)
		}
		if a.DeviceID != d.tokenDev.ID || a.Source != escudo.SourceSMS || a.Type != escudo.AlertPanic || a.Location == nil || a.Location.Lat != 17.0654 {
			t.Fatalf("sms alert stored as %+v", a)
		}
		// The gateway retrying the same message does not duplicate it.
		if r := send(url.Values{"from": {"9511234567"}, "body": {"ALERTA 17.0654,-96.7236"}, "id": {"sms-1"}}, d.smsSecret, now.Add(time.Second)); r.Status != 202 || !strings.Contains(r.Body, "duplicate") {
			t.Fatalf("gateway retry: %d %s", r.Status, r.Body)
		}
		// Unsigned or wrongly signed requests are refused and audited.
		before := d.refusals()
		if r := send(url.Values{"from": {"+529511234567"}, "body": {"ALERTA"}}, []byte("wrong"), now); r.Status != 401 {
			t.Fatalf("bad gateway signature: %d", r.Status)
		}
		if d.refusals() != before+1 {
			t.Fatal("refused SMS not audited")
		}
		// A number no device has reaches the duty operators' inbox.
		before = d.count("alerts")
		r = send(url.Values{"from": {"+52 55 0000 0000"}, "body": {"auxilio estoy en la carretera"}}, d.smsSecret, now)
		if r.Status != 200 || !strings.Contains(r.Body, "unknown_sender") || d.count("alerts") != before {
			t.Fatalf("unknown sender: %d %s", r.Status, r.Body)
		}
		var inbox int
		_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM outbox WHERE kind = 'sms_unknown_sender'`).Scan(&inbox)
		})
		if inbox != 1 {
			t.Fatalf("duty inbox got %d notices of the unknown SMS, want 1", inbox)
		}
	})
}

// TestSMSGatewayKnownAnswer: a request signed exactly as docs/sms-webhook.md
// says, with a signature computed independently of escudo
// (printf '%s' '1767225600.<body>' | openssl dgst -sha256 -hmac '<secret>'),
// is accepted at that time; the same signature under a later timestamp is
// refused.
func TestSMSGatewayKnownAnswer(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC))
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	d := newDeviceSite(t, db)
	body := []byte(`from=%2B52+951+123+4567&body=AYUDA+me+siguen&id=gw-77`)
	header := "t=1767225600,v1=e0c4c1bc30023ed00f751616c8f63cd9da9156b16eb33651ce1faa2aa3f0e191"
	r := d.post("/api/v1/sms/inbound", body, "Content-Type", "application/x-www-form-urlencoded", escudo.SignatureHeader, header)
	if r.Status != http.StatusAccepted {
		t.Fatalf("known-answer SMS: %d %s", r.Status, r.Body)
	}
	moved := strings.Replace(header, "t=1767225600", "t=1767225630", 1)
	if r := d.post("/api/v1/sms/inbound", body, "Content-Type", "application/x-www-form-urlencoded", escudo.SignatureHeader, moved); r.Status != http.StatusUnauthorized {
		t.Fatalf("the signature under another timestamp: %d %s", r.Status, r.Body)
	}
}

// TestSignedAlertReplayRefusedByEveryNode: a signed alert accepted by one
// node is refused when the same request reaches another node over the same
// database, or this node after a restart (a new server), within the
// signature's tolerance. The SMS gateway's signatures likewise.
func TestSignedAlertReplayRefusedByEveryNode(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		d := newDeviceSite(t, db)
		node := func() *httptest.Server {
			srv, err := New(Options{DB: db, Alerts: d.pipeline, SMSGatewaySecret: d.smsSecret})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			return ts
		}
		post := func(ts *httptest.Server, path string, body []byte, headers ...string) int {
			req, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(string(body)))
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		a, b := node(), node()
		body := []byte(`{"type":"panic","message_id":"r-1"}`)
		sig := escudo.Sign([]byte(d.hmacSecret), db.Now(), body)
		path := fmt.Sprintf("/api/v1/devices/%d/alerts", d.hmacDev.ID)
		if s := post(a, path, body, escudo.SignatureHeader, sig); s != http.StatusAccepted {
			t.Fatalf("first node: %d", s)
		}
		if s := post(b, path, body, escudo.SignatureHeader, sig); s != http.StatusUnauthorized {
			t.Fatalf("the same signed alert to another node: %d, want 401", s)
		}
		if s := post(node(), path, body, escudo.SignatureHeader, sig); s != http.StatusUnauthorized {
			t.Fatalf("the same signed alert after a restart: %d, want 401", s)
		}
		sms := []byte(url.Values{"from": {"+529511234567"}, "body": {"AYUDA"}, "id": {"sms-r"}}.Encode())
		smsSig := escudo.Sign(d.smsSecret, db.Now(), sms)
		ct := "application/x-www-form-urlencoded"
		if s := post(a, "/api/v1/sms/inbound", sms, "Content-Type", ct, escudo.SignatureHeader, smsSig); s != http.StatusAccepted {
			t.Fatalf("SMS, first node: %d", s)
		}
		if s := post(b, "/api/v1/sms/inbound", sms, "Content-Type", ct, escudo.SignatureHeader, smsSig); s != http.StatusUnauthorized {
			t.Fatalf("the same SMS request to another node: %d, want 401", s)
		}
	})
}
