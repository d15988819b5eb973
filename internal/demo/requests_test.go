package demo_test

import (
	"context"
	"testing"

	"escudo/internal/coordination"
	"escudo/internal/demo"
	"escudo/internal/store"
)

// checkDemoRequests: the demo has requests to agencies in every federal
// entity with a case, some overdue and escalated, one acknowledged
// through its e-mailed link and one waiting for its receipt; the
// performance figures count them all.
func checkDemoRequests(t *testing.T, ctx context.Context, db *store.DB, res *demo.Result) {
	t.Helper()
	r := res.AgencyRequests
	entities := map[string]bool{}
	for _, q := range res.Requests {
		entities[q.Person.Entity] = true
	}
	if r == nil || r.Entities != len(entities) || r.Total != 2*r.Entities || r.ByLink == 0 || r.Waiting == 0 || len(r.Overdue) < 3 {
		t.Fatalf("demo requests: %+v", r)
	}
	byLink, err := db.FindRequest(ctx, r.ByLink)
	if err != nil || byLink.AckChannel != coordination.AckByLink || byLink.Status != coordination.RequestCompleted {
		t.Errorf("the request acknowledged by link: %+v %v", byLink, err)
	}
	waiting, err := db.FindRequest(ctx, r.Waiting)
	if err != nil || waiting.Status != coordination.RequestSent || waiting.Overdue(db.Now()) {
		t.Errorf("the request sent this morning: %+v %v", waiting, err)
	}
	for _, id := range r.Overdue {
		x, err := db.FindRequest(ctx, id)
		if err != nil || !x.Overdue(db.Now()) || x.Escalation < 0 {
			t.Errorf("overdue request %d: %+v %v", id, x, err)
		}
	}
	facts, err := db.RequestFacts(ctx, db.Now().AddDate(0, 0, -90), db.Now().AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	byAgency, byEntity := coordination.Tally(facts, db.Now())
	overdue := 0
	for _, p := range byAgency {
		overdue += p.Overdue
	}
	if len(facts) != r.Total || len(byEntity) != r.Entities || overdue != len(r.Overdue) {
		t.Errorf("performance: %d facts, %d entities, %d overdue; want %d, %d, %d", len(facts), len(byEntity), overdue, r.Total, r.Entities, len(r.Overdue))
	}
}
