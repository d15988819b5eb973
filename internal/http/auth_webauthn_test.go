package http

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// softKey is a software security key: an ES256 credential that answers
// WebAuthn challenges as a hardware key would ("none" attestation).
type softKey struct {
	id    []byte
	priv  *ecdsa.PrivateKey
	count uint32
}

func newSoftKey(t *testing.T) *softKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	return &softKey{id: id, priv: priv}
}

var b64u = base64.RawURLEncoding

func (k *softKey) authData(rpID string, attested bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	k.count++
	flags := byte(0x01 | 0x04) // user present, user verified
	if attested {
		flags |= 0x40
	}
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	if attested {
		out = append(out, make([]byte, 16)...) // AAGUID
		out = binary.BigEndian.AppendUint16(out, uint16(len(k.id)))
		out = append(out, k.id...)
		pub, _ := k.priv.PublicKey.Bytes() // 0x04 | X | Y
		x, y := pub[1:33], pub[33:65]
		cose, _ := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
		out = append(out, cose...)
	}
	return out
}

type ceremonyOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        *struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
	} `json:"publicKey"`
}

// answer completes the ceremony the server began, as the browser script does.
func (k *softKey) answer(t *testing.T, c *client, origin string, tamper bool) resp {
	t.Helper()
	r := c.api("POST", "/login/security-key/begin", "")
	if r.Status != 200 {
		t.Fatalf("begin: %d %s", r.Status, r.Body)
	}
	var opts ceremonyOptions
	if err := json.Unmarshal([]byte(r.Body), &opts); err != nil {
		t.Fatal(err)
	}
	register := opts.PublicKey.RP != nil
	rpID := opts.PublicKey.RPID
	typ := "webauthn.get"
	if register {
		rpID, typ = opts.PublicKey.RP.ID, "webauthn.create"
	}
	cd, _ := json.Marshal(map[string]string{"type": typ, "challenge": opts.PublicKey.Challenge, "origin": origin})
	response := map[string]string{"clientDataJSON": b64u.EncodeToString(cd)}
	if register {
		att, _ := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(rpID, true)})
		response["attestationObject"] = b64u.EncodeToString(att)
	} else {
		ad := k.authData(rpID, false)
		sum := sha256.Sum256(cd)
		digest := sha256.Sum256(append(append([]byte{}, ad...), sum[:]...))
		sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if tamper {
			sig[len(sig)-1] ^= 1
		}
		response["authenticatorData"] = b64u.EncodeToString(ad)
		response["signature"] = b64u.EncodeToString(sig)
	}
	body, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key", "response": response})
	return c.api("POST", "/login/security-key/finish?next=%2Fbacklog", string(body))
}

func TestSecurityKeyForAdministrators(t *testing.T) {
	clock := testdb.NewClock(time.Now().UTC())
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		// WebAuthn needs a domain name, never an IP address, as relying party.
		site := publicSite(t, db, Options{}, "localhost")
		webUser(t, db, "admin", escudo.RoleAdmin)
		origin := site.ts.URL
		signIn := func(c *client, secret string) {
			t.Helper()
			r := c.form("/login", url.Values{"username": {"admin"}, "password": {webPassword}, "next": {"/backlog"}})
			if r.Status != 303 {
				t.Fatalf("password: %d", r.Status)
			}
			if secret == "" {
				return
			}
			clock.Advance(30 * time.Second)
			r = c.form("/login/second-factor", url.Values{"code": {totpCode(t, secret, clock.Now())}, "next": {"/backlog"}})
			if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login/security-key") {
				t.Fatalf("after the code: %d %q", r.Status, r.Header.Get("Location"))
			}
		}
		// First sign-in: password, TOTP enrolment, then the key is registered.
		b := site.newClient()
		signIn(b, "")
		m := secretRe.FindStringSubmatch(b.page("/login/enrol").Body)
		if m == nil {
			t.Fatal("no enrolment secret")
		}
		secret := strings.ReplaceAll(m[1], " ", "")
		r := b.form("/login/enrol", url.Values{"code": {totpCode(t, secret, clock.Now())}, "next": {"/backlog"}})
		if r.Status != 200 || !strings.Contains(r.Body, `id="recovery-continue" href="/login/security-key`) {
			t.Fatalf("administrator signed in without a security key: %d %.300s", r.Status, r.Body)
		}
		if r := b.page("/reauth"); r.Status == 200 {
			t.Fatal("password and code alone gave an administrator a session")
		}
		if r := b.page("/login/security-key?next=%2Fbacklog"); r.Status != 200 || !strings.Contains(r.Body, "/static/webauthn.js") {
			t.Fatalf("security key page: %d", r.Status)
		}
		key := newSoftKey(t)
		if r := key.answer(t, b, origin, false); r.Status != 200 || !strings.Contains(r.Body, `"next":"/backlog"`) {
			t.Fatalf("registration: %d %s", r.Status, r.Body)
		}
		// Signed in (administrators read no cases; the re-authentication page
		// needs only an account).
		if r := b.page("/reauth"); r.Status != 200 {
			t.Fatalf("after registration: %d", r.Status)
		}

		// Later sign-in: the registered key must answer.
		c := site.newClient()
		signIn(c, secret)
		if r := c.api("POST", "/login/security-key/finish", `{"id":"x","type":"public-key","response":{}}`); r.Status != 401 {
			t.Fatalf("finish without a challenge: %d", r.Status)
		}
		if r := key.answer(t, c, origin, true); r.Status != 401 {
			t.Fatalf("forged signature: %d", r.Status)
		}
		if r := c.page("/reauth"); r.Status == 200 {
			t.Fatal("forged assertion signed in")
		}
		other := newSoftKey(t)
		other.id = key.id // a different key claiming the registered id
		if r := other.answer(t, c, origin, false); r.Status != 401 {
			t.Fatalf("another key: %d", r.Status)
		}
		if r := key.answer(t, c, "https://evil.example", false); r.Status != 401 {
			t.Fatalf("assertion for another origin: %d", r.Status)
		}
		if r := key.answer(t, c, origin, false); r.Status != 200 {
			t.Fatalf("assertion: %d %s", r.Status, r.Body)
		}
		if r := c.page("/reauth"); r.Status != 200 {
			t.Fatalf("after assertion: %d", r.Status)
		}
	})
}
