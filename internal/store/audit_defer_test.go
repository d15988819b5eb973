package store_test

import (
	"context"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestDeferredAuditsWrittenTogether: reads made under DeferAudits are not
// in the log until FlushAudits, which writes them all in one commit, in
// the order they were made and with the reader taken at the time of each
// read; reads after the flush are written at once again, and a second
// flush writes nothing twice.
func TestDeferredAuditsWrittenTogether(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c, p := newRequest("Persona diferida")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		a := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		actx := store.DeferAudits(escudo.NewContextWithUser(ctx, a))
		if store.DeferAudits(actx) != actx {
			t.Fatal("a second DeferAudits must keep the first deferral")
		}

		before := db.AuditCommits()
		if _, err := db.FindCaseByID(actx, rc.CaseID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CaseMeasures(actx, rc.CaseID); err != nil {
			t.Fatal(err)
		}
		if err := db.AuditReads(actx, "device.list", []store.AuditObject{{Type: "person", ID: p.ID, Fields: "devices"}}); err != nil {
			t.Fatal(err)
		}
		if n := db.AuditCommits() - before; n != 0 {
			t.Fatalf("deferred reads cost %d audit commits before the flush", n)
		}
		if reads, err := db.ReadsOfPerson(ctx, p.ID, 0); err != nil || len(reads) != 0 {
			t.Fatalf("before the flush: %d reads %v", len(reads), err)
		}

		if err := db.FlushAudits(actx); err != nil {
			t.Fatal(err)
		}
		if n := db.AuditCommits() - before; n != 1 {
			t.Fatalf("flush cost %d audit commits, want 1", n)
		}
		reads, err := db.ReadsOfPerson(ctx, p.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range reads {
			if r.ActorName != "analista" {
				t.Fatalf("read recorded for %q", r.ActorName)
			}
			actions = append(actions, r.Action)
		}
		want := []string{"device.list", "measure.read", "case.read"} // newest first
		if len(actions) != len(want) || actions[0] != want[0] || actions[1] != want[1] || actions[2] != want[2] {
			t.Fatalf("reads after the flush: %v, want %v", actions, want)
		}

		// After the flush the deferral is over: a read is written at once.
		if _, err := db.FindCaseByID(actx, rc.CaseID); err != nil {
			t.Fatal(err)
		}
		if n := db.AuditCommits() - before; n != 2 {
			t.Fatalf("read after the flush: %d commits in all, want 2", n)
		}
		if err := db.FlushAudits(actx); err != nil {
			t.Fatal(err)
		}
		if reads, _ := db.ReadsOfPerson(ctx, p.ID, 0); len(reads) != 4 {
			t.Fatalf("after a second flush: %d reads, want 4", len(reads))
		}
		// Without a deferral, FlushAudits does nothing.
		if err := db.FlushAudits(ctx); err != nil || db.AuditCommits()-before != 2 {
			t.Fatalf("flush without a deferral: %v", err)
		}
	})
}
