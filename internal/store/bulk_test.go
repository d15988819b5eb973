package store

import (
	"bytes"
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/vault"
)

func bulkTestDB(t *testing.T, now time.Time) *DB {
	t.Helper()
	key, err := vault.NewMasterKey([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), Options{DataDir: t.TempDir(), Keys: key, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Requests loaded in bulk leave an audit chain that verifies, in time order,
// with one entry per action, interleaved with entries written the usual way.
func TestFileRequestsAuditChain(t *testing.T) {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	db := bulkTestDB(t, t0.Add(90*24*time.Hour))
	ctx := context.Background()
	analyst := &escudo.User{Username: "ana", DisplayName: "Ana", Role: escudo.RoleAnalyst}
	if err := db.CreateUser(ctx, analyst, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	var reqs []BulkRequest
	for i := range 3 {
		at := t0.Add(time.Duration(i) * 24 * time.Hour)
		reqs = append(reqs, BulkRequest{
			Case:   &escudo.Case{Channel: escudo.ChannelHotline, ReceivedAt: at, Narrative: "Amenazas tras una publicación."},
			Person: &escudo.Person{Kind: escudo.KindIndividual, Profile: escudo.ProfileJournalist, Name: "Persona Ficticia", Entity: "GRO"},
			Steps: []BulkStep{
				{At: at.Add(time.Hour), Actor: analyst.ID, Admission: &escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}},
				{At: at.Add(2 * time.Hour), Actor: analyst.ID, AssignTo: analyst.ID},
				{At: at.Add(20 * 24 * time.Hour), Actor: analyst.ID, Milestone: escudo.MilestoneEvaluated, Note: "Evaluación tardía."},
				{At: at.Add(21 * 24 * time.Hour), Actor: analyst.ID, Note: "Llamada de seguimiento."},
			},
		})
	}
	// An invalid step rejects the whole load before anything is written.
	bad := append([]BulkRequest(nil), reqs...)
	bad = append(bad, BulkRequest{Case: &escudo.Case{Channel: escudo.ChannelWeb, ReceivedAt: t0, Narrative: "x"},
		Person: &escudo.Person{Profile: escudo.ProfileDefender, Name: "Otra Persona", Entity: "OAX"},
		Steps:  []BulkStep{{At: t0.Add(-time.Hour), Note: "antes de la solicitud"}}})
	if _, err := db.FileRequests(ctx, bad, 2); err == nil {
		t.Fatal("a step before its request was accepted")
	}
	if _, err := db.FileRequests(ctx, reqs, 4); err != nil { // several transactions
		t.Fatal(err)
	}
	if err := db.AddNote(ctx, 1, "Nota escrita por el camino habitual."); err != nil {
		t.Fatal(err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT seq, at, actor_id, actor_role, action, object_type, object_id, fields, outcome, remote, prev_hash, hash, chain, occurrences FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	prev := make([]byte, 32)
	var last time.Time
	actions := map[string]int{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		var actor *int64
		if err := rows.Scan(&e.Seq, &at, &actor, &e.ActorRole, &e.Action, &e.ObjectType, &e.ObjectID, &e.Fields, &e.Outcome, &e.Remote, &e.PrevHash, &e.Hash, &e.Chain, &e.Count); err != nil {
			t.Fatal(err)
		}
		if actor != nil {
			e.ActorID = *actor
		}
		e.At = fromMicros(at)
		if !bytes.Equal(e.PrevHash, prev) || e.Chain != ChainKeyed || !bytes.Equal(HashEntryKeyed(db.auditKey, &e), e.Hash) {
			t.Fatalf("audit chain broken at %d (%s)", e.Seq, e.Action)
		}
		// Entry 1 is the account, created "now"; the loaded history follows in time order.
		if e.Seq > 2 && e.At.Before(last) {
			t.Fatalf("audit entry %d (%s) earlier than the one before", e.Seq, e.Action)
		}
		prev, last = e.Hash, e.At
		actions[e.Action]++
	}
	if actions["case.create"] != 3 || actions["case.admission"] != 3 || actions["case.assign"] != 3 || actions["case.milestone"] != 3 || actions["case.note"] != 4 {
		t.Fatalf("audit actions %v", actions)
	}
	c, err := db.FindCaseByID(ctx, 2)
	if err != nil || c.Stage != escudo.StageBoard || c.AssignedTo != analyst.ID {
		t.Fatalf("bulk case: %v %+v", err, c)
	}
	for _, k := range c.Clocks {
		if k.Rule == "evaluation" && k.Status != escudo.ClockLate {
			t.Fatalf("evaluation after 20 days must be late: %+v", k)
		}
	}
}
