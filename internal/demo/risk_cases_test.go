package demo

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The demo's shelter shows the three features alive: the IACHR measure in
// force, an appeal before the Council, and the case in the re-evaluation
// queue for a serious incident.
func TestSeedAssessmentsAndAppeals(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := &Clock{}
	clock.Set(now)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(now)
		ctx := context.Background()
		users := map[string]*escudo.User{}
		for name, role := range map[string]escudo.Role{"recepcion": escudo.RoleReception, "coordinacion": escudo.RoleCoordinator,
			"analista": escudo.RoleAnalyst, "seguimiento": escudo.RoleFollowUp} {
			u := &escudo.User{Username: name, DisplayName: name, Role: role}
			if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
				t.Fatal(err)
			}
			users[name] = u
		}
		reqs, receipts, err := SeedAssessmentsAndAppeals(ctx, db, clock, users, now)
		if err != nil || len(reqs) != 2 || len(receipts) != 2 {
			t.Fatal(reqs, err)
		}
		id := receipts[0].CaseID
		if !clock.Now().Equal(now) {
			t.Fatalf("clock left at %v", clock.Now())
		}
		uctx := escudo.NewContextWithUser(ctx, users["analista"])
		as, err := db.CaseAssessments(uctx, id)
		if err != nil || len(as) != 1 || as[0].Reference != "MC-312-09" || as[0].Level != escudo.RiskExtraordinary || !as[0].InForce() {
			t.Fatalf("assessments: %+v %v", as, err)
		}
		ap, err := db.Appeals(uctx, 0, true)
		if err != nil || len(ap) != 1 || ap[0].CaseID != id || ap[0].State != "persisted" {
			t.Fatalf("appeals for the Council: %+v %v", ap, err)
		}
		q, err := db.ReevaluationQueue(ctx)
		if err != nil || len(q) != 1 || q[0].CaseID != id || q[0].Cause != escudo.ReevalIncident {
			t.Fatalf("queue: %+v %v", q, err)
		}
	})
}
