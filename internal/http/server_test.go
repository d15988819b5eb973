package http

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"escudo/internal/testdb"
)

// Request metrics carry the matched route pattern, not "unmatched".
func TestMetricsByRoute(t *testing.T) {
	s, err := New(Options{DB: testdb.OpenSQLite(t, testdb.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/readyz", "/no-such-page"} {
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	rec := httptest.NewRecorder()
	s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{`route="GET /healthz"`, `route="GET /readyz"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if rec := httptest.NewRecorder(); true {
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		for _, h := range []string{"X-Frame-Options", "Content-Security-Policy", "X-Content-Type-Options"} {
			if rec.Header().Get(h) == "" {
				t.Errorf("missing security header %s", h)
			}
		}
	}
}

func TestDeviceEndpointBypassesSessions(t *testing.T) {
	for _, tt := range []struct {
		method, path string
		want         bool
	}{
		{"POST", "/api/v1/devices/12/heartbeat", true},
		{"POST", "/api/v1/devices/12/alerts", true},
		{"POST", "/api/v1/sms/inbound", true},
		{"GET", "/api/v1/devices/12/heartbeat", false},
		{"POST", "/api/v1/devices/12/disable", false},
		{"POST", "/api/v1/devices", false},
		{"POST", "/api/v1/devices//alerts", false},
		{"POST", "/api/v1/devices/12/alerts/x", false},
		{"POST", "/api/v1/cases", false},
	} {
		r := httptest.NewRequest(tt.method, tt.path, nil)
		if got := deviceEndpoint(r); got != tt.want {
			t.Errorf("%s %s: %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// The public listener does not serve the metrics: they count alerts per
// state and silent devices, which single people out.
func TestMetricsNotOnThePublicListener(t *testing.T) {
	s, err := New(Options{DB: testdb.OpenSQLite(t, testdb.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "escudo_") {
		t.Fatalf("/metrics on the public listener: %d %.200s", rec.Code, rec.Body.String())
	}
}
