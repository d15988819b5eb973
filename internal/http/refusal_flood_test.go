package http

import (
	"context"
	"fmt"
	"testing"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestRefusalFloodThroughTheServer floods the API with wrong bearer tokens
// and a device's alert endpoint with a wrong credential, from one client:
// while it lasts no entry is written per request; once the interval closes
// there is one entry per source and reason, counting every refusal, and
// the device's real alert is still accepted in the middle of the flood.
func TestRefusalFloodThroughTheServer(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := newDeviceSite(t, db)
		alerts := fmt.Sprintf("/api/v1/devices/%d/alerts", d.tokenDev.ID)
		const n = 300
		count := func(where string) (rows, total int64) {
			t.Helper()
			err := db.WithTx(ctx, false, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(occurrences), 0) FROM audit_log WHERE outcome = 'denied' AND `+where).Scan(&rows, &total)
			})
			if err != nil {
				t.Fatal(err)
			}
			return rows, total
		}
		for i := range n {
			if r := d.do("GET", "/api/v1/cases", "", "Authorization", "Bearer esc_wrong"); r.Status != 401 {
				t.Fatalf("wrong token: %d", r.Status)
			}
			if r := d.post(alerts, []byte(`{"type":"panic"}`), "Authorization", "Bearer nope"); r.Status != 401 {
				t.Fatalf("wrong device credential: %d", r.Status)
			}
			if i == n/2 {
				if r := d.post(alerts, []byte(`{"type":"panic","message_id":"flood-1"}`), "Authorization", "Bearer "+d.token); r.Status != 202 {
					t.Fatalf("the device's own alert during the flood: %d %s", r.Status, r.Body)
				}
			}
		}
		if rows, _ := count(`action IN ('token.use', 'device.refused')`); rows != 0 {
			t.Fatalf("the flood wrote %d entries while it lasted", rows)
		}
		if err := db.FlushRefusals(ctx); err != nil {
			t.Fatal(err)
		}
		if rows, total := count(`action = 'token.use'`); rows != 1 || total != n {
			t.Fatalf("wrong tokens: %d entries counting %d, want 1 counting %d", rows, total, n)
		}
		if rows, total := count(`action = 'device.refused'`); rows != 1 || total != n {
			t.Fatalf("wrong device credentials: %d entries counting %d, want 1 counting %d", rows, total, n)
		}
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			t.Fatal(err)
		}
	})
}
