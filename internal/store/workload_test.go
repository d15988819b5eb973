package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
	"escudo/internal/workload"
)

// TestWorkloadHistory builds five cases' histories by hand and checks the
// stays the store reads back, the flows counted from them and each
// officer's load, on both engines.
func TestWorkloadHistory(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	since := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(now)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		ana := staff(t, db, "ana", escudo.RoleAnalyst, 0)
		rita := staff(t, db, "rita", escudo.RoleReception, 0)
		sofi := staff(t, db, "sofi", escudo.RoleFollowUp, 0)
		file := func(name string, at time.Time) int64 {
			t.Helper()
			clock.Set(at)
			c, p := newRequest(name)
			rc, err := db.FileRequest(ctx, c, p)
			must(err)
			return rc.CaseID
		}
		admit := func(id int64, at time.Time) {
			t.Helper()
			clock.Set(at)
			must(db.DecideAdmission(ctx, id, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}))
		}
		mark := func(id int64, m escudo.Milestone, at time.Time) {
			t.Helper()
			clock.Set(at)
			must(db.RecordMilestone(ctx, id, m, at, ""))
		}
		// D: its whole history before the window; not read.
		d := file("Caso D", day(2025, 1, 5))
		admit(d, day(2025, 1, 6))
		mark(d, escudo.MilestoneEvaluated, day(2025, 2, 1))
		mark(d, escudo.MilestoneClosed, day(2025, 3, 1))
		// E: received before the window, admitted inside it.
		e := file("Caso E", day(2025, 5, 1))
		admit(e, day(2026, 1, 15))
		// A: evaluated, now before the Board.
		a := file("Caso A", day(2026, 3, 10))
		admit(a, day(2026, 3, 12))
		mark(a, escudo.MilestoneEvaluated, day(2026, 4, 5))
		// B: closed during its evaluation.
		b := file("Caso B", day(2026, 4, 20))
		admit(b, day(2026, 4, 21))
		mark(b, escudo.MilestoneClosed, day(2026, 5, 2))
		// C: waiting at reception.
		c := file("Caso C", day(2026, 5, 10))
		clock.Set(now)
		must(db.AssignCase(ctx, a, ana.ID, ""))
		must(db.AssignCase(ctx, e, ana.ID, ""))
		must(db.AssignCase(ctx, c, rita.ID, ""))
		must(db.AssignCase(ctx, b, sofi.ID, "")) // closed: no load
		_ = d

		got, err := db.WorkloadHistory(ctx, since, true)
		must(err)
		if len(got.Intervals) != 8 {
			t.Errorf("%d stays, want 8: %+v", len(got.Intervals), got.Intervals)
		}
		flows := workload.Flows(got.Intervals, workload.Month, now, time.UTC)
		// Months from July 2025 (index 0) to June 2026 (11): January is
		// 6, March 8, April 9, May 10.
		type want struct {
			start, open int
			arr, comp   map[int]int
		}
		wants := map[escudo.Stage]want{
			escudo.StageReception:  {start: 1, open: 1, arr: map[int]int{8: 1, 9: 1, 10: 1}, comp: map[int]int{6: 1, 8: 1, 9: 1}},
			escudo.StageEvaluation: {start: 0, open: 1, arr: map[int]int{6: 1, 8: 1, 9: 1}, comp: map[int]int{9: 1, 10: 1}},
			escudo.StageBoard:      {start: 0, open: 1, arr: map[int]int{9: 1}, comp: map[int]int{}},
		}
		for _, f := range flows {
			w, ok := wants[f.Stage]
			if !ok {
				w = want{arr: map[int]int{}, comp: map[int]int{}}
			}
			if f.StockAtStart != w.start || f.Open != w.open {
				t.Errorf("%s: start %d open %d, want %d %d", f.Stage, f.StockAtStart, f.Open, w.start, w.open)
			}
			for i, bk := range f.Buckets {
				if bk.Arrivals != w.arr[i] || bk.Completions != w.comp[i] {
					t.Errorf("%s month %d (%s): %d in %d out, want %d %d", f.Stage, i, bk.From.Format("2006-01"), bk.Arrivals, bk.Completions, w.arr[i], w.comp[i])
				}
			}
			if last := f.Buckets[len(f.Buckets)-1].Stock; last != w.open {
				t.Errorf("%s: stock at the end %d, want %d", f.Stage, last, w.open)
			}
		}
		loads := map[string]workload.Officer{}
		for _, o := range got.Officers {
			loads[o.Name] = o
		}
		if len(loads) != 2 || loads["ana"].Cases != 2 || loads["ana"].People != 2 || loads["ana"].Role != escudo.RoleAnalyst ||
			loads["rita"].Cases != 1 || loads["rita"].Role != escudo.RoleReception {
			t.Errorf("officers: %+v", got.Officers)
		}
	})
}
