package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func lowAnswers() escudo.EvaluationDraft {
	d := fullAnswers()
	for k := range d.Factors {
		switch k {
		case "networks", "accompaniment", "legal_support", "security_practices":
			d.Factors[k] = 3 // protective
		default:
			d.Factors[k] = 0
		}
	}
	d.Context["gender"] = "man"
	return d
}

// The calibration report counts submitted evaluations by analyst and by
// the sealed dimensions, with the median days from the request to the
// submission; it suppresses groups under five, and its filters narrow by
// period and kind.
func TestCalibrationReport(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ana := staff(t, db, "ana", escudo.RoleAnalyst, 0)
		beto := staff(t, db, "beto", escudo.RoleAnalyst, 0)
		submit := func(u *escudo.User, d escudo.EvaluationDraft, wait time.Duration) {
			t.Helper()
			caseID := admitted(t, db, "Persona "+u.Username+time.Duration(clock.Now().UnixNano()).String(), escudo.ProcedureOrdinary)
			clock.Advance(wait)
			ctx := withUser(u)
			id, err := db.StartEvaluation(ctx, caseID, escudo.EvaluationFull, escudo.ReasonInitial)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitEvaluation(ctx, id, d); err != nil {
				t.Fatal(err)
			}
		}
		// ana: 4 extraordinario (women) after 1, 2, 3, 10 days;
		// beto: 2 ordinario (men) after 1 and 2 days.
		for _, days := range []int{1, 2, 3, 10} {
			submit(ana, fullAnswers(), time.Duration(days)*24*time.Hour)
		}
		for _, days := range []int{1, 2} {
			submit(beto, lowAnswers(), time.Duration(days)*24*time.Hour)
		}
		r, err := db.CalibrationReport(context.Background(), store.CalibrationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Total.Count != 6 || r.Total.High != 4 || r.Total.Extreme != 0 || !r.Total.HasMedian || r.Total.MedianDays != 2 {
			t.Fatalf("total = %+v", r.Total)
		}
		if len(r.Analysts) != 2 {
			t.Fatalf("analysts = %+v", r.Analysts)
		}
		a, b := r.Analysts[0], r.Analysts[1]
		if a.Name != ana.DisplayName || a.Count != 4 || a.High != 4 || a.MedianDays != 2.5 || a.Test.Tested {
			t.Errorf("ana = %+v", a)
		}
		if b.Name != beto.DisplayName || b.Count != 2 || b.High != 0 || b.MedianDays != 1.5 {
			t.Errorf("beto = %+v", b)
		}
		// Genders: 4 women and 2 men, both under five: suppressed. The
		// entity (6 in OAX) and profile (6 journalists) are shown.
		for _, g := range r.Genders {
			if !g.Suppressed || g.Count != 0 {
				t.Errorf("gender group %+v not suppressed", g)
			}
		}
		if len(r.Entities) != 1 || r.Entities[0].Key != "OAX" || r.Entities[0].Count != 6 || r.Entities[0].Suppressed {
			t.Errorf("entities = %+v", r.Entities)
		}
		if len(r.Profiles) != 1 || r.Profiles[0].Key != string(escudo.ProfileJournalist) || r.Profiles[0].High != 4 {
			t.Errorf("profiles = %+v", r.Profiles)
		}
		// Kind: no immediate evaluation. Period: only the last three.
		if r, err := db.CalibrationReport(context.Background(), store.CalibrationFilter{Kind: escudo.EvaluationImmediate}); err != nil || r.Total.Count != 0 {
			t.Errorf("immediate = %+v, %v", r, err)
		}
		from := t0.Add(16 * 24 * time.Hour)
		if r, err := db.CalibrationReport(context.Background(), store.CalibrationFilter{From: from}); err != nil || r.Total.Count != 3 {
			t.Errorf("from day 16: %+v, %v", r.Total, err)
		}
	})
}
