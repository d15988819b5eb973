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

// TestListReadsAuditedPerObject: a staff member who lists 50 cases appears
// in each of the 50 people's "who read my data", the page costing one audit
// transaction; people not on the page see nothing. The backlog and a search
// are recorded the same way, and so are device and alert lists (through
// AuditReads) and refusals, newest first, a page at a time.
func TestListReadsAuditedPerObject(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var people []int64
		byCase := map[int64]int64{}
		for i := range 60 {
			c, p := newRequest(fmt.Sprintf("Persona %02d", i))
			rc, err := db.FileRequest(ctx, c, p)
			if err != nil {
				t.Fatal(err)
			}
			people = append(people, p.ID)
			byCase[rc.CaseID] = p.ID
			clock.Advance(time.Second)
		}
		a := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		actx := escudo.NewContextWithUser(ctx, a)

		before := db.AuditCommits()
		page, _, err := db.FindCases(actx, escudo.CaseFilter{Limit: 50})
		if err != nil || len(page) != 50 {
			t.Fatalf("list: %d %v", len(page), err)
		}
		if n := db.AuditCommits() - before; n != 1 {
			t.Fatalf("listing 50 cases cost %d audit transactions, want 1", n)
		}
		listed := map[int64]bool{}
		for _, c := range page {
			listed[byCase[c.ID]] = true
		}
		for _, pid := range people {
			reads, err := db.ReadsOfPerson(ctx, pid, 0)
			if err != nil {
				t.Fatal(err)
			}
			found := len(reads) == 1 && reads[0].Action == "case.list" && reads[0].ActorName == "analista" &&
				reads[0].Outcome == store.OutcomeOK && reads[0].ObjectType == "case"
			if listed[pid] != found {
				t.Fatalf("person %d (listed %v): reads %+v", pid, listed[pid], reads)
			}
		}

		// The backlog and a search by name, each one write.
		first := people[len(people)-1] // the newest case: on the first page
		before = db.AuditCommits()
		if _, err := db.Backlog(actx, escudo.CaseFilter{Limit: 60}); err != nil {
			t.Fatal(err)
		}
		if hits, _, err := db.FindCases(actx, escudo.CaseFilter{Query: "Persona 59"}); err != nil || len(hits) != 1 {
			t.Fatalf("search: %d %v", len(hits), err)
		}
		if n := db.AuditCommits() - before; n != 2 {
			t.Fatalf("backlog and search cost %d audit transactions, want 2", n)
		}

		// Device and alert lists record through AuditReads.
		dev := &escudo.Device{Kind: escudo.DevicePanicButton, PersonID: first, Auth: escudo.AuthToken, HeartbeatInterval: time.Minute}
		if _, err := db.CreateDevice(ctx, dev); err != nil {
			t.Fatal(err)
		}
		var alertID int64
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			it := &store.NewAlert{In: &escudo.AlertInput{PersonID: first, Type: escudo.AlertPanic, Source: escudo.SourceHotline, ReceivedAt: clock.Now()}, Entity: "OAX"}
			err := tx.InsertAlerts(ctx, []*store.NewAlert{it}, 0)
			alertID = it.Alert.ID
			return err
		}); err != nil {
			t.Fatal(err)
		}
		before = db.AuditCommits()
		if err := db.AuditReads(actx, "device.list", []store.AuditObject{{Type: "device", ID: dev.ID, Fields: "phone"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.AuditReads(actx, "alert.list", []store.AuditObject{{Type: "alert", ID: alertID, Fields: "location"}, {Type: "alert", ID: alertID, Fields: "location"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.AuditReads(actx, "alert.list", nil); err != nil {
			t.Fatal(err)
		}
		if n := db.AuditCommits() - before; n != 2 {
			t.Fatalf("two lists cost %d audit transactions, want 2 (and none for an empty list)", n)
		}

		// A refused attempt on the person shows, marked as refused.
		l := &escudo.User{Username: "enlace", DisplayName: "Enlace Estatal", Role: escudo.RoleLiaison, Entity: "GRO", Agency: "Policía"}
		if err := db.CreateUser(ctx, l, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if err := db.Audit(escudo.NewContextWithUser(ctx, l), store.AuditEntry{Action: "person.read.identity", ObjectType: "person",
			ObjectID: fmt.Sprint(first), Fields: "reason:entity", Outcome: store.OutcomeDenied}); err != nil {
			t.Fatal(err)
		}
		// A write is not a read: it does not show.
		if err := db.Audit(actx, store.AuditEntry{Action: "case.note", ObjectType: "person", ObjectID: fmt.Sprint(first)}); err != nil {
			t.Fatal(err)
		}

		reads, err := db.ReadsOfPerson(ctx, first, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range reads {
			got = append(got, r.Action+"/"+r.ObjectType+"/"+r.Outcome)
		}
		want := []string{"person.read.identity/person/denied", "alert.list/alert/ok", "device.list/device/ok",
			"case.search/case/ok", "case.backlog/case/ok", "case.list/case/ok"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("reads of the person, newest first:\n got %v\nwant %v", got, want)
		}
		if reads[0].ActorName != "Enlace Estatal" {
			t.Fatalf("refusal without its actor: %+v", reads[0])
		}
		// Paged: two at a time, then the rest.
		p1, err := db.ReadsOfPersonBefore(ctx, first, 0, 2)
		if err != nil || len(p1) != 2 {
			t.Fatalf("page 1: %v %v", p1, err)
		}
		p2, err := db.ReadsOfPersonBefore(ctx, first, p1[1].Seq, 10)
		if err != nil || len(p2) != 4 || p2[0].Action != "device.list" {
			t.Fatalf("page 2: %+v %v", p2, err)
		}
		// The chain still verifies with the per-object entries in it.
		if _, err := db.VerifyAudit(ctx, nil); err != nil {
			t.Fatalf("verify: %v", err)
		}
	})
}
