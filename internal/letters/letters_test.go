package letters

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"

	"escudo"
)

func pub() ed25519.PublicKey { return testKey.Public().(ed25519.PublicKey) }

func byKind(t *testing.T, docs []*Document, code string) *Document {
	t.Helper()
	for _, d := range docs {
		if (code == "" && d.Kind == Notification) || (d.Agency != nil && d.Agency.Code == code) {
			return d
		}
	}
	t.Fatalf("no letter for %q", code)
	return nil
}

func htmlOf(t *testing.T, d *Document) string {
	t.Helper()
	sig, _ := Sign(d, testKey)
	b, err := RenderHTML(d, sig)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLettersOfAResolution(t *testing.T) {
	docs := letters(t, input(t))
	var ids []string
	for _, d := range docs {
		ids = append(ids, d.Identifier)
	}
	want := []string{"JG-2026-07-003-N", "JG-2026-07-003-I-GN", "JG-2026-07-003-I-SSP-OAX", "JG-2026-07-003-I-TECNOSEG"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("letters %v, want %v", ids, want)
	}

	note := htmlOf(t, byKind(t, docs, ""))
	for _, s := range []string{"Xóchitl Ꞌéꞌe Tɨʉ Mʉʼ", "MPP-2026-0412", "extraordinario", "Protección de inmuebles",
		"Secretaría de Seguridad Pública de Oaxaca", "13 de julio de 2026", "Se retira", "Escolta", "Se ratifica", "Evacuación",
		"El Comandante Ruiz", "2 a favor, 0 en contra, 1 abstenciones", "Pedro Martínez (suplente): a favor",
		"Secretaría de Gobernación", "30 días naturales", "800 000 1234", "JG-2026-07-003-N",
		"https://escudo.example.org/verificar?l=JG-2026-07-003-N&amp;h=" + Hash(byKind(t, docs, ""))} {
		if !strings.Contains(note, s) {
			t.Errorf("the beneficiary's letter lacks %q", s)
		}
	}

	// An agency reads its own measures, never the narrative or the aggressor.
	forbidden := []string{"Comandante Ruiz", "contexto comunitario", "Razones de la Junta"}
	contractorLetter := htmlOf(t, byKind(t, docs, "TECNOSEG"))
	for _, s := range append(forbidden, "Amenazas", "rondín", "Protección de inmuebles", "Escolta") {
		if strings.Contains(contractorLetter, s) {
			t.Errorf("the contractor's instruction shows %q", s)
		}
	}
	for _, s := range []string{"Botón de asistencia", "Casa de refugio", "Ing. Tomás Lee", "Xóchitl Ꞌéꞌe Tɨʉ Mʉʼ"} {
		if !strings.Contains(contractorLetter, s) {
			t.Errorf("the contractor's instruction lacks %q", s)
		}
	}

	state := htmlOf(t, byKind(t, docs, "SSP-OAX"))
	for _, s := range []string{"Amenazas de muerte por mensajes", "No es una búsqueda de actividad delictiva",
		"Conducta discreta", "Comisaria Ana Ruiz", "800 000 1234", "Protección de inmuebles", "Se ratifica: Evacuación"} {
		if !strings.Contains(state, s) {
			t.Errorf("the state police's instruction lacks %q", s)
		}
	}
	for _, s := range append(forbidden, "Botón de asistencia", "Escolta") {
		if strings.Contains(state, s) {
			t.Errorf("the state police's instruction shows %q", s)
		}
	}
	// The federal police only lose the escort: a briefing, but no call for
	// discretion, which only a measure still to be carried out asks.
	federal := htmlOf(t, byKind(t, docs, "GN"))
	if !strings.Contains(federal, "Se retira: Escolta") || strings.Contains(federal, "Conducta discreta") {
		t.Errorf("the federal police's instruction: %s", federal)
	}

	// Details of a measure (an IMEI, a safe house's address) are not letter
	// content at all: not printed, not in the payload.
	for _, d := range docs {
		for _, s := range []string{"356938035643809", "Reforma 118", "Tlacolula"} {
			if bytes.Contains(Canonical(d), []byte(s)) || strings.Contains(htmlOf(t, d), s) {
				t.Errorf("%s carries the measure detail %q", d.Identifier, s)
			}
		}
	}
	if !strings.Contains(contractorLetter, "La ubicación de la casa de refugio no aparece en ninguna carta") {
		t.Error("the safe house's line does not say its location is not given")
	}
}

func TestLetterInEnglish(t *testing.T) {
	in := input(t)
	in.Lang = "en"
	d := letters(t, in)[0]
	h := htmlOf(t, d)
	for _, s := range []string{"Notice of the Governing Board", "Protection of premises", "extraordinary", "13 July 2026", "2 for, 0 against, 1 abstentions"} {
		if !strings.Contains(h, s) {
			t.Errorf("the English letter lacks %q", s)
		}
	}
	if d.Lang != "en" || strings.Contains(h, "Se otorga") {
		t.Error("the English letter has Spanish wording")
	}
}

func TestNotAdoptedSendsNoInstruction(t *testing.T) {
	in := input(t)
	in.Resolution.Adopted = false
	docs := letters(t, in)
	if len(docs) != 1 || docs[0].Kind != Notification {
		t.Fatalf("%d letters for a resolution not adopted", len(docs))
	}
	if !strings.Contains(htmlOf(t, docs[0]), "la Junta no la aprobó") {
		t.Error("the letter does not say the proposal was not adopted")
	}
}

func TestModificationHandsTheMeasureOver(t *testing.T) {
	in := input(t)
	in.Resolution.Measures = []escudo.ResolutionMeasure{{Action: escudo.ActionModify, GrantedID: 90,
		Grant: escudo.MeasureGrant{AgencyID: 2}, Reason: "Otra corporación."}}
	docs := letters(t, in)
	if len(docs) != 3 {
		t.Fatalf("%d letters", len(docs))
	}
	old := htmlOf(t, byKind(t, docs, "GN"))
	if !strings.Contains(old, "Deja de estar a su cargo: Escolta") || !strings.Contains(old, "Pasa a cargo de Secretaría de Seguridad Pública de Oaxaca") {
		t.Errorf("the agency losing the measure is not told: %s", old)
	}
	if !strings.Contains(htmlOf(t, byKind(t, docs, "SSP-OAX")), "Se modifica: Escolta") {
		t.Error("the agency taking the measure is not told")
	}
}

func TestFromResolutionRefusesWhatItCannotPrint(t *testing.T) {
	for name, change := range map[string]func(*Input){
		"no identifier":     func(in *Input) { in.Resolution.Identifier = "" },
		"unknown measure":   func(in *Input) { in.Resolution.Measures[0].Grant.Measure = "submarine" },
		"no agency":         func(in *Input) { in.Resolution.Measures[0].Grant.AgencyID = 77 },
		"unknown granted":   func(in *Input) { in.Resolution.Measures[3].GrantedID = 404 },
		"unknown action":    func(in *Input) { in.Resolution.Measures[0].Action = "burn" },
		"no catalogue":      func(in *Input) { in.Catalogue = nil },
		"name far too long": func(in *Input) { in.Beneficiary = strings.Repeat("x", 300) },
	} {
		in := input(t)
		change(&in)
		if _, err := FromResolution(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCanonicalForm(t *testing.T) {
	d := letters(t, input(t))[0]
	c := Canonical(d)
	if !bytes.Equal(c, Canonical(letters(t, input(t))[0])) {
		t.Fatal("the same resolution gives two canonical forms")
	}
	// Keys sorted at every level, no spaces, no HTML escapes.
	var v any
	if err := json.Unmarshal(c, &v); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(v)
	if !bytes.Equal(bytes.ReplaceAll(again, []byte(`\u0026`), []byte("&")), c) || bytes.Contains(c, []byte(`\u003c`)) {
		t.Errorf("not in canonical form: %s", c)
	}
	if !bytes.HasPrefix(c, []byte(`{"adopted":true,"appeal_days":30,"beneficiary":"Xóchitl`)) {
		t.Errorf("canonical form starts %s", c[:80])
	}
	// The hash of this fixture is pinned: a change to the canonical form
	// would make every letter issued so far unverifiable.
	const pinned = "007477b53791df68c52e4167f7af5649163e6d436ba966e9c856074d7481b6dd"
	if h := Hash(d); h != pinned {
		t.Errorf("hash %s, pinned %s", h, pinned)
	}
	back, err := Parse(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Canonical(back), c) {
		t.Error("parse and canonical form disagree")
	}
	for name, b := range map[string][]byte{
		"spaced":    bytes.Replace(c, []byte(`,"appeal_days"`), []byte(`, "appeal_days"`), 1),
		"reordered": bytes.Replace(c, []byte(`{"adopted":true,"appeal_days":30,`), []byte(`{"appeal_days":30,"adopted":true,`), 1),
		"unknown":   bytes.Replace(c, []byte(`{"adopted":true,`), []byte(`{"adopted":true,"extra":1,`), 1),
		"trailing":  append(append([]byte{}, c...), []byte(" {}")...),
		"float":     bytes.Replace(c, []byte(`"appeal_days":30`), []byte(`"appeal_days":30.0`), 1),
	} {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s payload accepted", name)
		}
	}
}

func TestSignature(t *testing.T) {
	d := letters(t, input(t))[0]
	sig, err := Sign(d, testKey)
	if err != nil {
		t.Fatal(err)
	}
	c := Canonical(d)
	if !SignatureValid(c, sig, pub()) {
		t.Fatal("the signature does not verify")
	}
	other := ed25519.NewKeyFromSeed(make([]byte, 32))
	if SignatureValid(c, sig, other.Public().(ed25519.PublicKey)) {
		t.Error("the signature verifies with another key")
	}
	changed := bytes.Replace(c, []byte("Xóchitl"), []byte("Xochitl"), 1)
	if SignatureValid(changed, sig, pub()) {
		t.Error("the signature verifies a changed payload")
	}
	if _, err := Sign(d, ed25519.PrivateKey{1, 2}); err == nil {
		t.Error("signed with a malformed key")
	}
}

func TestRenderingIsReproducible(t *testing.T) {
	for _, d := range letters(t, input(t)) {
		a, b := render(t, d), render(t, letters(t, input(t))[indexOf(letters(t, input(t)), d.Identifier)])
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: two renderings differ", d.Identifier)
		}
		if !bytes.HasPrefix(a, []byte("%PDF-")) || !bytes.Contains(a, []byte("/CreationDate (D:20260703173000)")) {
			t.Errorf("%s: not a PDF dated by the resolution", d.Identifier)
		}
	}
	d := letters(t, input(t))[0]
	sig, _ := Sign(d, testKey)
	h1, _ := RenderHTML(d, sig)
	h2, _ := RenderHTML(d, sig)
	if !bytes.Equal(h1, h2) {
		t.Error("two HTML renderings differ")
	}
}

func indexOf(docs []*Document, ident string) int {
	for i, d := range docs {
		if d.Identifier == ident {
			return i
		}
	}
	return -1
}

func TestVerify(t *testing.T) {
	docs := letters(t, input(t))
	file := render(t, docs[0])
	res, err := Verify(file, pub())
	if err != nil || res.Status != Valid || res.Document.Identifier != "JG-2026-07-003-N" || res.Hash != Hash(docs[0]) {
		t.Fatalf("a genuine letter: %+v %v", res, err)
	}
	payload, sig, ok := Extract(file)
	if !ok {
		t.Fatal("no payload")
	}

	replaceXMP := func(p, s []byte) []byte {
		out := bytes.Replace(file, []byte(base64.StdEncoding.EncodeToString(payload)), []byte(base64.StdEncoding.EncodeToString(p)), 1)
		return bytes.Replace(out, []byte(base64.StdEncoding.EncodeToString(sig)), []byte(base64.StdEncoding.EncodeToString(s)), 1)
	}
	otherSig, _ := Sign(docs[1], testKey)
	forged := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	level := bytes.Replace(payload, []byte(`"level":"extraordinario"`), []byte(`"level":"ordinario"`), 1)
	forgedSig := ed25519.Sign(forged, signedMessage(level))

	textStream := bytes.Index(file, []byte("BT "))
	if textStream < 0 {
		t.Fatal("no text object in the page stream")
	}
	cases := map[string]struct {
		file []byte
		want Status
	}{
		"a byte of the text stream": {flip(file, textStream+4), Altered},
		"a drawing of the QR code":  {bytes.Replace(file, []byte(" re f"), []byte(" re S"), 1), Altered},
		"the payload":               {replaceXMP(level, sig), BadSignature},
		"the signature swapped":     {replaceXMP(payload, otherSig), BadSignature},
		"signed by another key":     {replaceXMP(level, forgedSig), BadSignature},
		"bytes appended":            {append(append([]byte{}, file...), "\n% more\n"...), Altered},
		"the metadata removed":      {bytes.Replace(file, []byte(payloadOpen), []byte("<escudo:nothing>"), 1), Unreadable},
		"not a letter":              {[]byte("%PDF-1.4\n%%EOF"), Unreadable},
	}
	for name, c := range cases {
		res, err := Verify(c.file, pub())
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if res.Status != c.want {
			t.Errorf("%s: %s, want %s", name, res.Status, c.want)
		}
	}
	// A genuine letter checked with another installation's key.
	if res, _ := Verify(file, forged.Public().(ed25519.PublicKey)); res.Status != BadSignature {
		t.Errorf("another key: %s", res.Status)
	}
}

func flip(b []byte, i int) []byte {
	out := append([]byte{}, b...)
	if out[i] == '1' {
		out[i] = '2'
	} else {
		out[i] = '1'
	}
	return out
}

// TestFontCoversIndigenousNames: the embedded font has glyphs for the
// letters of Mexican indigenous-language names.
func TestFontCoversIndigenousNames(t *testing.T) {
	ttf, err := fpdf.TtfParse("fonts/DejaVuSans.ttf")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "ꞌʼɨʉÁÉÍÓÚÑÜáéíóúñü¿¡ẽĩũỹ" {
		if ttf.Chars[uint16(r)] == 0 {
			t.Errorf("no glyph for %q (U+%04X)", r, r)
		}
	}
	// And fpdf sets them with it: a name of those letters widens a line.
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	pdf.SetFont("DejaVu", "", 10)
	for _, r := range "ꞌʼɨʉ" {
		if w := pdf.GetStringWidth(string(r)); w <= 0 {
			t.Errorf("%q has no width", r)
		}
	}
	if err := pdf.Error(); err != nil {
		t.Fatal(err)
	}
}

func TestIdentifierShape(t *testing.T) {
	for s, ok := range map[string]bool{"JG-2026-07-003-N": true, "JG-2026-07-003-I-SSP-OAX": true, "": false,
		"a b": false, "../x": false, strings.Repeat("A", 121): false, "<x>": false} {
		if ValidIdentifier(s) != ok {
			t.Errorf("ValidIdentifier(%q) = %v", s, !ok)
		}
	}
}

func TestParsePublicKeysAndVerifyWithAny(t *testing.T) {
	k := base64.StdEncoding.EncodeToString(pub())
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32)).Public().(ed25519.PublicKey)
	text := "l0a1 " + base64.StdEncoding.EncodeToString(other) + " 2026-01-01T00:00:00Z retired\nl0a2 " + k + " 2026-07-01T00:00:00Z active\nnot a key\n"
	keys := ParsePublicKeys(text)
	if len(keys) != 2 || !bytes.Equal(keys[1], pub()) || len(ParsePublicKeys("abc ===")) != 0 {
		t.Fatalf("keys %d", len(keys))
	}
	file := render(t, letters(t, input(t))[0])
	if res, err := VerifyWithAny(file, keys); err != nil || !res.Valid() {
		t.Fatalf("with an older key first: %s %v", res.Status, err)
	}
	if res, _ := VerifyWithAny(file, keys[:1]); res.Status != BadSignature {
		t.Fatalf("with another key only: %s", res.Status)
	}
}
