package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"escudo"
	"escudo/internal/disclosure"
	"escudo/internal/prevention"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// Month-end stocks stay fixed: measures by kind and status and open
// investigations by status and progress are counted as they stood when the
// month closed, however late the sweep publishes it, and a change after
// the month (a measure moved, investigations archived) leaves its stock as
// it was. A quarter's stock is its last month's, cell for cell and atom for
// atom. A live count at publication time fails this test: March would show
// the moves of April.
func TestStocksStayFixedOnceTheMonthIsOver(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now, Prevention: prevention.Config{StallDays: 30}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		jan := time.Date(2026, 1, 10, 18, 0, 0, 0, time.UTC)
		clock.Set(jan)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		follow := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		gn := agency(t, db, "gn", escudo.AgencyFederal, "", true)
		var vests, support []int64
		var invs []int64
		for i := 0; i < 24; i++ {
			c := admitted(t, db, fmt.Sprintf("Persona %d", i), escudo.ProcedureOrdinary)
			measure := "body_armour"
			if i >= 12 {
				measure = "psychosocial_support"
			}
			id, err := grant(withUser(coord), db, coord.ID, escudo.MeasureGrant{CaseID: c, Measure: measure, AgencyID: gn, Source: escudo.SourceBoard, ResolutionID: 1, Reason: "Amenazas."})
			if err != nil {
				t.Fatal(err)
			}
			if i < 12 {
				vests = append(vests, id)
			} else {
				support = append(support, id)
			}
			iid, err := db.RecordIncident(withUser(follow), threat(c, jan.Add(-time.Hour)))
			if err != nil {
				t.Fatal(err)
			}
			vid, err := db.AddInvestigation(withUser(follow), &prevention.Investigation{IncidentID: iid, Authority: "FGE", FileNumber: fmt.Sprintf("CI/%d", i), Status: prevention.InvOpen, OpenedAt: jan})
			if err != nil {
				t.Fatal(err)
			}
			invs = append(invs, vid)
			clock.Advance(time.Minute)
		}
		moveAll := func(ids []int64, to escudo.MeasureStatus) {
			t.Helper()
			for _, id := range ids {
				if err := db.MoveMeasure(withUser(follow), id, to, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		update := func(ids []int64, st prevention.InvestigationStatus, at time.Time) {
			t.Helper()
			for _, id := range ids {
				if err := db.UpdateInvestigation(withUser(follow), &prevention.InvestigationUpdate{InvestigationID: id, Status: st, At: at}); err != nil {
					t.Fatal(err)
				}
			}
		}
		sweep := func(at time.Time) {
			t.Helper()
			clock.Set(at)
			if _, err := db.SweepStatistics(ctx, 10); err != nil {
				t.Fatal(err)
			}
		}
		rel := func(name string) store.StatRelease {
			t.Helper()
			r, err := db.StatRelease(ctx, name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return r
		}
		// count is the cell's count as a reader knows it: its own, or that
		// of a published cell of the same atoms (a margin it equals).
		count := func(r store.StatRelease, labels ...string) int64 {
			t.Helper()
			c, ok := r.Cell(labels...)
			if ok && c.Published() {
				return c.Value
			}
			for _, o := range r.Cells {
				if ok && o.Published() && reflect.DeepEqual(o.Atoms, c.Atoms) {
					return o.Value
				}
			}
			t.Fatalf("%s %v: %+v", r.Name, labels, c)
			return 0
		}
		total := disclosure.TotalLabel

		sweep(time.Date(2026, 2, 5, 18, 0, 0, 0, time.UTC)) // January
		clock.Set(time.Date(2026, 2, 10, 18, 0, 0, 0, time.UTC))
		moveAll(vests, escudo.MeasureNotified)
		sweep(time.Date(2026, 3, 3, 18, 0, 0, 0, time.UTC)) // February
		febMeasures, febInv := rel("measures.status.monthly/2026-02"), rel("investigations.open.monthly/2026-02")
		clock.Set(time.Date(2026, 3, 15, 18, 0, 0, 0, time.UTC))
		update(invs, prevention.InvOpen, clock.Now()) // progress: the clock starts again
		// After March closed, before the sweep publishes it: every measure
		// moves on and every investigation is archived.
		clock.Set(time.Date(2026, 4, 2, 18, 0, 0, 0, time.UTC))
		moveAll(vests, escudo.MeasureImplementing)
		moveAll(support, escudo.MeasureNotified)
		update(invs, prevention.InvArchived, clock.Now())
		sweep(time.Date(2026, 4, 3, 18, 0, 0, 0, time.UTC)) // March and the first quarter

		janM := rel("measures.status.monthly/2026-01")
		if n := count(janM, "protection", string(escudo.MeasureGranted)); n != 12 {
			t.Errorf("January, protection granted: %d, want 12", n)
		}
		if n := count(janM, "psychosocial", string(escudo.MeasureGranted)); n != 12 {
			t.Errorf("January, psychosocial granted: %d, want 12", n)
		}
		if n := count(febMeasures, "protection", string(escudo.MeasureNotified)); n != 12 {
			t.Errorf("February, protection notified: %d, want 12", n)
		}
		marM := rel("measures.status.monthly/2026-03")
		if n := count(marM, "protection", string(escudo.MeasureNotified)); n != 12 {
			t.Errorf("March, protection notified as the month closed: %d, want 12", n)
		}
		if c, ok := marM.Cell("protection", string(escudo.MeasureImplementing)); ok && c.Value != 0 {
			t.Errorf("March counts April's moves: %+v", c)
		}
		if n := count(marM, total, total); n != 24 {
			t.Errorf("March, every measure: %d, want 24", n)
		}
		janInv, marInv := rel("investigations.open.monthly/2026-01"), rel("investigations.open.monthly/2026-03")
		if n := count(janInv, string(prevention.InvOpen), "progressing"); n != 24 {
			t.Errorf("January: %d progressing, want 24", n)
		}
		if n := count(febInv, string(prevention.InvOpen), "stalled"); n != 24 {
			t.Errorf("February: %d without progress for 30 days, want 24", n)
		}
		if n := count(marInv, string(prevention.InvOpen), "progressing"); n != 24 {
			t.Errorf("March (progress on the 15th, archived in April): %d open and progressing, want 24", n)
		}
		// Published months did not change with what came after them.
		if got := rel("measures.status.monthly/2026-02"); !reflect.DeepEqual(got.Cells, febMeasures.Cells) {
			t.Error("February's measures changed after it was published")
		}
		if got := rel("investigations.open.monthly/2026-02"); !reflect.DeepEqual(got.Cells, febInv.Cells) {
			t.Error("February's investigations changed after it was published")
		}
		quarterIsLastMonth(t, db, "2026-03", "2026-Q1")
		noSensitiveFinding(t, db)
	})
}

// quarterIsLastMonth: each stock's quarterly release is its last month's,
// cell for cell: labels, atoms, flag and count.
func quarterIsLastMonth(t *testing.T, db *store.DB, month, quarter string) {
	t.Helper()
	for _, s := range []string{"measures.status", "investigations.open"} {
		m, err := db.StatRelease(context.Background(), s+".monthly/"+month)
		if err != nil {
			t.Fatal(err)
		}
		q, err := db.StatRelease(context.Background(), s+".quarterly/"+quarter)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Cells) != len(q.Cells) {
			t.Fatalf("%s: %d cells in %s, %d in %s", s, len(m.Cells), month, len(q.Cells), quarter)
		}
		for i := range m.Cells {
			mc, qc := m.Cells[i], q.Cells[i]
			if !reflect.DeepEqual(mc.Labels, qc.Labels) || !reflect.DeepEqual(mc.Atoms, qc.Atoms) || mc.Value != qc.Value || mc.Published() != qc.Published() {
				t.Errorf("%s %v: %s %+v, %s %+v", s, mc.Labels, month, mc, quarter, qc)
			}
		}
	}
}

// noSensitiveFinding: disclosure control's audit over every release ever
// published, the stocks among them, finds no count from 1 to 9 published
// or derivable.
func noSensitiveFinding(t *testing.T, db *store.DB) {
	t.Helper()
	findings, _, err := db.VerifyStatistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.Sensitive() {
			t.Errorf("verify: %+v", f)
		}
	}
}

// Small stocks are withheld like any count: a few measures and
// investigations of a kind or status are primary in every month and in the
// quarter, and the whole history, stocks and flows of the same months
// together, passes the audit.
func TestSmallStocksAreWithheld(t *testing.T) {
	clock := testdb.NewClock(time.Time{})
	testdb.Each(t, testdb.Options{Now: clock.Now, Prevention: prevention.Config{StallDays: 30}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		jul := time.Date(2026, 7, 8, 18, 0, 0, 0, time.UTC)
		clock.Set(jul)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		follow := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		gn := agency(t, db, "gn", escudo.AgencyFederal, "", true)
		var ids, invs []int64
		for i := 0; i < 16; i++ {
			c := admitted(t, db, fmt.Sprintf("Persona %d", i), escudo.ProcedureOrdinary)
			measure := "panic_button"
			if i%4 == 0 {
				measure = "psychosocial_support"
			}
			id, err := grant(withUser(coord), db, coord.ID, escudo.MeasureGrant{CaseID: c, Measure: measure, AgencyID: gn, Source: escudo.SourceBoard, ResolutionID: 1, Reason: "Amenazas."})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			if i < 5 {
				iid, err := db.RecordIncident(withUser(follow), threat(c, jul.Add(-time.Hour)))
				if err != nil {
					t.Fatal(err)
				}
				vid, err := db.AddInvestigation(withUser(follow), &prevention.Investigation{IncidentID: iid, Authority: "FGE", FileNumber: fmt.Sprintf("CI/%d", i), Status: prevention.InvComplaint, OpenedAt: jul})
				if err != nil {
					t.Fatal(err)
				}
				invs = append(invs, vid)
			}
		}
		clock.Set(time.Date(2026, 8, 12, 18, 0, 0, 0, time.UTC))
		for _, id := range ids[:3] {
			if err := db.MoveMeasure(withUser(follow), id, escudo.MeasureNotified, ""); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range invs[:2] {
			if err := db.UpdateInvestigation(withUser(follow), &prevention.InvestigationUpdate{InvestigationID: id, Status: prevention.InvOpen, At: clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		clock.Set(time.Date(2026, 10, 2, 18, 0, 0, 0, time.UTC))
		if _, err := db.SweepStatistics(ctx, 10); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"measures.status.monthly/2026-07", "measures.status.monthly/2026-09", "measures.status.quarterly/2026-Q3"} {
			r, err := db.StatRelease(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := r.Cell("psychosocial", disclosure.TotalLabel); c.Status != "primary" {
				t.Errorf("%s: 4 psychosocial measures: %+v", name, c)
			}
			for _, c := range r.Cells {
				if c.Published() && c.Value > 0 && c.Value < 10 {
					t.Errorf("%s %v: %d published", name, c.Labels, c.Value)
				}
			}
		}
		inv, err := db.StatRelease(ctx, "investigations.open.monthly/2026-09")
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := inv.Cell(disclosure.TotalLabel, "stalled"); c.Status != "primary" {
			t.Errorf("September, 5 investigations without progress: %+v", c)
		}
		quarterIsLastMonth(t, db, "2026-09", "2026-Q3")
		noSensitiveFinding(t, db)
	})
}
