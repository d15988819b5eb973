package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newRequest(name string) (*escudo.Case, *escudo.Person) {
	p := &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: name, Entity: "OAX",
		Municipality: "Juchitán", Phone: "+52 951 555 0101", Address: "Calle Falsa 123", Gender: "mujer", Ethnicity: "zapoteca"}
	c := &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas por publicar sobre la mina.", Aggressors: "hombres armados"}
	return c, p
}

func staff(t *testing.T, db *store.DB, username string, role escudo.Role, supervisor int64) *escudo.User {
	t.Helper()
	u := &escudo.User{Username: username, DisplayName: username, Role: role, SupervisorID: supervisor}
	if err := db.CreateUser(context.Background(), u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestFileRequestAndFind(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("María José Pérez Yescas")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Reference == "" || len(rc.Code) < 16 {
			t.Fatalf("receipt %+v", rc)
		}
		got, err := db.FindCaseByID(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Person.Name != p.Name || got.Narrative != c.Narrative || got.Person.Address != "Calle Falsa 123" {
			t.Fatalf("round trip lost data: %+v %+v", got, got.Person)
		}
		if got.Stage != escudo.StageReception || got.Procedure != escudo.ProcedureOrdinary {
			t.Fatalf("stage %s procedure %s", got.Stage, got.Procedure)
		}
		// Search by name ignores accents, case and spacing.
		list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: "  maria jose  PEREZ yescas"})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != rc.CaseID {
			t.Fatalf("search by name: %v %d %v", err, total, list)
		}
		// Any one whole word finds the person; part of a word does not.
		list, _, _ = db.FindCases(ctx, escudo.CaseFilter{Query: "maria"})
		if len(list) != 1 {
			t.Fatal("one word of the name must find the person")
		}
		list, _, _ = db.FindCases(ctx, escudo.CaseFilter{Query: "mari"})
		if len(list) != 0 {
			t.Fatal("part of a word must not match the blind index")
		}
		list, _, _ = db.FindCases(ctx, escudo.CaseFilter{Query: rc.Reference})
		if len(list) != 1 {
			t.Fatal("search by reference")
		}
		// Follow-up with the code; a wrong code says nothing.
		st, err := db.PublicStatus(ctx, rc.Reference, rc.Code)
		if err != nil || st.Stage != escudo.StageReception {
			t.Fatalf("status: %v %+v", err, st)
		}
		if _, err := db.PublicStatus(ctx, rc.Reference, "AAAA-BBBB-CCCC-DDDD"); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("wrong code: %v", err)
		}
		if _, err := db.FindCaseByID(ctx, 99999); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("unknown case: %v", err)
		}
	})
}

func TestInvalidRequestStoresNothing(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("")
		p.Entity = "XX"
		c.Narrative = ""
		_, err := db.FileRequest(ctx, c, p)
		v, ok := escudo.AsValidation(err)
		if !ok || len(v) < 3 {
			t.Fatalf("want name, entity and narrative errors, got %v", err)
		}
		_, total, err := db.FindCases(ctx, escudo.CaseFilter{})
		if err != nil || total != 0 {
			t.Fatalf("stored something: %d %v", total, err)
		}
	})
}

func TestClocksBreachAndEscalate(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		sup := staff(t, db, "supervisora", escudo.RoleCoordinator, 0)
		analyst := staff(t, db, "analista", escudo.RoleAnalyst, sup.ID)
		c, p := newRequest("Colectivo Somos Nosotros")
		c.ImminentDanger = true
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AssignCase(ctx, rc.CaseID, analyst.ID, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := db.FindCaseByID(ctx, rc.CaseID)
		if got.Procedure != escudo.ProcedureExtraordinary {
			t.Fatal("imminent danger must select the extraordinary procedure")
		}
		rules := map[string]escudo.ClockState{}
		for _, k := range got.Clocks {
			rules[k.Rule] = k
		}
		if k := rules["urgent_issued"]; !k.DueAt.Equal(t0.Add(3 * time.Hour)) {
			t.Fatalf("urgent_issued due %v", k.DueAt)
		}
		// The immediate-action evaluation and the urgent measures in time;
		// implementation late.
		clock.Advance(time.Hour)
		imm, err := db.StartEvaluation(ctx, rc.CaseID, escudo.EvaluationImmediate, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitEvaluation(ctx, imm, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		issueUrgent(t, db, ctx, rc.CaseID)
		clock.Advance(8 * time.Hour) // 10h after the request
		breaches, err := db.SweepClocks(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(breaches) != 1 || breaches[0].Clock.Rule != "urgent_implemented" {
			t.Fatalf("breaches %+v", breaches)
		}
		if again, _ := db.SweepClocks(ctx, 100); len(again) != 0 {
			t.Fatal("a breach must be recorded once")
		}
		// Assignee and supervisor were told.
		for _, u := range []int64{analyst.ID, sup.ID} {
			in, err := db.Inbox(ctx, u, 10)
			if err != nil || len(in) == 0 || in[0].Kind != escudo.EventClockBreach {
				t.Fatalf("inbox of %d: %v %+v", u, err, in)
			}
		}
		// Escalation after the rule's interval (3h).
		clock.Advance(3*time.Hour + time.Second)
		breaches, _ = db.SweepClocks(ctx, 100)
		if len(breaches) != 1 || breaches[0].Escalation != 1 {
			t.Fatalf("escalation %+v", breaches)
		}
		ev, _ := db.Timeline(ctx, rc.CaseID)
		var kinds []string
		for _, e := range ev {
			kinds = append(kinds, e.Kind)
		}
		want := []string{"received", "assigned", "evaluation_started", "evaluation", "measure", "milestone", "clock_breach", "clock_escalation"}
		if len(kinds) != len(want) {
			t.Fatalf("timeline %v", kinds)
		}
		b, err := db.Backlog(ctx, escudo.CaseFilter{})
		if err != nil || b.BreachedCount != 1 || len(b.Rows) != 1 || b.Rows[0].Breaches != 1 {
			t.Fatalf("backlog %+v %v", b, err)
		}
	})
}

func TestReassignNeedsHandOverNote(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := staff(t, db, "ana", escudo.RoleAnalyst, 0)
		b := staff(t, db, "beto", escudo.RoleAnalyst, 0)
		c, p := newRequest("Centro Juan Gerardi")
		p.Kind = escudo.KindCollective
		rc, _ := db.FileRequest(ctx, c, p)
		if err := db.AssignCase(ctx, rc.CaseID, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.AssignCase(ctx, rc.CaseID, b.ID, "  "); escudo.ErrorKey(err) != "validation.handover_required" {
			t.Fatalf("reassign without note: %v", err)
		}
		if err := db.AssignCase(ctx, rc.CaseID, b.ID, "Pendiente: visita a la sede el lunes."); err != nil {
			t.Fatal(err)
		}
		got, _ := db.FindCaseByID(ctx, rc.CaseID)
		if got.AssignedTo != b.ID {
			t.Fatal("not reassigned")
		}
		ev, _ := db.Timeline(ctx, rc.CaseID)
		if last := ev[len(ev)-1]; last.Kind != escudo.EventReassigned || last.Note == "" {
			t.Fatalf("hand-over note missing: %+v", last)
		}
	})
}

func TestAdmissionRules(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("Albergue de Saltillo")
		rc, _ := db.FileRequest(ctx, c, p)
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted}); err == nil {
			t.Fatal("refusal without reason accepted")
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureExtraordinary}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.FindCaseByID(ctx, rc.CaseID)
		if got.Stage != escudo.StageEvaluation || got.Procedure != escudo.ProcedureExtraordinary {
			t.Fatalf("after admission: %s %s", got.Stage, got.Procedure)
		}
		found := false
		for _, k := range got.Clocks {
			found = found || k.Rule == "urgent_issued"
		}
		if !found {
			t.Fatal("switching to extraordinary must start the urgent clocks")
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); escudo.ErrorCode(err) != escudo.ECONFLICT {
			t.Fatalf("second decision: %v", err)
		}
	})
}

// A copy of the SQLite file and its WAL must not contain seeded plaintext.
func TestNoPlaintextOnDisk(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: testdb.TestKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c, p := newRequest("Xochitl Hernández Quetzalcóatl")
	c.Narrative = "Narrativa-secreta-de-amenazas"
	if _, err := db.FileRequest(ctx, c, p); err != nil {
		t.Fatal(err)
	}
	if err := db.AddNote(ctx, 1, "Nota-secreta-del-caso"); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"Xochitl", "Quetzalc", "Narrativa-secreta", "Nota-secreta", "Calle Falsa", "555 0101"}
	check := func() {
		files, _ := filepath.Glob(filepath.Join(dir, "escudo.db*"))
		if len(files) == 0 {
			t.Fatal("no database files")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s contains %q in plaintext", filepath.Base(f), s)
				}
			}
		}
	}
	check() // with the WAL
	db.Close()
	check() // after checkpoint
}
