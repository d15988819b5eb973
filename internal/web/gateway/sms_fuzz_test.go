package gateway

import (
	"net/url"
	"testing"

	"escudo"
)

func FuzzDecodeSMS(f *testing.F) {
	for _, s := range []string{
		url.Values{"from": {"+529511234567"}, "body": {"ALERTA 17.0654,-96.7236"}, "id": {"sms-1"}}.Encode(),
		url.Values{"from": {"9511234567"}, "body": {"prueba"}}.Encode(),
		url.Values{"from": {"+52"}, "body": {"x"}}.Encode(),
		"from=%zz&body=1", "body=ALERTA", "", "from=5551234567&body=%ff%fe 91,181",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeSMSForm(b)
		if err != nil {
			if escudo.ErrorCode(err) != escudo.EINVALID {
				t.Fatalf("error code %s", escudo.ErrorCode(err))
			}
			return
		}
		if len(escudo.PhoneKey(m.From)) < 7 {
			t.Fatalf("sender %q accepted", m.From)
		}
		if l := m.Alert.Location; l != nil && (l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180) {
			t.Fatalf("location out of range accepted: %+v", l)
		}
		if m.Alert.Type == "" {
			t.Fatal("no alert type")
		}
	})
}
