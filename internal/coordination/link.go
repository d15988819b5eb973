// Package coordination holds the rules of the Mechanism's coordination
// with other agencies (issue 15; docs/coordination.md): the signed,
// expiring acknowledgement links of inter-agency requests, the requests' kinds,
// statuses and validation, and the agency
// performance figures. Pure Go over the domain: no database, no HTTP.
package coordination

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// A link token is "r1.<payload>.<signature>", both parts unpadded
// base64url; the payload is "<link id>:<request id>:<expiry, Unix
// seconds>:<key id>" and the signature is the Ed25519 signature of
// "escudo-ack-link:" followed by the payload, made with the Mechanism's
// letter key (docs/letters.md), so anyone holding the published keys can
// tell a link was issued by the Mechanism, and nobody can make one.
const (
	linkVersion = "r1"
	linkContext = "escudo-ack-link:"
	// MaxTokenLength bounds what Parse reads.
	MaxTokenLength = 400
)

// LinkTTL is how long an acknowledgement link stays valid after it is
// sent: until three days past the request's deadline, at most 30 days.
func LinkTTL(sent, deadline time.Time) time.Time {
	exp := deadline.Add(72 * time.Hour)
	if limit := sent.Add(30 * 24 * time.Hour); exp.After(limit) {
		exp = limit
	}
	return exp.Truncate(time.Second)
}

// Link is what a token carries.
type Link struct {
	ID        int64
	RequestID int64
	Expires   time.Time
	KeyID     string
}

// ErrMalformed: the text is no token (cut, changed or made up).
var ErrMalformed = errors.New("coordination: malformed link")

// ErrSignature: the token is well formed but its signature does not verify.
var ErrSignature = errors.New("coordination: link signature does not verify")

// ErrExpired: the link's time ran out.
var ErrExpired = errors.New("coordination: link expired")

func (l Link) payload() string {
	return strconv.FormatInt(l.ID, 10) + ":" + strconv.FormatInt(l.RequestID, 10) + ":" +
		strconv.FormatInt(l.Expires.Unix(), 10) + ":" + l.KeyID
}

// Sign makes the token of l with the private key of l.KeyID.
func Sign(l Link, priv ed25519.PrivateKey) string {
	p := l.payload()
	sig := ed25519.Sign(priv, []byte(linkContext+p))
	enc := base64.RawURLEncoding
	return linkVersion + "." + enc.EncodeToString([]byte(p)) + "." + enc.EncodeToString(sig)
}

// Parse reads a token without checking its signature: the caller looks
// the key up by KeyID and calls Verify.
func Parse(token string) (Link, error) {
	var l Link
	if len(token) > MaxTokenLength {
		return l, ErrMalformed
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != linkVersion {
		return l, ErrMalformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return l, ErrMalformed
	}
	f := strings.Split(string(raw), ":")
	if len(f) != 4 {
		return l, ErrMalformed
	}
	if l.ID, err = positive(f[0]); err != nil {
		return l, err
	}
	if l.RequestID, err = positive(f[1]); err != nil {
		return l, err
	}
	exp, err := positive(f[2])
	if err != nil {
		return l, err
	}
	l.Expires = time.Unix(exp, 0).UTC()
	if l.KeyID = f[3]; l.KeyID == "" || len(l.KeyID) > 64 || strings.ContainsAny(l.KeyID, " \t\r\n") {
		return l, ErrMalformed
	}
	if l.payload() != string(raw) {
		return l, ErrMalformed // one spelling per link: no leading zeros or signs
	}
	return l, nil
}

func positive(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, ErrMalformed
	}
	return n, nil
}

// Verify checks a parsed token's signature with the public key of its key
// id and its expiry at now.
func Verify(token string, l Link, pub ed25519.PublicKey, now time.Time) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(pub) != ed25519.PublicKeySize {
		return ErrMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrMalformed
	}
	if !ed25519.Verify(pub, []byte(linkContext+l.payload()), sig) {
		return ErrSignature
	}
	if !now.Before(l.Expires) {
		return ErrExpired
	}
	return nil
}
