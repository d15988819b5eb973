package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/risk"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// fullAnswers answers every factor and required question of the default
// instrument: the worked example of docs/risk.md with weaker networks and
// legal support, which makes it extraordinario.
func fullAnswers() escudo.EvaluationDraft {
	return escudo.EvaluationDraft{
		Factors: map[string]int64{
			"threat_type": 2, "threat_source": 3, "threat_frequency": 2, "threat_recency": 3, "threat_reach": 2,
			"place": 2, "isolation": 1, "exposure": 3, "dependants": 2, "gender": 2, "ethnic_identity": 0,
			"health": 0, "digital_exposure": 1, "displacement": 0,
			"networks": 1, "accompaniment": 1, "legal_support": 1, "security_practices": 2,
		},
		Context: map[string]string{
			"narrative": "Dirige el albergue; hombres armados vigilan la entrada desde marzo.", "gender": "woman", "ethnic_identity": "none",
			"disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "urban",
		},
		Proposals: []escudo.MeasureProposal{{Measure: "panic_button", Reason: "Vigilancia armada en la entrada."}, {Measure: "psychosocial_support", Reason: "Miedo constante del equipo."}},
	}
}

func withUser(u *escudo.User) context.Context {
	return escudo.NewContextWithUser(context.Background(), u)
}

func admitted(t *testing.T, db *store.DB, name string, proc escudo.Procedure) int64 {
	t.Helper()
	c, p := newRequest(name)
	rc, err := db.FileRequest(context.Background(), c, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DecideAdmission(context.Background(), rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: proc}); err != nil {
		t.Fatal(err)
	}
	return rc.CaseID
}

func fieldKeys(err error) []string {
	v, _ := escudo.AsValidation(err)
	var out []string
	for _, e := range v {
		out = append(out, e.Field+" "+e.Key)
	}
	return out
}

// An evaluation from draft to submission: partial saves keep what is
// valid and refuse what is not; submission needs every answer and the
// context; the level follows from the formula, the milestone stops the
// evaluation clock and sends the case to the Board; the recomputation
// matches; everything written is sealed.
func TestEvaluationDraftSubmitRecompute(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		analyst := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		ctx := withUser(analyst)
		caseID := admitted(t, db, "Albergue Belén", escudo.ProcedureOrdinary)
		clock.Advance(48 * time.Hour)

		id, err := db.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := db.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonInitial); err != nil || again != id {
			t.Fatalf("a second start opened %d (%v), want the open draft %d", again, err, id)
		}
		// A partial save is kept.
		part := escudo.EvaluationDraft{Factors: map[string]int64{"threat_type": 2}, Context: map[string]string{"narrative": "Vigilancia."}}
		if err := db.SaveEvaluation(ctx, id, part); err != nil {
			t.Fatalf("partial save: %v", err)
		}
		// An off-scale score is refused and changes nothing.
		bad := escudo.EvaluationDraft{Factors: map[string]int64{"threat_type": 9}, Context: map[string]string{"narrative": "Otra cosa."}}
		if err := db.SaveEvaluation(ctx, id, bad); !slicesHas(fieldKeys(err), "factors.threat_type risk.answer.off_scale") {
			t.Fatalf("off-scale save: %v", err)
		}
		e, err := db.Evaluation(ctx, id)
		if err != nil || e.Factors["threat_type"] != 2 || e.Context["narrative"] != "Vigilancia." || e.State != escudo.StateDraft {
			t.Fatalf("after the refused save: %+v %v", e, err)
		}
		// Submission without the context is refused, naming each question.
		noContext := fullAnswers()
		delete(noContext.Context, "gender")
		noContext.Context["narrative"] = " "
		_, err = db.SubmitEvaluation(ctx, id, noContext)
		if got := fieldKeys(err); !slicesHas(got, "context.gender risk.answer.context_missing") || !slicesHas(got, "context.narrative risk.answer.context_missing") {
			t.Fatalf("submission without context: %v", got)
		}
		// A proposal outside the catalogue is refused.
		odd := fullAnswers()
		odd.Proposals = append(odd.Proposals, escudo.MeasureProposal{Measure: "tank", Reason: "x"})
		if _, err := db.SubmitEvaluation(ctx, id, odd); !slicesHas(fieldKeys(err), "proposals[2].measure measures.unknown") {
			t.Fatalf("unknown measure: %v", err)
		}
		if k := clocksOf(t, db, caseID)["evaluation"]; k.StoppedAt != nil {
			t.Fatalf("a refused submission stopped the clock: %+v", k)
		}

		got, err := db.SubmitEvaluation(ctx, id, fullAnswers())
		if err != nil {
			t.Fatal(err)
		}
		if got.State != escudo.StateSubmitted || got.Level != escudo.RiskExtraordinary || got.SubmittedAt == nil || len(got.BoardFlags) != 0 {
			t.Fatalf("submitted: %+v", got)
		}
		if k := clocksOf(t, db, caseID)["evaluation"]; k.StoppedAt == nil || k.Status != escudo.ClockMet {
			t.Fatalf("evaluation clock after submission: %+v", k)
		}
		if c, _ := db.FindCaseByID(context.Background(), caseID); c.Stage != escudo.StageBoard {
			t.Fatalf("stage after the first evaluation: %s", c.Stage)
		}
		if _, err := db.SubmitEvaluation(ctx, id, fullAnswers()); escudo.ErrorKey(err) != "risk.already_submitted" {
			t.Fatalf("second submission: %v", err)
		}
		rc, err := db.RecomputeEvaluation(ctx, id)
		if err != nil || !rc.Matches || rc.Result.Level != escudo.RiskExtraordinary {
			t.Fatalf("recompute: %+v %v", rc, err)
		}
		// The stored instrument and the answers are enough: recompute
		// outside the store, as anyone with the published JSON would.
		body, err := db.InstrumentBody(ctx, got.Instrument, got.Version)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := risk.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		res, err := risk.Evaluate(inst, risk.Answers{Instrument: got.Instrument, Version: got.Version, Factors: got.Factors, Context: got.Context})
		if err != nil || res.Level != got.Level || res.Num != got.Num || res.Den != got.Den {
			t.Fatalf("outside recomputation: %+v %v", res, err)
		}
		ev, err := db.Timeline(context.Background(), caseID)
		if err != nil {
			t.Fatal(err)
		}
		if last := ev[len(ev)-1]; last.Kind != escudo.EventEvaluation || last.Detail != "full:extraordinario" {
			t.Fatalf("last event: %+v", last)
		}
	})
}

// A lower level than before, or fewer measures, must be justified and flags
// the case for the Board; so does a level below another body's current one.
func TestLowerEvaluationNeedsJustification(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		caseID := admitted(t, db, "Centro Prodh", escudo.ProcedureOrdinary)
		first, err := db.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitEvaluation(ctx, first, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		second, err := db.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonScheduled)
		if err != nil || second == first {
			t.Fatalf("re-evaluation: %d %v", second, err)
		}
		lower := fullAnswers()
		for _, f := range []string{"threat_type", "threat_source", "threat_frequency", "threat_recency", "threat_reach"} {
			lower.Factors[f] = 0
		}
		lower.Proposals = lower.Proposals[:1]
		if _, err := db.SubmitEvaluation(ctx, second, lower); !slicesHas(fieldKeys(err), "justification risk.justification_required") {
			t.Fatalf("lower without justification: %v", err)
		}
		lower.Justification = "Las amenazas cesaron tras la detención de los responsables."
		got, err := db.SubmitEvaluation(ctx, second, lower)
		if err != nil {
			t.Fatal(err)
		}
		if got.Level != escudo.RiskOrdinary || strings.Join(got.BoardFlags, ",") != escudo.FlagLowersLevel+","+escudo.FlagFewerMeasures ||
			got.Justification != lower.Justification || got.PreviousID != first {
			t.Fatalf("lower evaluation: %+v", got)
		}
		if k := clocksOf(t, db, caseID)["reevaluation"]; k.StartedAt.IsZero() {
			t.Fatalf("re-evaluation clock: %+v", k)
		}
	})
}

// Who evaluates what: reception makes the immediate-action evaluation of
// an extraordinary case before admission, never the full one; the
// immediate one stops its own clock.
func TestImmediateEvaluation(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		rec := withUser(staff(t, db, "recepcion", escudo.RoleReception, 0))
		c, p := newRequest("Silvia Pérez")
		c.ImminentDanger = true
		rc, err := db.FileRequest(context.Background(), c, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.StartEvaluation(rec, rc.CaseID, escudo.EvaluationFull, escudo.ReasonInitial); escudo.ErrorKey(err) == "" {
			t.Fatal("reception opened a full evaluation")
		}
		id, err := db.StartEvaluation(rec, rc.CaseID, escudo.EvaluationImmediate, escudo.ReasonInitial)
		if err != nil {
			t.Fatalf("immediate evaluation: %v", err)
		}
		got, err := db.SubmitEvaluation(rec, id, fullAnswers())
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != escudo.EvaluationImmediate {
			t.Fatalf("kind %s", got.Kind)
		}
		if k := clocksOf(t, db, rc.CaseID)["immediate_evaluation"]; k.StoppedAt == nil {
			t.Fatalf("immediate_evaluation clock: %+v", k)
		}
	})
}

// A used instrument version never changes: a node started with a different
// instrument under the same version is refused; under a new version it is
// taken and the old version is retired, so drafts on it cannot be
// submitted, while old evaluations still recompute.
func TestInstrumentVersionIsImmutableOnceUsed(t *testing.T) {
	changed := func(version int) *risk.Instrument {
		var m map[string]any
		if err := json.Unmarshal(risk.DefaultJSON(), &m); err != nil {
			t.Fatal(err)
		}
		m["version"] = version
		m["groups"].([]any)[0].(map[string]any)["factors"].([]any)[0].(map[string]any)["weight"] = 5
		b, _ := json.Marshal(m)
		inst, err := risk.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		return inst
	}
	eachReopen(t, func(t *testing.T, open func(*risk.Instrument) (*store.DB, error)) {
		first, err := open(nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx := withUser(staff(t, first, "analista", escudo.RoleAnalyst, 0))
		caseID := admitted(t, first, "Nosotros somos ustedes", escudo.ProcedureOrdinary)
		used, err := first.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.SubmitEvaluation(ctx, used, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		other := admitted(t, first, "Otra colectiva", escudo.ProcedureOrdinary)
		draft, err := first.StartEvaluation(ctx, other, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		// The same version with other content, after it was used: refused.
		if _, err := open(changed(1)); err == nil || !strings.Contains(err.Error(), "a used version never changes") {
			t.Fatalf("changed content under a used version: %v", err)
		}
		// A new version: taken, and version 1 retired.
		second, err := open(changed(2))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.SubmitEvaluation(ctx, draft, fullAnswers()); !slicesHas(fieldKeys(err), "instrument risk.instrument_retired") {
			t.Fatalf("draft on a retired version: %v", err)
		}
		// The node still on version 1 opens no draft nobody could submit.
		third := admitted(t, first, "Tercera", escudo.ProcedureOrdinary)
		if _, err := first.StartEvaluation(ctx, third, escudo.EvaluationFull, escudo.ReasonInitial); !slicesHas(fieldKeys(err), "instrument risk.instrument_retired") {
			t.Fatalf("a draft opened on a retired version: %v", err)
		}
		if rc, err := second.RecomputeEvaluation(ctx, used); err != nil || !rc.Matches || rc.Result.Version != 1 {
			t.Fatalf("recompute on a retired version: %+v %v", rc, err)
		}
		next, err := second.StartEvaluation(ctx, other, escudo.EvaluationFull, escudo.ReasonRequest)
		if err != nil || next == draft {
			t.Fatalf("a new draft on version 2: %d %v", next, err)
		}
		if e, err := second.Evaluation(ctx, next); err != nil || e.Version != 2 {
			t.Fatalf("new draft: %+v %v", e, err)
		}
	})
}

// eachReopen runs fn on both engines with a function that opens and
// migrates another handle on one database with a given instrument.
func eachReopen(t *testing.T, fn func(t *testing.T, open func(*risk.Instrument) (*store.DB, error))) {
	opener := func(t *testing.T, o store.Options) func(*risk.Instrument) (*store.DB, error) {
		return func(inst *risk.Instrument) (*store.DB, error) {
			o := o
			o.Instrument, o.Keys = inst, testdb.TestKey(t)
			db, err := store.Open(context.Background(), o)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(context.Background()); err != nil {
				return nil, err
			}
			return db, nil
		}
	}
	t.Run("sqlite", func(t *testing.T) { fn(t, opener(t, store.Options{DataDir: t.TempDir()})) })
	t.Run("postgres", func(t *testing.T) { fn(t, opener(t, store.Options{URL: testdb.FreshPostgres(t)})) })
}

func slicesHas(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
