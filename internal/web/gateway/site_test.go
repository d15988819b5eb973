package gateway

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/heartbeat"
	"escudo/internal/store"
	"escudo/internal/web"
)

// supervisionSite is the gateway alone over a store, with a supervisor and
// two devices of one person: one with a bearer token, one signing with HMAC.
type supervisionSite struct {
	t          testing.TB
	db         *store.DB
	ts         *httptest.Server
	devices    *Credentials
	sup        *heartbeat.Supervisor
	dev        *escudo.Device
	token      string
	hmacDev    *escudo.Device
	hmacSecret string
}

func newSupervisionSite(t testing.TB, db *store.DB) *supervisionSite {
	t.Helper()
	ctx := context.Background()
	sup := heartbeat.New(heartbeat.Options{DB: db, Now: db.Now})
	core, err := web.NewCore(web.Options{DB: db, Supervisor: sup})
	if err != nil {
		t.Fatal(err)
	}
	s := &supervisionSite{t: t, db: db, sup: sup, devices: Register(core)}
	s.ts = httptest.NewServer(core.Mux)
	t.Cleanup(s.ts.Close)
	c := &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas tras publicar sobre la mina.", Aggressors: "hombres armados"}
	p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Lucía Hernández Cruz", Entity: "OAX", Phone: "+52 951 555 0101"}
	if _, err := db.FileRequest(ctx, c, p); err != nil {
		t.Fatal(err)
	}
	s.dev = &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: p.ID, HeartbeatInterval: 30 * time.Second}
	if s.token, err = db.CreateDevice(ctx, s.dev); err != nil {
		t.Fatal(err)
	}
	s.hmacDev = &escudo.Device{Kind: escudo.DeviceAlarmPanel, PersonID: p.ID, Auth: escudo.AuthHMAC}
	if s.hmacSecret, err = db.CreateDevice(ctx, s.hmacDev); err != nil {
		t.Fatal(err)
	}
	return s
}

// apiResp is a response read whole.
type apiResp struct {
	Status int
	Header http.Header
	Body   string
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
