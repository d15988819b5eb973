package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func iachrMeasure(caseID int64) *escudo.Assessment {
	return &escudo.Assessment{CaseID: caseID, Body: escudo.BodyIACHR, Reference: "mc-123-17", Level: escudo.RiskExtreme,
		Measures: "Adoptar medidas para proteger la vida del equipo del albergue.", Document: "Resolución 12/17", DecidedAt: t0.Add(-24 * time.Hour)}
}

// Another body's assessment: invalid input is refused field by field and
// nothing is stored; a valid one is stored sealed, listed, on the timeline
// and audited; ending it keeps it listed but no longer in force, and a
// second end is a conflict.
func TestRecordAndEndAssessment(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		caseID := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureOrdinary)

		bad := &escudo.Assessment{CaseID: caseID, Body: escudo.BodyIACHR, Reference: "123/17", Level: "alto", DecidedAt: t0.Add(time.Hour)}
		got := fieldKeys(func() error { _, err := db.RecordAssessment(ctx, bad); return err }())
		for _, want := range []string{"number assessment.iachr_number", "level assessment.level_unknown", "decided_at assessment.date_future"} {
			if !slicesHas(got, want) {
				t.Errorf("invalid assessment: %v, want %s", got, want)
			}
		}
		other := &escudo.Assessment{CaseID: caseID, Body: escudo.BodyStateCommission, Reference: "CEDHC/12/2026", Level: escudo.RiskOrdinary, DecidedAt: t0}
		if got := fieldKeys(func() error { _, err := db.RecordAssessment(ctx, other); return err }()); !slicesHas(got, "body_name validation.required") {
			t.Errorf("a state commission without its name: %v", got)
		}
		if list, err := db.CaseAssessments(ctx, caseID); err != nil || len(list) != 0 {
			t.Fatalf("after refusals: %v %v", list, err)
		}

		id, err := db.RecordAssessment(ctx, iachrMeasure(caseID))
		if err != nil {
			t.Fatal(err)
		}
		other.BodyName = "Comisión de Derechos Humanos de Coahuila"
		if _, err := db.RecordAssessment(ctx, other); err != nil {
			t.Fatal(err)
		}
		list, err := db.CaseAssessments(ctx, caseID)
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %+v %v", list, err)
		}
		a := list[1] // decided earlier
		if a.ID != id || a.Reference != "MC-123-17" || a.Level != escudo.RiskExtreme || !a.InForce() ||
			a.Measures != iachrMeasure(0).Measures || a.Document != "Resolución 12/17" || a.RecordedBy != "analista" {
			t.Fatalf("stored: %+v", a)
		}
		var sealed int
		_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM risk_assessments WHERE measures_enc IS NOT NULL AND reference = 'MC-123-17'`).Scan(&sealed)
		})
		var clear int
		_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM risk_assessments WHERE measures_enc LIKE '%albergue%'`).Scan(&clear)
		})
		if sealed != 1 || clear != 0 {
			t.Fatalf("measures not sealed: %d sealed, %d in clear", sealed, clear)
		}

		clock.Advance(time.Hour)
		if err := db.EndAssessment(ctx, caseID, id); err != nil {
			t.Fatal(err)
		}
		if err := db.EndAssessment(ctx, caseID, id); escudo.ErrorKey(err) != "assessment.already_ended" {
			t.Fatalf("second end: %v", err)
		}
		if err := db.EndAssessment(ctx, caseID+1000, id); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("end through another case: %v", err)
		}
		list, _ = db.CaseAssessments(ctx, caseID)
		if len(list) != 2 || list[0].Body != escudo.BodyStateCommission || list[1].InForce() {
			t.Fatalf("after ending: %+v", list)
		}
		ev, err := db.Timeline(context.Background(), caseID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range ev {
			if strings.HasPrefix(e.Kind, "assessment") {
				kinds = append(kinds, e.Kind+" "+e.Detail)
			}
		}
		if strings.Join(kinds, "|") != "assessment iachr:extremo|assessment state_commission:ordinario|assessment_ended iachr" {
			t.Fatalf("timeline: %v", kinds)
		}
		var audited int
		_ = db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'risk.assessment'`).Scan(&audited)
		})
		if audited != 3 {
			t.Fatalf("audited %d changes, want 3", audited)
		}
	})
}

// An evaluation below the level of another body's assessment in force
// needs a justification and flags the case for the Board; once that
// assessment ends, the same level raises no flag. The backlog's marker
// follows the latest submitted evaluation.
func TestEvaluationBelowOtherBodyFlagsBoard(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		caseID := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureOrdinary)
		quiet := admitted(t, db, "Colectivo Sin Bandera", escudo.ProcedureOrdinary)
		aid, err := db.RecordAssessment(ctx, iachrMeasure(caseID))
		if err != nil {
			t.Fatal(err)
		}
		first, err := db.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		// fullAnswers is extraordinario, below the IACHR's extremo.
		if _, err := db.SubmitEvaluation(ctx, first, fullAnswers()); !slicesHas(fieldKeys(err), "justification risk.justification_required") {
			t.Fatalf("below another body without justification: %v", err)
		}
		d := fullAnswers()
		d.Justification = "La vigilancia cesó tras el cambio de sede."
		got, err := db.SubmitEvaluation(ctx, first, d)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.BoardFlags, ",") != escudo.FlagBelowOtherBody {
			t.Fatalf("flags: %v, want %s", got.BoardFlags, escudo.FlagBelowOtherBody)
		}
		qe, err := db.StartEvaluation(ctx, quiet, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitEvaluation(ctx, qe, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		fb, err := db.ForBoard(ctx, []int64{caseID, quiet})
		if err != nil || !fb[caseID] || fb[quiet] {
			t.Fatalf("for the Board: %v %v", fb, err)
		}

		if err := db.EndAssessment(ctx, caseID, aid); err != nil {
			t.Fatal(err)
		}
		second, err := db.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonScheduled)
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.SubmitEvaluation(ctx, second, fullAnswers())
		if err != nil || len(got.BoardFlags) != 0 {
			t.Fatalf("after the IACHR measure ended: %+v %v", got, err)
		}
		if fb, _ := db.ForBoard(ctx, []int64{caseID}); fb[caseID] {
			t.Fatal("still marked for the Board after an unflagged evaluation")
		}
	})
}
