package http

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var (
	qrRe      = regexp.MustCompile(`<img class="qr" id="totp-qr" src="data:image/png;base64,([^"]+)"`)
	otpLinkRe = regexp.MustCompile(`<a id="totp-link" href="(otpauth://totp/[^"]+)"`)
)

// Enrolment shows a QR code drawn on the server (a PNG in the page, so it
// works without JavaScript) and the otpauth URI as a link an app opens.
func TestEnrolmentShowsQRCodeAndLink(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		site := secureSite(t, db)
		webUser(t, db, "qrperson", escudo.RoleAnalyst)
		b := site.newClient()
		b.page("/login")
		if r := b.form("/login", url.Values{"username": {"qrperson"}, "password": {webPassword}}); r.Status != http.StatusSeeOther {
			t.Fatalf("password: %d", r.Status)
		}
		r := b.page("/login/enrol")
		if r.Status != http.StatusOK {
			t.Fatalf("enrol page: %d", r.Status)
		}
		m := qrRe.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no QR code image on the enrolment page:\n%.2000s", r.Body)
		}
		raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("QR code is not a PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != 200 || b.Dy() != 200 {
			t.Errorf("QR code is %v", b)
		}
		dark, light := 0, 0
		for y := 0; y < 200; y += 4 {
			for x := 0; x < 200; x += 4 {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
					dark++
				} else {
					light++
				}
			}
		}
		if dark < 200 || light < 200 {
			t.Errorf("QR code does not look like one: %d dark, %d light samples", dark, light)
		}
		l := otpLinkRe.FindStringSubmatch(r.Body)
		if l == nil || !strings.Contains(html.UnescapeString(l[1]), "secret=") || !strings.Contains(html.UnescapeString(l[1]), "issuer=escudo") {
			t.Errorf("no otpauth link: %v", l)
		}
	})
}
