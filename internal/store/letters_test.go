package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/letters"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var (
	letterPolice     = escudo.Agency{ID: 11, Code: "SSP-OAX", Name: "Secretaría de Seguridad Pública de Oaxaca", Level: escudo.AgencyState, Police: true}
	letterContractor = escudo.Agency{ID: 12, Code: "TECNOSEG", Name: "Tecnoseguridad del Sur", Level: escudo.AgencyContractor}
	letterSources    = store.LetterSources{Agencies: map[int64]escudo.Agency{11: letterPolice, 12: letterContractor}}
)

// boardResolution is a resolution as the Board records it, built here while
// the Board's own tables are another branch's.
func boardResolution(id, caseID int64, ident string, liaison int64, at time.Time) *escudo.Resolution {
	return &escudo.Resolution{ID: id, Identifier: ident, SessionID: 1, SessionDate: at, CaseID: caseID, CaseReference: "MPP-2026-0001",
		Level: escudo.RiskExtraordinary, Adopted: true, RecordedAt: at,
		Measures: []escudo.ResolutionMeasure{
			{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{CaseID: caseID, Measure: "building_protection", AgencyID: 11, LiaisonID: liaison, Discreet: true}, Reason: "Rondines discretos."},
			{Action: escudo.ActionGrant, Grant: escudo.MeasureGrant{CaseID: caseID, Measure: "panic_button", AgencyID: 12}, Reason: "Alerta a la guardia."},
		},
		Reasons: "El Comandante Ruiz la amenazó.", ThreatBrief: "Mensajes con amenazas de muerte.",
		Votes: []escudo.Vote{{Seat: "interior", MemberID: 1, MemberName: "Laura Méndez", Choice: escudo.VoteFor}}}
}

func issue(t *testing.T, db *store.DB, actor int64, r *escudo.Resolution) []store.Letter {
	t.Helper()
	var out []store.Letter
	err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
		var err error
		out, err = tx.IssueLetters(context.Background(), actor, r, letterSources)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLettersIssuedVerifiedAndSuperseded(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clock.Set(t0)
		db.SetLetterSettings(store.LetterSettings{DutyPhone: "800 000 1234", VerifyURL: "https://escudo.example/verificar"})
		secretary := staff(t, db, "secretaria", escudo.RoleCoordinator, 0)
		liaison := staff(t, db, "enlace", escudo.RoleLiaison, 0)
		c, p := newRequest("Xóchitl Ꞌéꞌe Tɨʉ")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}

		keys, err := db.LetterKeys(ctx)
		if err != nil || len(keys) != 1 || !keys[0].Active {
			t.Fatalf("the letter key is not created once: %+v %v", keys, err)
		}
		first := issue(t, db, secretary.ID, boardResolution(1, rc.CaseID, "JG-2026-03-001", liaison.ID, clock.Now()))
		if len(first) != 3 || first[0].Identifier != "JG-2026-03-001-N" || first[1].Identifier != "JG-2026-03-001-I-SSP-OAX" ||
			first[2].AgencyID != 12 || first[0].KeyID != keys[0].ID {
			t.Fatalf("letters: %+v", first)
		}
		// A resolution's letters are issued once.
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			_, err := tx.IssueLetters(ctx, secretary.ID, boardResolution(1, rc.CaseID, "JG-2026-03-001", 0, clock.Now()), letterSources)
			return err
		})
		if escudo.ErrorCode(err) != escudo.ECONFLICT {
			t.Fatalf("issued twice: %v", err)
		}

		// The stored letter renders to a PDF that verifies with the published key.
		l, pdf, err := db.LetterPDF(withUser(secretary), "JG-2026-03-001-I-SSP-OAX")
		if err != nil {
			t.Fatal(err)
		}
		if l.Document.Beneficiary != "Xóchitl Ꞌéꞌe Tɨʉ" || l.Document.Briefing == nil || !l.Document.Briefing.Discreet ||
			l.Document.Measures[0].Liaison != "enlace" || l.Document.VerifyURL != "https://escudo.example/verificar" || l.Document.DutyPhone != "800 000 1234" {
			t.Errorf("the stored letter: %+v", l.Document)
		}
		res, err := letters.Verify(pdf, keys[0].PublicKey)
		if err != nil || !res.Valid() || res.Hash != l.Hash {
			t.Fatalf("the stored letter does not verify: %+v %v", res, err)
		}
		_, again, _ := db.LetterPDF(ctx, "JG-2026-03-001-I-SSP-OAX")
		if !bytes.Equal(pdf, again) {
			t.Error("the stored letter renders differently twice")
		}
		reads, err := db.ReadsOfPerson(ctx, p.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		audited := false
		for _, r := range reads {
			audited = audited || (r.Action == "letter.read" && r.ActorName == "secretaria")
		}
		if !audited {
			t.Errorf("reading a letter is not audited: %+v", reads)
		}

		// The public facts carry nothing personal.
		st, err := db.LetterStatusByIdentifier(ctx, "JG-2026-03-001-N")
		if err != nil || st.Superseded() || st.Hash != first[0].Hash {
			t.Fatalf("status: %+v %v", st, err)
		}

		// A rotation keeps the old key published; a later resolution
		// supersedes the earlier letters and is signed with the new key.
		rotated, err := db.RotateLetterKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(40 * 24 * time.Hour)
		second := issue(t, db, secretary.ID, boardResolution(2, rc.CaseID, "JG-2026-04-002", 0, clock.Now()))
		if second[0].KeyID != rotated.ID || second[0].Document.Supersedes != "JG-2026-03-001" {
			t.Fatalf("the later letters: key %s, supersedes %q", second[0].KeyID, second[0].Document.Supersedes)
		}
		st, err = db.LetterStatusByIdentifier(ctx, "JG-2026-03-001-I-TECNOSEG")
		if err != nil || !st.Superseded() || st.SupersededIdent != "JG-2026-04-002" || !st.SupersededAt.Equal(clock.Now()) {
			t.Fatalf("the earlier letter is not superseded: %+v %v", st, err)
		}
		if k, err := db.LetterPublicKey(ctx, keys[0].ID); err != nil || !bytes.Equal(k, keys[0].PublicKey) {
			t.Fatalf("the old key is not published after the rotation: %v", err)
		}
		list, err := db.CaseLetters(withUser(secretary), rc.CaseID)
		if err != nil || len(list) != 6 || list[0].Resolution != "JG-2026-04-002" || list[0].Kind != letters.Notification || !list[5].Superseded() {
			t.Fatalf("the case's letters: %+v %v", list, err)
		}
		// Not adopted: one letter, and it supersedes nothing.
		clock.Advance(time.Hour)
		r3 := boardResolution(3, rc.CaseID, "JG-2026-04-003", 0, clock.Now())
		r3.Adopted = false
		if got := issue(t, db, secretary.ID, r3); len(got) != 1 {
			t.Fatalf("a resolution not adopted issued %d letters", len(got))
		}
		if st, _ := db.LetterStatusByIdentifier(ctx, "JG-2026-04-002-N"); st.Superseded() {
			t.Error("a resolution not adopted superseded the letters in force")
		}

		// What cannot be printed is refused and nothing is recorded.
		bad := boardResolution(4, rc.CaseID, "JG-2026-04-004", 0, clock.Now())
		bad.Measures[0].Grant.AgencyID = 99
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			_, err := tx.IssueLetters(ctx, secretary.ID, bad, letterSources)
			return err
		})
		if escudo.ErrorCode(err) != escudo.EINVALID {
			t.Fatalf("a measure without an agency: %v", err)
		}
		if _, err := db.LetterStatusByIdentifier(ctx, "JG-2026-04-004-N"); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("a refused resolution left a letter: %v", err)
		}
		if _, err := db.LetterByIdentifier(ctx, "../../etc"); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("a malformed identifier: %v", err)
		}
		if strings.Contains(string(first[0].Signature), "Xóchitl") {
			t.Error("signature holds the name")
		}
	})
}
