package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
)

// issueTestLetter records a case and a resolution's letters in the data
// folder and writes the beneficiary's letter to a file.
func issueTestLetter(t *testing.T, dir string, at time.Time) string {
	t.Helper()
	ctx := context.Background()
	db, _, err := (&dbFlags{data: dir}).open(ctx, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."},
		&escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileDefender, Name: "Tɨʉ Mʉʼ Ꞌéꞌe", Entity: "OAX"})
	if err != nil {
		t.Fatal(err)
	}
	agency := escudo.Agency{ID: 1, Code: "TECNOSEG", Name: "Tecnoseguridad del Sur", Level: escudo.AgencyContractor}
	r := &escudo.Resolution{ID: 1, Identifier: "JG-2026-07-001", SessionDate: at, CaseID: rc.CaseID, CaseReference: rc.Reference,
		Level: escudo.RiskOrdinary, Adopted: true, RecordedAt: at, Reasons: "Razones.",
		Measures: []escudo.ResolutionMeasure{{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{Measure: "panic_button", AgencyID: 1}, Reason: "Alerta."}}}
	err = db.WithTx(ctx, true, func(tx *store.Tx) error {
		_, err := tx.IssueLetters(ctx, 0, r, store.LetterSources{Agencies: map[int64]escudo.Agency{1: agency}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, pdf, err := db.LetterPDF(ctx, "JG-2026-07-001-N")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "carta.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLettersVerifyCommand: a genuine letter verifies offline with the
// published key (and with the installation's database); an altered one, one
// whose payload was changed, and one checked with another key do not.
func TestLettersVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	code, keys, stderr := runCmd(t, "", "letters", "key", "--data", dir)
	if code != 0 || len(strings.Fields(keys)) != 4 || !strings.HasPrefix(keys, "l") {
		t.Fatalf("letters key: %d %q %s", code, keys, stderr)
	}
	pub := strings.Fields(keys)[1]
	keyFile := filepath.Join(t.TempDir(), "letter-keys.txt")
	if err := os.WriteFile(keyFile, []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	letter := issueTestLetter(t, dir, time.Date(2026, 7, 3, 18, 0, 0, 0, time.UTC))

	for _, key := range []string{pub, keyFile} {
		code, out, stderr := runCmd(t, "", "letters", "verify", letter, "--key", key, "--lang", "es-MX")
		if code != 0 || !strings.Contains(out, "Carta auténtica: JG-2026-07-001-N") {
			t.Fatalf("verify with --key %s: %d %s %s", key, code, out, stderr)
		}
	}
	if code, out, stderr := runCmd(t, "", "letters", "verify", letter, "--data", dir, "--lang", "en"); code != 0 || !strings.Contains(out, "Genuine letter") {
		t.Fatalf("verify against the database: %d %s %s", code, out, stderr)
	}

	file, _ := os.ReadFile(letter)
	write := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "x.pdf")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	i := bytes.Index(file, []byte("BT "))
	altered := append([]byte{}, file...)
	altered[i+4] ^= 1
	other := "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=" // someone else's public key
	for name, c := range map[string]struct {
		path, key, want string
	}{
		"altered text": {write(altered), pub, "La carta fue alterada"},
		"appended":     {write(append(append([]byte{}, file...), "%x"...)), pub, "La carta fue alterada"},
		"another key":  {letter, other, "La firma no corresponde"},
		"not a letter": {write([]byte("%PDF-1.4\n%%EOF\n")), pub, "no es una carta del Mecanismo"},
	} {
		code, _, stderr := runCmd(t, "", "letters", "verify", c.path, "--key", c.key, "--lang", "es-MX")
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, %s", name, code, stderr)
		}
	}

	// After a rotation both keys are published and the old letter still
	// verifies against the database.
	if code, _, stderr := runCmd(t, "", "letters", "rotate-key", "--data", dir); code != 0 {
		t.Fatalf("rotate-key: %s", stderr)
	}
	if _, keys, _ := runCmd(t, "", "letters", "key", "--data", dir); strings.Count(keys, "\n") != 2 || !strings.Contains(keys, "retired") {
		t.Fatalf("keys after rotation: %q", keys)
	}
	if code, _, stderr := runCmd(t, "", "letters", "verify", letter, "--data", dir); code != 0 {
		t.Fatalf("the old letter after a rotation: %s", stderr)
	}
}
