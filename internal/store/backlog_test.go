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

// An imminent-danger request heads the backlog and every queue until someone
// is assigned to it and its urgent measures are issued (procedure.Pinned),
// even when another case's deadline is nearer or already breached.
func TestImminentDangerPinnedUntilAttended(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		sup := staff(t, db, "supervisora", escudo.RoleCoordinator, 0)
		ana := staff(t, db, "analista", escudo.RoleAnalyst, sup.ID)
		beto := staff(t, db, "beto", escudo.RoleAnalyst, sup.ID)
		// An older extraordinary case, already breached, assigned to ana.
		old, p := newRequest("Centro Juan Gerardi")
		old.Procedure = escudo.ProcedureExtraordinary
		ro, err := db.FileRequest(ctx, old, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AssignCase(ctx, ro.CaseID, ana.ID, ""); err != nil {
			t.Fatal(err)
		}
		clock.Advance(12 * time.Hour)
		c, p := newRequest("Albergue de Saltillo")
		c.ImminentDanger = true
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		head := func(f escudo.CaseFilter) (first int64, pinned bool, ids []int64) {
			t.Helper()
			b, err := db.Backlog(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range b.Rows {
				ids = append(ids, r.Case.ID)
			}
			if len(b.Rows) == 0 {
				return 0, false, nil
			}
			return b.Rows[0].Case.ID, b.Rows[0].Pinned, ids
		}
		queue := func(u int64) []escudo.BacklogRow {
			t.Helper()
			rows, err := db.CasesByDeadline(ctx, escudo.CaseFilter{AssignedTo: u})
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		if id, pinned, ids := head(escudo.CaseFilter{}); id != rc.CaseID || !pinned || len(ids) != 2 {
			t.Fatalf("unassigned imminent danger: backlog %v (pinned %v), want %d first and pinned", ids, pinned, rc.CaseID)
		}
		if id, pinned, _ := head(escudo.CaseFilter{Unassigned: true}); id != rc.CaseID || !pinned {
			t.Fatal("the 'nobody' filter does not carry the pinned case")
		}
		// Unassigned: it heads every person's queue, ahead of their breached case.
		for _, u := range []int64{ana.ID, beto.ID} {
			if q := queue(u); len(q) == 0 || q[0].Case.ID != rc.CaseID || !q[0].Pinned {
				t.Fatalf("queue of user %d does not start with the unassigned imminent case: %+v", u, q)
			}
		}
		if q := queue(ana.ID); len(q) != 2 || q[1].Case.ID != ro.CaseID || q[1].Pinned {
			t.Fatalf("ana's own case missing or pinned: %+v", q)
		}
		// Assigned to beto, urgent measures not yet issued: still pinned in
		// the backlog and in beto's queue, no longer in ana's.
		if err := db.AssignCase(ctx, rc.CaseID, beto.ID, ""); err != nil {
			t.Fatal(err)
		}
		if id, pinned, _ := head(escudo.CaseFilter{}); id != rc.CaseID || !pinned {
			t.Fatal("assigned but without urgent measures: no longer pinned")
		}
		if q := queue(beto.ID); len(q) != 1 || !q[0].Pinned {
			t.Fatalf("beto's queue: %+v", q)
		}
		if q := queue(ana.ID); len(q) != 1 || q[0].Case.ID != ro.CaseID {
			t.Fatalf("ana's queue still carries a case assigned to beto: %+v", q)
		}
		// Urgent measures issued: back in deadline order, the breached case first.
		issueUrgent(t, db, ctx, rc.CaseID)
		if id, pinned, ids := head(escudo.CaseFilter{}); id != ro.CaseID || pinned || len(ids) != 2 {
			t.Fatalf("attended: backlog %v (first pinned %v), want the breached case %d first", ids, pinned, ro.CaseID)
		}
		// A second page never repeats the pinned head.
		c2, p2 := newRequest("Silvia Pérez Yescas")
		c2.ImminentDanger = true
		r2, err := db.FileRequest(ctx, c2, p2)
		if err != nil {
			t.Fatal(err)
		}
		var seen []int64
		for off := 0; off < 5; off++ {
			b, err := db.Backlog(ctx, escudo.CaseFilter{Offset: off, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range b.Rows {
				seen = append(seen, r.Case.ID)
			}
		}
		if fmt.Sprint(seen) != fmt.Sprint([]int64{r2.CaseID, ro.CaseID, rc.CaseID}) {
			t.Fatalf("pages of one: %v", seen)
		}
	})
}
