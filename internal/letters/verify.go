package letters

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"strings"
)

// Status is what verifying a letter found.
type Status string

const (
	// Valid: the signature is the key's and the file is exactly the letter
	// its payload renders.
	Valid Status = "valid"
	// Unreadable: the file carries no letter payload or signature (not a
	// letter of escudo, or its metadata was stripped).
	Unreadable Status = "unreadable"
	// BadSignature: the payload was changed, the signature swapped, or the
	// letter was signed by another key.
	BadSignature Status = "bad_signature"
	// Altered: payload and signature agree, but the file is not what they
	// render: its text, drawings or structure were changed.
	Altered Status = "altered"
)

// Result is the outcome of Verify. Document is set whenever the payload
// could be read, even when the letter is not valid.
type Result struct {
	Status   Status
	Document *Document
	Hash     string
}

// Valid reports whether the letter verified.
func (r Result) Valid() bool { return r.Status == Valid }

// Extract returns the canonical payload and signature a letter's PDF
// carries. Each must appear exactly once.
func Extract(file []byte) (payload, sig []byte, ok bool) {
	payload, ok = between(file, payloadOpen, payloadClose)
	if !ok {
		return nil, nil, false
	}
	sig, ok = between(file, sigOpen, sigClose)
	if !ok || len(sig) != ed25519.SignatureSize {
		return nil, nil, false
	}
	return payload, sig, true
}

func between(file []byte, open, close string) ([]byte, bool) {
	if bytes.Count(file, []byte(open)) != 1 {
		return nil, false
	}
	i := bytes.Index(file, []byte(open)) + len(open)
	j := bytes.Index(file[i:], []byte(close))
	if j < 0 || j > 4<<20 {
		return nil, false
	}
	out, err := base64.StdEncoding.Strict().DecodeString(string(file[i : i+j]))
	if err != nil {
		return nil, false
	}
	return out, true
}

// Verify checks a letter's PDF with the letter key pub: it reads the
// payload and signature the file carries, checks the signature, renders the
// letter again from the payload and compares the bytes with the file, so
// any change to the file — its text, its drawings, its metadata, anything
// appended — is found. The error is for failures of escudo itself; a
// forged or altered letter is a Result, not an error.
func Verify(file []byte, pub ed25519.PublicKey) (Result, error) {
	payload, sig, ok := Extract(file)
	if !ok {
		return Result{Status: Unreadable}, nil
	}
	d, err := Parse(payload)
	if err != nil {
		return Result{Status: Unreadable}, nil
	}
	res := Result{Document: d, Hash: Hash(d)}
	if !SignatureValid(payload, sig, pub) {
		res.Status = BadSignature
		return res, nil
	}
	again, err := RenderPDF(d, sig)
	if err != nil {
		return Result{}, err
	}
	if !bytes.Equal(again, file) {
		res.Status = Altered
		return res, nil
	}
	res.Status = Valid
	return res, nil
}

// VerifyWithAny verifies a letter with each of the keys (an installation's
// published keys, old ones included) until one signed it.
func VerifyWithAny(file []byte, keys []ed25519.PublicKey) (Result, error) {
	res := Result{Status: BadSignature}
	for _, k := range keys {
		var err error
		if res, err = Verify(file, k); err != nil || res.Status != BadSignature {
			return res, err
		}
	}
	if len(keys) == 0 {
		if payload, _, ok := Extract(file); !ok {
			res.Status = Unreadable
		} else if _, err := Parse(payload); err != nil {
			res.Status = Unreadable
		}
	}
	return res, nil
}

// ParsePublicKeys reads letter public keys written in base64, one a line,
// each alone or among other words (as escudo letters key prints them:
// id, key, date, state).
func ParsePublicKeys(text string) []ed25519.PublicKey {
	var out []ed25519.PublicKey
	for _, line := range strings.Split(text, "\n") {
		for _, f := range strings.Fields(line) {
			b, err := base64.StdEncoding.DecodeString(f)
			if err == nil && len(b) == ed25519.PublicKeySize {
				out = append(out, ed25519.PublicKey(b))
				break
			}
		}
	}
	return out
}
