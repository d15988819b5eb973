package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/directory"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A directory entry's kind and contact details: refused field by field
// with nothing written, then stored and audited; the code never changes.
func TestUpdateDirectoryEntry(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		id := agency(t, db, "fiscalia-oax", escudo.AgencyState, "OAX", false)
		before, err := db.DirectoryEntry(ctx, id)
		if err != nil || before.Kind != directory.KindGovernment {
			t.Fatalf("a state agency without a kind is its government: %+v %v", before, err)
		}
		bad := before
		bad.Kind, bad.Contact = "ngo", directory.Contact{Email: "oficialia", Phone: "llamar"}
		got := fieldKeys(db.UpdateDirectoryEntry(ctx, bad))
		for _, want := range []string{"kind directory.kind_unknown", "email validation.email", "phone validation.phone"} {
			if !slicesHas(got, want) {
				t.Errorf("refused entry: %v, want %s", got, want)
			}
		}
		if after, _ := db.DirectoryEntry(ctx, id); after != before {
			t.Fatalf("a refused update changed the entry: %+v", after)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'agency.update'`); n != 0 {
			t.Fatalf("%d audit entries for a refusal", n)
		}
		good := before
		good.Code, good.Name, good.Kind = "otra", "Fiscalía General del Estado de Oaxaca", directory.KindProsecutor
		good.Contact = directory.Contact{Email: "oficialia@example.org", Phone: "55-0000-0101", Address: "Centro, Oaxaca de Juárez", Person: "Lic. Ana Ruiz", Notes: "Oficios por correo."}
		if err := db.UpdateDirectoryEntry(ctx, good); err != nil {
			t.Fatal(err)
		}
		after, err := db.DirectoryEntry(ctx, id)
		good.Code = "fiscalia-oax"
		if err != nil || after != good {
			t.Fatalf("stored %+v %v, want %+v", after, err, good)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'agency.update' AND fields LIKE '%contact%'`); n != 1 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

// Agreements: a refused record writes nothing; each record becomes the
// current one and the previous joins the history, newest first; the
// current one per entity is listed for the directory.
func TestAgreementHistory(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := withUser(staff(t, db, "admin", escudo.RoleAdmin, 0))
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 18, 0, 0, 0, time.UTC) }
		_, err := db.RecordAgreement(ctx, &directory.Agreement{Entity: "OAX", Status: directory.AgreementInForce})
		if !slicesHas(fieldKeys(err), "signed_on agreement.signed_needed") {
			t.Fatalf("unsigned agreement in force: %v", err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM cooperation_agreements`); n != 0 {
			t.Fatalf("%d rows after a refusal", n)
		}
		first, err := db.RecordAgreement(ctx, &directory.Agreement{Entity: "OAX", Status: directory.AgreementNegotiation, Notes: "Mesa de trabajo"})
		if err != nil {
			t.Fatal(err)
		}
		clock.Set(t0.Add(time.Hour))
		second, err := db.RecordAgreement(ctx, &directory.Agreement{Entity: "OAX", Status: directory.AgreementInForce, SignedOn: day(2025, 6, 3), ValidUntil: day(2028, 6, 3), Document: "DOF 03/06/2025"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordAgreement(ctx, &directory.Agreement{Entity: "GRO", Status: directory.AgreementNone}); err != nil {
			t.Fatal(err)
		}
		hist, err := db.EntityAgreements(ctx, "OAX")
		if err != nil || len(hist) != 2 {
			t.Fatalf("history %+v %v", hist, err)
		}
		if hist[0].ID != second || !hist[0].Current || !hist[0].SignedOn.Equal(day(2025, 6, 3)) || !hist[0].ValidUntil.Equal(day(2028, 6, 3)) || hist[0].RecordedBy != "admin" {
			t.Errorf("current: %+v", hist[0])
		}
		if hist[1].ID != first || hist[1].Current || !hist[1].SignedOn.IsZero() || hist[1].Notes != "Mesa de trabajo" {
			t.Errorf("history: %+v", hist[1])
		}
		cur, err := db.CurrentAgreements(ctx)
		if err != nil || len(cur) != 2 || cur["OAX"].ID != second || cur["GRO"].Status != directory.AgreementNone {
			t.Fatalf("current agreements %+v %v", cur, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'agreement.record'`); n != 3 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

// The reference directory seeds once: a second run adds nothing and an
// entry already there (the demo's Guardia Nacional) is kept as it is.
func TestSeedDirectory(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		agency(t, db, "gn", escudo.AgencyFederal, "", true)
		ref := directory.Reference()
		n, err := db.SeedDirectory(ctx, ref)
		if err != nil || n != len(ref)-1 {
			t.Fatalf("seeded %d of %d: %v", n, len(ref), err)
		}
		if n, err := db.SeedDirectory(ctx, ref); err != nil || n != 0 {
			t.Fatalf("second run added %d: %v", n, err)
		}
		oax, err := db.EntityDirectory(ctx, "OAX")
		if err != nil || len(oax) != 3 || oax[0].Kind != directory.KindGovernment || oax[1].Kind != directory.KindProsecutor || oax[2].Kind != directory.KindCommission {
			t.Fatalf("Oaxaca: %+v %v", oax, err)
		}
		if oax[2].Name != "Defensoría de los Derechos Humanos del Pueblo de Oaxaca" {
			t.Errorf("Oaxaca's commission: %s", oax[2].Name)
		}
	})
}

// Another body's catalogue measures are stored sealed and read back; an
// id the catalogue lacks is refused with nothing stored.
func TestAssessmentCatalogueMeasures(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		caseID := admitted(t, db, "Radio Ñuu Savi", escudo.ProcedureOrdinary)
		a := iachrMeasure(caseID)
		a.CatalogueMeasures = []string{"escort", "teleportation"}
		if _, err := db.RecordAssessment(ctx, a); !slicesHas(fieldKeys(err), "catalogue_measures assessment.measure_unknown") {
			t.Fatalf("unknown measure: %v", err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM risk_assessments`); n != 0 {
			t.Fatalf("%d rows after a refusal", n)
		}
		a = iachrMeasure(caseID)
		a.CatalogueMeasures = []string{"escort", "panic_button"}
		if _, err := db.RecordAssessment(ctx, a); err != nil {
			t.Fatal(err)
		}
		list, err := db.CaseAssessments(ctx, caseID)
		if err != nil || len(list) != 1 || len(list[0].CatalogueMeasures) != 2 || list[0].CatalogueMeasures[1] != "panic_button" {
			t.Fatalf("stored %+v %v", list, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM risk_assessments WHERE catalogue_measures_enc IS NOT NULL`); n != 1 {
			t.Fatal("the measures are not sealed")
		}
	})
}
