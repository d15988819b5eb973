package signin

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/png"
	"strings"

	"github.com/pquerna/otp"
)

// enrolLinks turns an otpauth URI into what the enrolment page shows: a QR
// code drawn on the server as a PNG data URI (so it works without
// JavaScript and without a request to anyone else) and the same URI as a
// link that a phone's authenticator app opens.
func enrolLinks(uri string) (qr, link template.URL, err error) {
	if !strings.HasPrefix(uri, "otpauth://") {
		return "", "", fmt.Errorf("signin: not an otpauth URI")
	}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return "", "", fmt.Errorf("signin: otpauth URI: %w", err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return "", "", fmt.Errorf("signin: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return "", "", fmt.Errorf("signin: QR code: %w", err)
	}
	// Both values are built here from the store's own URI, never from the
	// request: a data URI of our PNG and an otpauth link.
	qr = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())) // #nosec G203 -- our own PNG
	link = template.URL(uri)                                                                     // #nosec G203 -- checked otpauth: URI from the store
	return qr, link, nil
}
