package gateway

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"escudo/internal/testdb"
)

// TestDeviceIDsCannotBeEnumerated: without the device's secret, an unknown
// id, a malformed one, a known device and a disabled device all get the
// same answer, word for word (the heartbeat and alert endpoints share the
// check); only the holder of a disabled device's
// secret is told it is disabled.
func TestDeviceIDsCannotBeEnumerated(t *testing.T) {
	db := testdb.OpenSQLite(t, testdb.Options{})
	s := newSupervisionSite(t, db)
	if err := db.SetDeviceDisabled(context.Background(), s.hmacDev.ID, true); err != nil {
		t.Fatal(err)
	}
	wrong := []string{"Authorization", "Bearer not-the-secret"}
	var first apiResp
	for i, path := range []string{
		"/api/v1/devices/999999/heartbeat",
		"/api/v1/devices/abc/heartbeat",
		fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.dev.ID),
		fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.hmacDev.ID), // disabled
	} {
		r := s.do("POST", path, `{}`, wrong...)
		if i == 0 {
			first = r
			if r.Status != 401 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			continue
		}
		if r.Status != first.Status || r.Body != first.Body {
			t.Errorf("%s answers %d %s; an unknown device answers %d %s", path, r.Status, r.Body, first.Status, first.Body)
		}
	}
	s.devices.Settle()
	// With its secret, a token device learns it is disabled.
	if err := db.SetDeviceDisabled(context.Background(), s.dev.ID, true); err != nil {
		t.Fatal(err)
	}
	s.devices.Forget(s.dev.ID)
	if r := s.do("POST", fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.dev.ID), `{}`, "Authorization", "Bearer "+s.token); r.Status != 401 || !strings.Contains(r.Body, "error.device_disabled") {
		t.Fatalf("disabled device with its secret: %d %s", r.Status, r.Body)
	}
}
