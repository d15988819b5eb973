package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Paging through the backlog shows every open case exactly once: first those
// with a running clock by deadline, then those without one, oldest first,
// whatever the page size; filters apply to both parts.
func TestBacklogPagesEveryOpenCaseOnce(t *testing.T) {
	clock := testdb.NewClock(t0)
	// Only extraordinary requests run a clock, so ordinary ones have none.
	rules := []escudo.ClockRule{{Name: "urgent_issued", Start: escudo.MilestoneReceived, Stop: escudo.MilestoneUrgentIssued,
		Limit: escudo.Duration(3 * time.Hour), Procedure: escudo.ProcedureExtraordinary}}
	testdb.Each(t, testdb.Options{Now: clock.Now, Rules: rules}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		var withClock, without []int64
		for i := range 7 {
			c, p := newRequest(fmt.Sprintf("Persona Ficticia %d", i))
			c.ImminentDanger = i%3 == 0
			if i == 5 {
				p.Entity = "GRO"
			}
			rc, err := db.FileRequest(ctx, c, p)
			if err != nil {
				t.Fatal(err)
			}
			if c.ImminentDanger {
				withClock = append(withClock, rc.CaseID)
			} else {
				without = append(without, rc.CaseID)
			}
			clock.Advance(time.Hour)
		}
		// One closed case never shows.
		c, p := newRequest("Persona Cerrada")
		rc, _ := db.FileRequest(ctx, c, p)
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionNotAdmitted, Reason: "Sin relación con la labor."}); err != nil {
			t.Fatal(err)
		}
		want := append(append([]int64(nil), withClock...), without...)
		for _, size := range []int{1, 2, 3, 50} {
			var got []int64
			for off := 0; off < 20; off += size {
				b, err := db.Backlog(ctx, escudo.CaseFilter{Offset: off, Limit: size})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range b.Rows {
					got = append(got, r.Case.ID)
				}
				if b.Total != 7 {
					t.Fatalf("total %d, want 7 open cases", b.Total)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("page size %d: backlog order %v, want %v", size, got, want)
			}
		}
		b, err := db.Backlog(ctx, escudo.CaseFilter{Entity: "GRO"})
		if err != nil || len(b.Rows) != 1 || b.Rows[0].Case.Entity != "GRO" {
			t.Fatalf("filtered backlog: %v %+v", err, b)
		}
		if b.Rows[0].NextClock != nil {
			t.Fatal("a case without running clocks shows a next deadline")
		}
		clock.Advance(10 * time.Hour)
		b, _ = db.Backlog(ctx, escudo.CaseFilter{Breached: true})
		if len(b.Rows) != len(withClock) || b.BreachedCount != len(withClock) || b.Rows[0].NextClock == nil || b.Rows[0].Breaches != 1 {
			t.Fatalf("breached backlog: %+v", b)
		}
	})
}
