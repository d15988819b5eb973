package escudo

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

var knownFlags = map[string]bool{FlagCoordinatesDropped: true, FlagAccuracyDropped: true, FlagBatteryDropped: true,
	FlagTimeDropped: true, FlagMessageIDDropped: true, FlagUnknownType: true}

// checkDecoded holds for every alert the decoder accepts: a valid type, a
// location in range or none, a plausible battery and id, known flags only.
func checkDecoded(t *testing.T, in AlertInput, now time.Time) {
	t.Helper()
	if !validDeviceAlertType(in.Type) {
		t.Fatalf("type %q accepted", in.Type)
	}
	if l := in.Location; l != nil {
		if l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180 || math.IsNaN(l.Lat) || math.IsNaN(l.Lon) || l.AccuracyM < 0 {
			t.Fatalf("location out of range accepted: %+v", l)
		}
	}
	if in.Battery != nil && (*in.Battery < 0 || *in.Battery > 100) {
		t.Fatalf("battery %d accepted", *in.Battery)
	}
	if len(in.MessageID) > 128 || !printable(in.MessageID) {
		t.Fatalf("message id %q accepted", in.MessageID)
	}
	if in.OccurredAt != nil && (in.OccurredAt.Before(now.Add(-31*24*time.Hour)) || in.OccurredAt.After(now.Add(25*time.Hour))) {
		t.Fatalf("implausible device time %v accepted", in.OccurredAt)
	}
	for _, f := range in.Flags {
		if !knownFlags[f] {
			t.Fatalf("unknown flag %q", f)
		}
	}
}

func FuzzDecodeDeviceAlert(f *testing.F) {
	for _, s := range []string{
		`{"type":"panic","at":"2026-03-02T09:00:00Z","lat":17.0654,"lon":-96.7236,"accuracy_m":8,"battery":71,"message_id":"a-1"}`,
		`{"type":"alarm","lat":"17.06","lon":"-96.72"}`,
		`{"type":"tamper","lat":123,"lon":500,"battery":-3}`,
		`{"type":"low_battery","battery":4.6,"message_id":12345}`,
		`{"type":"test","at":1772442000}`,
		`{"type":null}`, `{}`, `[]`, `"panic"`, `{"type":"panic","lat":1e400}`, `{"message_id":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeDeviceAlert(body, now)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error code %s", ErrorCode(err))
			}
			return
		}
		checkDecoded(t, in, now)
		// A body that decodes is a JSON object: it began with '{'.
		if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
			t.Fatalf("accepted a non-object body %q", body)
		}
	})
}

func FuzzParseSignature(f *testing.F) {
	f.Add("t=1772442000,v1=" + strings.Repeat("ab", 32))
	f.Add("t=,v1=")
	f.Add("v1=00,t=1")
	f.Fuzz(func(t *testing.T, h string) {
		ts, mac, err := ParseSignature(h)
		if err != nil {
			if ErrorCode(err) != EUNAUTHORIZED {
				t.Fatalf("refused %q with code %s", h, ErrorCode(err))
			}
			return
		}
		if len(mac) != 32 || ts.Unix() <= 0 {
			t.Fatalf("accepted %q as %v %x", h, ts, mac)
		}
		// What is accepted is what the header says: written back in the
		// canonical form it parses to the same time and MAC.
		ts2, mac2, err := ParseSignature(fmt.Sprintf("t=%d,v1=%x", ts.Unix(), mac))
		if err != nil || !ts2.Equal(ts) || !bytes.Equal(mac2, mac) {
			t.Fatalf("%q: canonical form gives %v %x (%v), want %v %x", h, ts2, mac2, err, ts, mac)
		}
		// And the header held those values: its v1 part is the MAC in hex.
		if !strings.Contains(strings.ToLower(h), hex.EncodeToString(mac)) {
			t.Fatalf("%q: MAC %x not in the header", h, mac)
		}
	})
}

func TestDecodeDeviceAlert(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		body  string
		err   bool
		typ   AlertType
		loc   bool
		flags []string
	}{
		{`{"type":"panic","lat":17.0654,"lon":-96.7236}`, false, AlertPanic, true, nil},
		{`{"type":"alarm","lat":"17.06","lon":"-96.72","accuracy_m":"15"}`, false, AlertAlarm, true, nil},
		{`{"type":"panic","lat":95,"lon":-96}`, false, AlertPanic, false, []string{FlagCoordinatesDropped}},
		{`{"type":"panic","lat":17}`, false, AlertPanic, false, []string{FlagCoordinatesDropped}},
		{`{"type":"panic","lat":0,"lon":0}`, false, AlertPanic, false, []string{FlagCoordinatesDropped}},
		{`{"type":"tamper","battery":140,"at":"yesterday"}`, false, AlertTamper, false, []string{FlagTimeDropped, FlagBatteryDropped}},
		{`{"type":"whatever"}`, false, AlertPanic, false, []string{FlagUnknownType}},
		{`{"type":"device_silent"}`, false, AlertPanic, false, []string{FlagUnknownType}}, // devices cannot raise supervision alerts
		{`{"type":"panic","message_id":"` + strings.Repeat("x", 200) + `"}`, false, AlertPanic, false, []string{FlagMessageIDDropped}},
		{`not json`, true, "", false, nil},
		{`{"type":"panic"`, true, "", false, nil},
		{``, true, "", false, nil},
	}
	for _, c := range cases {
		in, err := DecodeDeviceAlert([]byte(c.body), now)
		if (err != nil) != c.err {
			t.Fatalf("%s: err %v", c.body, err)
		}
		if err != nil {
			continue
		}
		if in.Type != c.typ || (in.Location != nil) != c.loc || strings.Join(in.Flags, ",") != strings.Join(c.flags, ",") {
			t.Errorf("%s: type %s location %v flags %v", c.body, in.Type, in.Location, in.Flags)
		}
	}
}

func TestParseSMSAlert(t *testing.T) {
	cases := []struct {
		body string
		typ  AlertType
		lat  float64
		flag string
	}{
		{"ALERTA 17.0654,-96.7236", AlertPanic, 17.0654, ""},
		{"alerta 17.0654, -96.7236", AlertPanic, 17.0654, ""},
		{"Prueba", AlertTest, 0, ""},
		{"ayuda!! me siguen", AlertPanic, 0, FlagUnknownType},
		{"ALARMA 91.5,-96.7", AlertAlarm, 0, FlagCoordinatesDropped},
		{"", AlertPanic, 0, ""},
	}
	for _, c := range cases {
		got, err := ParseSMSAlert(c.body)
		if err != nil {
			t.Fatalf("%q: %v", c.body, err)
		}
		if got.Type != c.typ || (c.lat != 0) != (got.Location != nil) || (got.Location != nil && got.Location.Lat != c.lat) ||
			(c.flag != "" && !strings.Contains(strings.Join(got.Flags, ","), c.flag)) {
			t.Errorf("%q: %+v", c.body, got)
		}
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	now := time.Unix(1772442000, 0)
	secret, body := []byte("k"), []byte(`{"type":"panic"}`)
	h := Sign(secret, now, body)
	if _, _, err := VerifySignature(secret, h, body, now.Add(4*time.Minute)); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	for name, check := range map[string]func() error{
		"stale":      func() error { _, _, err := VerifySignature(secret, h, body, now.Add(6*time.Minute)); return err },
		"future":     func() error { _, _, err := VerifySignature(secret, h, body, now.Add(-6*time.Minute)); return err },
		"other body": func() error { _, _, err := VerifySignature(secret, h, []byte(`{}`), now); return err },
		"other key":  func() error { _, _, err := VerifySignature([]byte("x"), h, body, now); return err },
		"empty":      func() error { _, _, err := VerifySignature(secret, "", body, now); return err },
		"no mac":     func() error { _, _, err := VerifySignature(secret, "t=1772442000", body, now); return err },
		"short mac":  func() error { _, _, err := VerifySignature(secret, "t=1772442000,v1=abcd", body, now); return err },
	} {
		if err := check(); ErrorCode(err) != EUNAUTHORIZED {
			t.Errorf("%s: %v", name, err)
		}
	}
}
