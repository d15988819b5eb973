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

// An appeal from filing to the Council's ruling: past its window it is
// refused naming the evaluation; filing starts the appeal_ruling clock and
// asks for a new evaluation; the answer needs that evaluation; the Council
// commissions the study with its deadline and rules, which stops the
// clock; each step is on the timeline; steps out of order are refused.
func TestAppealLifecycle(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		analyst := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		follow := withUser(staff(t, db, "seguimiento", escudo.RoleFollowUp, 0))
		council := withUser(staff(t, db, "consejo", escudo.RoleCouncil, 0))
		late := admitted(t, db, "Colectivo Sin Bandera", escudo.ProcedureOrdinary)
		caseID := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureOrdinary)
		if _, err := db.FileAppeal(follow, caseID, "No estoy de acuerdo."); !slicesHas(fieldKeys(err), "evaluation appeal.no_evaluation") {
			t.Fatalf("appeal without an evaluation: %v", err)
		}
		evaluate := func(id int64, reason escudo.EvaluationReason) {
			t.Helper()
			e, err := db.StartEvaluation(analyst, id, escudo.EvaluationFull, reason)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
				t.Fatal(err)
			}
		}
		evaluate(late, escudo.ReasonInitial)
		evaluate(caseID, escudo.ReasonInitial)
		clock.Advance(escudo.DefaultAppealWindow + time.Minute)
		if _, err := db.FileAppeal(follow, late, "Fuera de plazo."); !slicesHas(fieldKeys(err), "evaluation appeal.window_closed") {
			t.Fatalf("late appeal: %v", err)
		}
		// caseID's evaluation is re-dated: submitted again within the window.
		evaluate(caseID, escudo.ReasonRequest)
		clock.Advance(24 * time.Hour)
		if _, err := db.FileAppeal(follow, caseID, " "); !slicesHas(fieldKeys(err), "grounds validation.required") {
			t.Fatalf("appeal without grounds: %v", err)
		}
		id, err := db.FileAppeal(follow, caseID, "El nivel no refleja la vigilancia armada.")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FileAppeal(follow, caseID, "Otra vez."); escudo.ErrorKey(err) != "appeal.already_open" {
			t.Fatalf("second open appeal: %v", err)
		}
		if k := clocksOf(t, db, caseID)["appeal_ruling"]; k.StartedAt.IsZero() || k.StoppedAt != nil {
			t.Fatalf("appeal_ruling clock: %+v", k)
		}
		q, _ := db.ReevaluationQueue(context.Background())
		if len(q) != 1 || q[0].CaseID != caseID || q[0].Cause != escudo.ReevalAppeal {
			t.Fatalf("queue after filing: %+v", q)
		}
		if err := db.CommissionStudy(council, id, "Estudio independiente."); escudo.ErrorKey(err) != "appeal.step_refused" {
			t.Fatalf("study before the answer: %v", err)
		}
		if err := db.AppealAnswer(follow, id, false); escudo.ErrorKey(err) != "appeal.no_new_evaluation" {
			t.Fatalf("answer before the new evaluation: %v", err)
		}
		clock.Advance(time.Hour)
		evaluate(caseID, escudo.ReasonAppeal)
		if err := db.AppealAnswer(follow, id, false); err != nil {
			t.Fatal(err)
		}
		list, err := db.Appeals(council, 0, true)
		if err != nil || len(list) != 1 || list[0].State != "persisted" || list[0].NewEvaluationID == 0 || list[0].Grounds != "El nivel no refleja la vigilancia armada." {
			t.Fatalf("the Council's list: %+v %v", list, err)
		}
		if err := db.RuleAppeal(council, id, "Se confirma."); escudo.ErrorKey(err) != "appeal.step_refused" {
			t.Fatalf("ruling before the study: %v", err)
		}
		if err := db.CommissionStudy(council, id, "Estudio independiente por la Universidad."); err != nil {
			t.Fatal(err)
		}
		list, _ = db.Appeals(council, 0, true)
		if a := list[0]; a.State != "study" || a.StudyDueAt == nil || !a.StudyDueAt.Equal(clock.Now().Add(15*24*time.Hour)) {
			t.Fatalf("study: %+v", a)
		}
		clock.Advance(10 * 24 * time.Hour)
		if err := db.RuleAppeal(council, id, "Se eleva el nivel a extremo."); err != nil {
			t.Fatal(err)
		}
		if k := clocksOf(t, db, caseID)["appeal_ruling"]; k.StoppedAt == nil {
			t.Fatalf("appeal_ruling clock after the ruling: %+v", k)
		}
		ev, _ := db.Timeline(context.Background(), caseID)
		var steps []string
		for _, e := range ev {
			if e.Kind == escudo.EventAppeal {
				steps = append(steps, e.Detail)
			}
		}
		if strings.Join(steps, ",") != "filed,persisted,study,ruled" {
			t.Fatalf("timeline: %v", steps)
		}
		// A closed appeal allows a new one (within the window of the latest evaluation).
		if _, err := db.FileAppeal(follow, caseID, "Nueva inconformidad."); err != nil {
			t.Fatalf("appeal after a ruling: %v", err)
		}
	})
}

// The beneficiary agreeing with the new evaluation closes the appeal.
func TestAppealAgreed(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		analyst := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		follow := withUser(staff(t, db, "seguimiento", escudo.RoleFollowUp, 0))
		caseID := admitted(t, db, "Centro Prodh", escudo.ProcedureOrdinary)
		for _, reason := range []escudo.EvaluationReason{escudo.ReasonInitial, ""} {
			if reason == "" {
				id, err := db.FileAppeal(follow, caseID, "No coincido.")
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					if err := db.AppealAnswer(follow, id, true); err != nil {
						t.Fatal(err)
					}
					list, _ := db.Appeals(follow, caseID, false)
					if len(list) != 1 || list[0].State != "agreed" {
						t.Fatalf("agreed: %+v", list)
					}
					if k := clocksOf(t, db, caseID)["appeal_ruling"]; k.StoppedAt == nil {
						t.Fatalf("clock not stopped: %+v", k)
					}
				}()
				reason = escudo.ReasonAppeal
			}
			e, err := db.StartEvaluation(analyst, caseID, escudo.EvaluationFull, reason)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// The appeal window is configuration: a 5-day window refuses on the sixth
// day what the default 30 days would take.
func TestAppealWindowIsConfigured(t *testing.T) {
	clock := testdb.NewClock(t0)
	eachWith(t, func(o *store.Options) { o.Now, o.AppealWindow = clock.Now, 5*24*time.Hour }, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		analyst := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		follow := withUser(staff(t, db, "seguimiento", escudo.RoleFollowUp, 0))
		caseID := admitted(t, db, "Red de periodistas", escudo.ProcedureOrdinary)
		e, err := db.StartEvaluation(analyst, caseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		clock.Advance(6 * 24 * time.Hour)
		if _, err := db.FileAppeal(follow, caseID, "No estoy de acuerdo."); !slicesHas(fieldKeys(err), "evaluation appeal.window_closed") {
			t.Fatalf("appeal on the sixth day of a 5-day window: %v", err)
		}
	})
}

// eachWith runs fn on both engines with a store opened with options edit
// changes.
func eachWith(t *testing.T, edit func(*store.Options), fn func(t *testing.T, db *store.DB)) {
	run := func(t *testing.T, o store.Options) {
		o.Keys = testdb.TestKey(t)
		edit(&o)
		db, err := store.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, db)
	}
	t.Run("sqlite", func(t *testing.T) { run(t, store.Options{DataDir: t.TempDir()}) })
	t.Run("postgres", func(t *testing.T) { run(t, store.Options{URL: testdb.FreshPostgres(t)}) })
}
