package http

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"escudo/internal/testdb"
)

// BenchmarkHeartbeatHandler measures the server's cost of one heartbeat
// through the handler (middleware, device authentication, decoding,
// recording) into a recorder, without the network. "cached" finds the
// credential fresh; "stale" advances the clock past the refresh interval
// before every request and waits for the background revalidation it
// starts, so its figure includes that work (one device per sweep: the
// worst case, a sweep normally revalidates hundreds per query).
func BenchmarkHeartbeatHandler(b *testing.B) {
	for _, stale := range []bool{false, true} {
		name := "cached"
		if stale {
			name = "stale"
		}
		b.Run(name, func(b *testing.B) {
			clock := testdb.NewClock(time.Now())
			db := testdb.OpenSQLite(b, testdb.Options{Now: clock.Now})
			s := newSupervisionSite(b, db)
			url := fmt.Sprintf("/api/v1/devices/%d/heartbeat", s.dev.ID)
			body := []byte(`{"battery":87,"lat":17.0654,"lon":-96.7236}`)
			auth := "Bearer " + s.token
			rd := bytes.NewReader(body)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if stale {
					clock.Advance(31 * time.Second)
				}
				rd.Reset(body)
				req := httptest.NewRequest("POST", url, rd)
				req.Header.Set("Authorization", auth)
				w := httptest.NewRecorder()
				s.srv.ServeHTTP(w, req)
				if w.Code != http.StatusNoContent {
					b.Fatalf("status %d %s", w.Code, w.Body)
				}
				if stale {
					s.srv.devices.Settle()
				}
			}
		})
	}
}
