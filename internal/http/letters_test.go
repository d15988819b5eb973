package http

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/letters"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func issueResolution(t *testing.T, db *store.DB, id, caseID int64, ident, ref string) []store.Letter {
	t.Helper()
	agency := escudo.Agency{ID: 1, Code: "SSP-OAX", Name: "Secretaría de Seguridad Pública de Oaxaca", Level: escudo.AgencyState, Police: true}
	r := &escudo.Resolution{ID: id, Identifier: ident, SessionDate: db.Now(), CaseID: caseID, CaseReference: ref,
		Level: escudo.RiskExtraordinary, Adopted: true, RecordedAt: db.Now(), Reasons: "El Comandante Ruiz la amenazó.", ThreatBrief: "Mensajes de muerte.",
		Measures: []escudo.ResolutionMeasure{{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{Measure: "building_protection", AgencyID: 1, Discreet: true}, Reason: "Rondines."}}}
	var out []store.Letter
	err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
		var err error
		out, err = tx.IssueLetters(context.Background(), 0, r, store.LetterSources{Agencies: map[int64]escudo.Agency{1: agency}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (c *client) upload(path string, file []byte) resp {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("letter", "carta.pdf")
	_, _ = fw.Write(file)
	_ = mw.Close()
	return c.do("POST", path, mw.FormDataContentType(), b.String(), "Accept", "text/html")
}

// TestVerificationPage: the QR code's link and an uploaded PDF say valid,
// altered, unknown or superseded (by which resolution), and never whom the
// letter concerns or what it decides.
func TestVerificationPage(t *testing.T) {
	clock := testdb.NewClock(time.Date(2026, 7, 3, 17, 0, 0, 0, time.UTC))
	db := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now})
	ctx := context.Background()
	site := newWebSite(t, db, Options{})
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas en la radio comunitaria."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Irma Ꞌéꞌe Cruz", Entity: "OAX", Address: "Calle 1"})
	if err != nil {
		t.Fatal(err)
	}
	first := issueResolution(t, db, 1, rc.CaseID, "JG-2026-07-001", rc.Reference)
	_, pdf, err := db.LetterPDF(ctx, first[0].Identifier)
	if err != nil {
		t.Fatal(err)
	}
	pub := site.newClient()
	personal := []string{"Irma", "Cruz", "Comandante", "Amenazas", "Rondines", "Secretaría de Seguridad", rc.Reference, "Calle 1", "Mensajes de muerte"}
	check := func(name string, r resp, status int, want ...string) {
		t.Helper()
		if r.Status != status {
			t.Errorf("%s: %d, want %d: %.300s", name, r.Status, status, r.Body)
		}
		for _, s := range want {
			if !strings.Contains(r.Body, s) {
				t.Errorf("%s: the page lacks %q", name, s)
			}
		}
		for _, s := range personal {
			if strings.Contains(r.Body, s) {
				t.Errorf("%s: the public page shows %q", name, s)
			}
		}
	}
	link := func(ident, hash string) string { return "/verificar?l=" + ident + "&h=" + hash }
	check("the form", pub.page("/verificar"), 200, `action="/verificar"`, `enctype="multipart/form-data"`, first[0].KeyID)
	check("the QR code's link", pub.page(link(first[0].Identifier, first[0].Hash)), 200, "Carta auténtica y vigente", "JG-2026-07-001", first[0].Hash)
	check("another hash", pub.page(link(first[0].Identifier, strings.Repeat("ab", 32))), 200, "Carta alterada")
	check("an unknown letter", pub.page(link("JG-1999-01-001-N", first[0].Hash)), 200, "Carta desconocida")
	check("a malformed hash", pub.page(link(first[0].Identifier, "xyz")), 400, "64 caracteres")
	check("the genuine file", pub.upload("/verificar", pdf), 200, "Carta auténtica y vigente")
	altered := append([]byte{}, pdf...)
	altered[bytes.Index(altered, []byte("BT "))+4] ^= 1
	check("an altered file", pub.upload("/verificar", altered), 200, "Carta alterada")
	check("not a letter", pub.upload("/verificar", []byte("%PDF-1.4\n%%EOF\n")), 200, "No es una carta del Mecanismo")
	check("no file", pub.upload("/verificar", nil), 400, "Elige el archivo PDF")

	// A later resolution supersedes the letter: verified, it says by which.
	clock.Advance(30 * 24 * time.Hour)
	issueResolution(t, db, 2, rc.CaseID, "JG-2026-08-002", rc.Reference)
	check("a superseded letter", pub.page(link(first[0].Identifier, first[0].Hash)), 200, "ya no vigente", "JG-2026-08-002")
	check("a superseded file", pub.upload("/verificar", pdf), 200, "ya no vigente", "JG-2026-08-002")
	en := pub.do("GET", link(first[0].Identifier, first[0].Hash), "", "", "Accept", "text/html", "Accept-Language", "en")
	check("in English", en, 200, "Genuine letter, no longer in force")

	// The published keys.
	var keys struct {
		Keys []struct {
			ID        string `json:"id"`
			PublicKey string `json:"public_key"`
			Active    bool   `json:"active"`
		} `json:"keys"`
	}
	r := pub.api("GET", "/api/v1/letters/key", "")
	if err := json.Unmarshal([]byte(r.Body), &keys); err != nil || r.Status != 200 || len(keys.Keys) != 1 || !keys.Keys[0].Active {
		t.Fatalf("letter keys: %d %s", r.Status, r.Body)
	}
	k, _ := base64.StdEncoding.DecodeString(keys.Keys[0].PublicKey)
	if res, err := letters.Verify(pdf, k); err != nil || !res.Valid() {
		t.Fatalf("the published key does not verify the letter: %v %v", res.Status, err)
	}

	// Staff with case access read the letter and its PDF; the case lists it.
	u := &escudo.User{Username: "coordina", DisplayName: "Coordinación", Role: escudo.RoleCoordinator}
	if err := db.CreateUser(ctx, u, webPassword); err != nil {
		t.Fatal(err)
	}
	staff := site.newClient()
	staff.loginFrom("10.9.0.1", "coordina")
	casePath := fmt.Sprintf("/cases/%d", rc.CaseID)
	page := staff.page(casePath + "/letters/" + first[1].Identifier)
	if page.Status != 200 || !strings.Contains(page.Body, "Mensajes de muerte") || !strings.Contains(page.Body, "ya no está vigente") ||
		strings.Contains(page.Body, "Comandante Ruiz") || !strings.Contains(page.Body, "<svg") {
		t.Errorf("the police instruction's page: %d %.500s", page.Status, page.Body)
	}
	file := staff.page(casePath + "/letters/" + first[0].Identifier + "/pdf")
	if file.Status != 200 || file.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal([]byte(file.Body), pdf) {
		t.Errorf("the PDF download: %d %s", file.Status, file.Header.Get("Content-Type"))
	}
	if c := staff.page(casePath); !strings.Contains(c.Body, `id="case-letters"`) || !strings.Contains(c.Body, "JG-2026-08-002-N") ||
		!strings.Contains(c.Body, "Instrucción a Secretaría de Seguridad Pública de Oaxaca") {
		t.Errorf("the case page does not list the letters")
	}
	// The agency's liaison reads the instruction to their agency, never the
	// letter to the beneficiary; another agency's liaison reads neither.
	for _, u := range []*escudo.User{
		{Username: "enlace-oax", DisplayName: "Enlace Oaxaca", Role: escudo.RoleLiaison, Agency: "SSP-OAX"},
		{Username: "enlace-gn", DisplayName: "Enlace Guardia", Role: escudo.RoleLiaison, Agency: "gn"},
	} {
		if err := db.CreateUser(ctx, u, webPassword); err != nil {
			t.Fatal(err)
		}
	}
	liaison, stranger := site.newClient(), site.newClient()
	liaison.loginFrom("10.9.0.2", "enlace-oax")
	stranger.loginFrom("10.9.0.3", "enlace-gn")
	instr := casePath + "/letters/" + first[1].Identifier
	if page := liaison.page(instr); page.Status != 200 || !strings.Contains(page.Body, "Mensajes de muerte") || strings.Contains(page.Body, `href="`+casePath+`#letters"`) {
		t.Errorf("the liaison reads their agency's instruction: %d %.800s", page.Status, page.Body)
	}
	if file := liaison.page(instr + "/pdf"); file.Status != 200 || file.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("the liaison downloads their agency's instruction: %d", file.Status)
	}
	for who, c := range map[string]*client{"the liaison": liaison, "another agency's liaison": stranger} {
		if r := c.page(casePath + "/letters/" + first[0].Identifier); r.Status != http.StatusNotFound || strings.Contains(r.Body, "Irma") {
			t.Errorf("%s reads the beneficiary's letter: %d", who, r.Status)
		}
	}
	if r := stranger.page(instr); r.Status != http.StatusNotFound {
		t.Errorf("another agency's liaison reads the instruction: %d", r.Status)
	}
	other, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Otro."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Otra Persona", Entity: "OAX"})
	if err != nil {
		t.Fatal(err)
	}
	if r := staff.page(fmt.Sprintf("/cases/%d/letters/%s", other.CaseID, first[0].Identifier)); r.Status != http.StatusNotFound {
		t.Errorf("a letter read under another case: %d", r.Status)
	}
}
