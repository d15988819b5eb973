package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The backlog's counts follow every case change on this node at once, and
// clocks falling due within the cache's lifetime.
func TestBacklogFiguresFreshness(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		b, err := db.Backlog(ctx, escudo.CaseFilter{})
		if err != nil || b.Total != 0 {
			t.Fatalf("empty board: %+v %v", b, err)
		}
		c, p := newRequest("Ana Torres")
		c.ImminentDanger = true
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = db.Backlog(ctx, escudo.CaseFilter{})
		if b.Total != 1 || b.StageCounts[escudo.StageReception] != 1 {
			t.Fatalf("new case not counted at once: %+v", b)
		}
		if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		b, _ = db.Backlog(ctx, escudo.CaseFilter{})
		if b.StageCounts[escudo.StageEvaluation] != 1 || b.StageCounts[escudo.StageReception] != 0 {
			t.Fatalf("stage change not counted at once: %+v", b.StageCounts)
		}
		// The urgent clock (3 h) falls due with no write: shown once the
		// counts are older than the cache's lifetime.
		clock.Advance(3*time.Hour + time.Second)
		b, _ = db.Backlog(ctx, escudo.CaseFilter{})
		if b.BreachedCount != 1 {
			t.Fatalf("breach not counted after %v: %d", store.BacklogFiguresTTL, b.BreachedCount)
		}
		if !b.FiguresAt.Equal(clock.Now()) {
			t.Fatalf("figures time %v, want %v", b.FiguresAt, clock.Now())
		}
	})
}
