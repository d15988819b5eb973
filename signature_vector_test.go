package escudo_test

import (
	"strings"
	"testing"
	"time"

	"escudo"
)

// Known-answer vectors for the signature of device requests, the SMS
// gateway's webhook and escudo's outgoing webhooks, computed independently
// of this code (docs/devices.md shows the command):
//
//	printf '%s' '1767225600.{"type":"panic","lat":17.0654,"lon":-96.7236}' | openssl dgst -sha256 -hmac 'esc-dev-7f3a9c2e5b1d'
//	printf '%s' '1767225600.from=%2B529515550142&body=AYUDA&id=m-1' | openssl dgst -sha256 -hmac 'sms-gateway-secret-16b'
var signatureVectors = []struct {
	name, secret, body, header string
}{
	{"device alert", "esc-dev-7f3a9c2e5b1d", `{"type":"panic","lat":17.0654,"lon":-96.7236}`,
		"t=1767225600,v1=46e08dd6ee035a435c13a0d85c9c1394a391299d1464b33d18f2efd4913a265d"},
	{"SMS gateway", "sms-gateway-secret-16b", `from=%2B529515550142&body=AYUDA&id=m-1`,
		"t=1767225600,v1=66eb3ea37e79fbf2004942724843646d06c47e9cfaa10ae6b41e6df7c54d4307"},
}

var vectorTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // 1767225600

func TestSignatureKnownAnswers(t *testing.T) {
	for _, v := range signatureVectors {
		if got := escudo.Sign([]byte(v.secret), vectorTime, []byte(v.body)); got != v.header {
			t.Errorf("%s: Sign = %s, want %s", v.name, got, v.header)
		}
		if _, _, err := escudo.VerifySignature([]byte(v.secret), v.header, []byte(v.body), vectorTime.Add(time.Minute)); err != nil {
			t.Errorf("%s: the vector does not verify: %v", v.name, err)
		}
		// The timestamp is signed: the same MAC under another time, as a
		// replay with a fresh timestamp would carry, is refused.
		moved := strings.Replace(v.header, "t=1767225600", "t=1767225900", 1)
		if _, _, err := escudo.VerifySignature([]byte(v.secret), moved, []byte(v.body), vectorTime.Add(5*time.Minute)); err == nil {
			t.Errorf("%s: a signature moved to another timestamp verified", v.name)
		}
		if _, _, err := escudo.VerifySignature([]byte(v.secret), v.header, []byte(v.body+" "), vectorTime); err == nil {
			t.Errorf("%s: a changed body verified", v.name)
		}
	}
}
