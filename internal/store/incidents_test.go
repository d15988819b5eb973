package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"escudo"
	"escudo/internal/prevention"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func threat(caseID int64, at time.Time) *prevention.Incident {
	return &prevention.Incident{CaseID: caseID, Kind: prevention.IncidentThreat, Aggressor: prevention.AggressorMunicipal, OccurredAt: at,
		TimePrecision: prevention.TimeDay, Entity: "COA", Municipality: "Saltillo", Place: "Calle Juan de Erbáez 2406",
		PlacePrecision: prevention.PlaceExact, Description: "Dos hombres armados preguntaron por el coordinador del albergue.", Evidence: "Video de la cámara de la entrada"}
}

// Bad input is refused with field errors and writes nothing: no incident,
// no event, no request, no notice.
func TestIncidentRefusalsChangeNothing(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		fu := withUser(staff(t, db, "seguimiento", escudo.RoleFollowUp, 0))
		id := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureOrdinary)
		count := func() string {
			return fmt.Sprint(countRows(t, db, `SELECT COUNT(*) FROM incidents`), countRows(t, db, `SELECT COUNT(*) FROM case_events`),
				countRows(t, db, `SELECT COUNT(*) FROM reevaluation_requests`), countRows(t, db, `SELECT COUNT(*) FROM outbox`))
		}
		before := count()
		for _, tc := range []struct {
			edit func(*prevention.Incident)
			want string
		}{
			{func(in *prevention.Incident) { in.OccurredAt = t0.Add(48 * time.Hour) }, "occurred_at incident.future"},
			{func(in *prevention.Incident) { in.Aggressor = "aliens" }, "aggressor_type incident.aggressor_unknown"},
			{func(in *prevention.Incident) { in.Kind = "rumour"; in.Serious = true }, "incident_kind incident.kind_unknown"},
			{func(in *prevention.Incident) { in.TimePrecision = "decade" }, "time_precision incident.time_precision_unknown"},
			{func(in *prevention.Incident) { in.PlacePrecision = "street" }, "place_precision incident.place_precision_unknown"},
			{func(in *prevention.Incident) { in.Kind = prevention.IncidentRaid; in.AlertIDs = []int64{999999} }, "alert_ids incident.alert_unknown"},
		} {
			in := threat(id, t0.Add(-time.Hour))
			tc.edit(in)
			_, err := db.RecordIncident(fu, in)
			if !slicesHas(fieldKeys(err), tc.want) {
				t.Errorf("%s: got %v", tc.want, err)
			}
		}
		if after := count(); after != before {
			t.Errorf("refusals wrote rows: %s → %s", before, after)
		}
		if _, err := db.AddInvestigation(fu, &prevention.Investigation{IncidentID: 1, Status: prevention.InvOpen, OpenedAt: t0}); !slicesHas(fieldKeys(err), "authority investigation.authority_needed") || !slicesHas(fieldKeys(err), "file_number investigation.file_needed") {
			t.Errorf("investigation without authority or file: %v", err)
		}
	})
}

// A serious incident, in its transaction: the re-evaluation request, the
// follow-up officer's notice, the timeline event, the audit entry. The
// sealed fields open only as asked.
func TestSeriousIncident(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		officer := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		fu := withUser(officer)
		id := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureOrdinary)
		if err := db.AssignCase(context.Background(), id, officer.ID, ""); err != nil {
			t.Fatal(err)
		}
		// A threat is not serious by default: no request, no notice.
		if _, err := db.RecordIncident(fu, threat(id, t0.Add(-2*time.Hour))); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM reevaluation_requests WHERE case_id = ?`, id); n != 0 {
			t.Fatalf("a threat asked for %d re-evaluations", n)
		}
		raid := threat(id, t0.Add(-time.Hour))
		raid.Kind = prevention.IncidentRaid
		iid, err := db.RecordIncident(fu, raid)
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM reevaluation_requests WHERE case_id = ? AND cause = 'incident'`, id); n != 1 {
			t.Errorf("re-evaluation requests: %d", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient_user = ?`, store.KindIncidentSerious, officer.ID); n != 1 {
			t.Errorf("notices to the follow-up officer: %d", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM case_events WHERE case_id = ? AND kind = ?`, id, prevention.EventIncident); n != 2 {
			t.Errorf("timeline events: %d", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'incident.record'`); n != 2 {
			t.Errorf("audit entries: %d", n)
		}
		q, err := db.ReevaluationQueue(context.Background())
		if err != nil || len(q) != 1 || q[0].Cause != escudo.ReevalIncident {
			t.Errorf("queue: %+v %v", q, err)
		}
		list, err := db.CaseIncidents(fu, id, store.Opened{Risk: true})
		if err != nil || len(list) != 2 || list[0].ID != iid || !list[0].Serious || list[0].Description == "" || list[0].Place != "" {
			t.Fatalf("timeline: %+v %v", list, err)
		}
		in, err := db.FindIncident(fu, iid, store.Opened{Location: true})
		if err != nil || in.Place != "Calle Juan de Erbáez 2406" || in.Description != "" {
			t.Errorf("find: %+v %v", in, err)
		}
	})
}

// The impunity clock: an investigation without progress for the
// configured days is flagged once and escalated to the coordination and
// the case's officer; progress clears the flag.
func TestInvestigationStalledOnce(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now, Prevention: prevention.Config{StallDays: 30}}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		officer := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		fu := withUser(officer)
		id := admitted(t, db, "Centro Juan Gerardi", escudo.ProcedureOrdinary)
		if err := db.AssignCase(context.Background(), id, officer.ID, ""); err != nil {
			t.Fatal(err)
		}
		iid, err := db.RecordIncident(fu, threat(id, t0.Add(-time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		vid, err := db.AddInvestigation(fu, &prevention.Investigation{IncidentID: iid, Authority: "FGE Coahuila", FileNumber: "CI/SAL/0042/2026", Status: prevention.InvComplaint, OpenedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		sweep := func() int {
			n, err := db.SweepInvestigations(context.Background(), 100)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := sweep(); n != 0 {
			t.Fatalf("flagged a fresh investigation: %d", n)
		}
		clock.Advance(31 * 24 * time.Hour)
		if n := sweep(); n != 1 {
			t.Fatalf("stalled: %d", n)
		}
		if n := sweep(); n != 0 {
			t.Fatalf("flagged twice: %d", n)
		}
		for _, u := range []int64{officer.ID, coord.ID} {
			if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient_user = ?`, store.KindInvestigationStalled, u); n != 1 {
				t.Errorf("notices to %d: %d", u, n)
			}
		}
		v, err := db.FindInvestigation(context.Background(), vid)
		if err != nil || v.StalledAt == nil || v.FileNumber != "CI/SAL/0042/2026" {
			t.Fatalf("%+v %v", v, err)
		}
		if err := db.UpdateInvestigation(fu, &prevention.InvestigationUpdate{InvestigationID: vid, Status: prevention.InvCharges, At: clock.Now().Add(-time.Hour), Note: "Vinculación a proceso de un policía municipal"}); err != nil {
			t.Fatal(err)
		}
		if v, _ = db.FindInvestigation(context.Background(), vid); v.StalledAt != nil || v.Status != prevention.InvCharges {
			t.Errorf("after progress: %+v", v)
		}
		h, err := db.InvestigationHistory(context.Background(), vid, true)
		if err != nil || len(h) != 2 || h[1].Note == "" {
			t.Errorf("history: %+v %v", h, err)
		}
		ent, auth := prevention.Impunity(mustFacts(t, db), clock.Now(), db.Prevention())
		if len(ent) != 1 || ent[0].Open != 1 || auth[0].Key != "FGE Coahuila" {
			t.Errorf("impunity: %+v %+v", ent, auth)
		}
	})
}

func mustFacts(t *testing.T, db *store.DB) []prevention.InvestigationFact {
	f, err := db.ImpunityFacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A cluster in one municipality raises one warning for the municipality
// and one for its entity, with the cases, once, and tells the prevention
// and follow-up officers and the coordination.
func TestWarningRaisedOnce(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0.Add(3 * 24 * time.Hour)) // Thursday of the week of t0
		officer := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		fu := withUser(officer)
		a := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureOrdinary)
		b := admitted(t, db, "Frontera con Justicia", escudo.ProcedureOrdinary)
		for i, c := range []int64{a, b, a, b} {
			if _, err := db.RecordIncident(fu, threat(c, t0.Add(time.Duration(i+1)*6*time.Hour))); err != nil {
				t.Fatal(err)
			}
		}
		ws, err := db.CheckWarnings(context.Background(), clock.Now())
		if err != nil || len(ws) != 2 {
			t.Fatalf("check: %+v %v", ws, err)
		}
		n, err := db.SweepWarnings(context.Background(), 100)
		if err != nil || n != 2 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		if n, _ := db.SweepWarnings(context.Background(), 100); n != 0 {
			t.Fatalf("raised again: %d", n)
		}
		list, err := db.EarlyWarnings(context.Background(), 10)
		if err != nil || len(list) != 2 || fmt.Sprint(list[1].CaseIDs) != fmt.Sprint([]int64{a, b}) || list[1].Municipality != "Saltillo" || list[1].Count != 4 {
			t.Fatalf("warnings: %+v %v", list, err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ?`, store.KindWarningRaised); n != 4 {
			t.Errorf("notices: %d (2 warnings × 2 people)", n)
		}
	})
}
