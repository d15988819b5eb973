package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/measures"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

func agency(t *testing.T, db *store.DB, code string, level escudo.AgencyLevel, entity string, police bool) int64 {
	t.Helper()
	id, err := db.AddAgency(context.Background(), escudo.Agency{Code: code, Name: "Agencia " + code, Level: level, Entity: entity, Police: police})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func liaison(t *testing.T, db *store.DB, username, agencyCode string) *escudo.User {
	t.Helper()
	u := &escudo.User{Username: username, DisplayName: username, Role: escudo.RoleLiaison, Agency: agencyCode}
	if err := db.CreateUser(context.Background(), u, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	return u
}

// grant runs GrantMeasure in its own transaction, as a decision would.
func grant(ctx context.Context, db *store.DB, actor int64, g escudo.MeasureGrant) (int64, error) {
	var id int64
	err := db.WithTx(ctx, true, func(tx *store.Tx) error {
		var err error
		id, err = tx.GrantMeasure(ctx, actor, g)
		return err
	})
	return id, err
}

func countRows(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), q, args...).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func hasMilestone(t *testing.T, db *store.DB, caseID int64, m escudo.Milestone) bool {
	return countRows(t, db, `SELECT COUNT(*) FROM case_milestones WHERE case_id = ? AND milestone = ?`, caseID, string(m)) == 1
}

// A grant that misses its agency, names an unknown or retired measure, a
// detail that fails its check or no detail it needs, an unknown agency, a
// liaison of another agency, an urgent measure in an ordinary case or a
// Board one without its resolution is refused field by field, and nothing
// is written.
func TestGrantMeasureRefusals(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		ctx := withUser(coord)
		ordinary := admitted(t, db, "Silvia Pérez Yescas", escudo.ProcedureOrdinary)
		extra := admitted(t, db, "Centro Juan Gerardi", escudo.ProcedureExtraordinary)
		gn := agency(t, db, "gn", escudo.AgencyFederal, "", true)
		sspo := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		other := liaison(t, db, "enlace.sspo", "ssp-oax")

		board := escudo.MeasureGrant{CaseID: ordinary, Measure: "armoured_vehicle", AgencyID: gn, Source: escudo.SourceBoard, ResolutionID: 7,
			Reason: "Amenazas de muerte en carretera.", Details: map[string]string{"plate": "abc-123-d"}}
		cases := []struct {
			name  string
			edit  func(g *escudo.MeasureGrant)
			field string
			key   string
		}{
			{"no agency", func(g *escudo.MeasureGrant) { g.AgencyID = 0 }, "agency_id", "measures.agency_missing"},
			{"unknown agency", func(g *escudo.MeasureGrant) { g.AgencyID = 9999 }, "agency_id", "measures.agency_unknown"},
			{"unknown measure", func(g *escudo.MeasureGrant) { g.Measure = "jetpack" }, "measure", "measures.unknown"},
			{"retired measure", func(g *escudo.MeasureGrant) { g.Measure = "home_security"; g.Details = nil }, "measure", "measures.unknown"},
			{"bad plate", func(g *escudo.MeasureGrant) { g.Details = map[string]string{"plate": "ABC 123 ?"} }, "details.plate", "measures.detail_plate"},
			{"missing plate", func(g *escudo.MeasureGrant) { g.Details = nil }, "details.plate", "measures.detail_missing"},
			{"unknown detail", func(g *escudo.MeasureGrant) { g.Details["colour"] = "negro" }, "details.colour", "measures.detail_unknown"},
			{"no reason", func(g *escudo.MeasureGrant) { g.Reason = "  " }, "reason", "measures.reason_missing"},
			{"board without resolution", func(g *escudo.MeasureGrant) { g.ResolutionID = 0 }, "resolution_id", "measures.resolution_missing"},
			{"unknown source", func(g *escudo.MeasureGrant) { g.Source = "whim" }, "source", "measures.source"},
			{"liaison of another agency", func(g *escudo.MeasureGrant) { g.LiaisonID = other.ID }, "liaison_id", "measures.liaison_agency"},
			{"past deadline", func(g *escudo.MeasureGrant) { g.Deadline = t0.Add(-time.Hour) }, "deadline", "measures.deadline_past"},
			{"urgent in ordinary case", func(g *escudo.MeasureGrant) {
				g.Source, g.ResolutionID, g.Measure, g.Details = escudo.SourceUrgent, 0, "escort", map[string]string{"officers": "2"}
			}, "source", "measures.urgent_ordinary"},
			{"urgent of a protection kind", func(g *escudo.MeasureGrant) { g.CaseID, g.Source, g.ResolutionID = extra, escudo.SourceUrgent, 0 }, "measure", "measures.not_urgent"},
			{"bad officer count", func(g *escudo.MeasureGrant) {
				g.Measure, g.Details = "escort", map[string]string{"officers": "0"}
			}, "details.officers", "measures.detail_count"},
		}
		for _, tc := range cases {
			g := board
			g.Details = map[string]string{"plate": "abc-123-d"}
			tc.edit(&g)
			_, err := grant(ctx, db, coord.ID, g)
			if !slicesHas(fieldKeys(err), tc.field+" "+tc.key) {
				t.Errorf("%s: %v, want %s %s", tc.name, err, tc.field, tc.key)
			}
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM granted_measures`); n != 0 {
			t.Fatalf("refused grants wrote %d measures", n)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM measure_history`); n != 0 {
			t.Fatalf("refused grants wrote %d history rows", n)
		}
		_ = sspo
	})
}

// A measure with no rule for its deadline and none given is refused.
func TestGrantMeasureNeedsADeadlineRule(t *testing.T) {
	clock := testdb.NewClock(t0)
	rules := measures.DefaultRules()
	rules.Deadlines = rules.Deadlines[:1] // urgent ones only
	dbStrict := testdb.OpenSQLite(t, testdb.Options{Now: clock.Now, MeasureRules: &rules})
	coord := staff(t, dbStrict, "coordinacion", escudo.RoleCoordinator, 0)
	ctx := withUser(coord)
	c := admitted(t, dbStrict, "Silvia Pérez Yescas", escudo.ProcedureOrdinary)
	gn := agency(t, dbStrict, "gn", escudo.AgencyFederal, "", true)
	g := escudo.MeasureGrant{CaseID: c, Measure: "panic_button", AgencyID: gn, Source: escudo.SourceBoard, ResolutionID: 1, Reason: "Vigilancia."}
	if _, err := grant(ctx, dbStrict, coord.ID, g); !slicesHas(fieldKeys(err), "deadline measures.deadline_rule") {
		t.Fatalf("no deadline rule: %v", err)
	}
	g.Deadline = t0.Add(48 * time.Hour)
	if _, err := grant(ctx, dbStrict, coord.ID, g); err != nil {
		t.Fatalf("with a deadline given: %v", err)
	}
}

// A Board measure goes its whole way: granted with the 30-day deadline,
// sealed details, moved by the agency's liaison (not another agency's),
// an illegal jump refused, rejected by the beneficiary through follow-up
// (reopened with 10 days, the liaison told), confirmed, measures_implemented
// recorded by itself, reviewed, ended by a decision; each step in the
// history and a notice to the beneficiary that says nothing.
func TestMeasureLifecycle(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		follow := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		c := admitted(t, db, "Silvia Pérez Yescas", escudo.ProcedureOrdinary)
		if err := db.AssignCase(withUser(coord), c, follow.ID, ""); err != nil {
			t.Fatal(err)
		}
		gn := agency(t, db, "gn", escudo.AgencyFederal, "", true)
		agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		mine := liaison(t, db, "enlace.gn", "gn")
		theirs := liaison(t, db, "enlace.sspo", "ssp-oax")

		id, err := grant(withUser(coord), db, coord.ID, escudo.MeasureGrant{CaseID: c, Measure: "armoured_vehicle", AgencyID: gn, Source: escudo.SourceBoard,
			ResolutionID: 3, Reason: "Amenazas en carretera.", Details: map[string]string{"plate": "abc-123-d"}, Discreet: true})
		if err != nil {
			t.Fatal(err)
		}
		list, err := db.CaseMeasures(withUser(coord), c)
		if err != nil || len(list) != 1 {
			t.Fatalf("case measures: %v %v", list, err)
		}
		m := list[0]
		if m.ID != id || m.Status != escudo.MeasureGranted || m.Agency.Code != "gn" || !m.Agency.Police || m.Details["plate"] != "ABC-123-D" ||
			!m.Deadline.Equal(t0.Add(30*24*time.Hour)) || !m.Discreet || m.Reason != "Amenazas en carretera." || m.ResolutionID != 3 {
			t.Fatalf("granted: %+v", m)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM granted_measures WHERE details_enc IS NOT NULL AND details NOT LIKE '%ABC%'`); n != 1 {
			t.Fatal("the plate is not sealed")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'measure.read' AND object_id = ?`, fmt.Sprint(c)); n != 1 {
			t.Fatalf("case measures read audited %d times", n)
		}

		step := func(u *escudo.User, to escudo.MeasureStatus, reason string) error {
			clock.Advance(time.Hour)
			return db.MoveMeasure(withUser(u), id, to, reason)
		}
		if err := step(coord, escudo.MeasureAwaiting, ""); !slicesHas(fieldKeys(err), "status measure.transition_illegal") {
			t.Fatalf("granted → awaiting: %v", err)
		}
		if err := step(mine, escudo.MeasureNotified, ""); escudo.ErrorCode(err) != escudo.EFORBIDDEN {
			t.Fatalf("a liaison notifying their own agency: %v", err)
		}
		if err := step(follow, escudo.MeasureNotified, ""); err != nil {
			t.Fatal(err)
		}
		if err := step(theirs, escudo.MeasureImplementing, ""); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("a liaison of another agency: %v", err)
		}
		if err := step(mine, escudo.MeasureImplementing, ""); err != nil {
			t.Fatal(err)
		}
		if hasMilestone(t, db, c, escudo.MilestoneMeasuresImplemented) {
			t.Fatal("measures implemented while implementing")
		}
		if err := step(mine, escudo.MeasureAwaiting, ""); err != nil {
			t.Fatal(err)
		}
		if !hasMilestone(t, db, c, escudo.MilestoneMeasuresImplemented) {
			t.Fatal("measures_implemented not recorded when every Board measure was in place")
		}
		if err := db.ConfirmMeasure(withUser(follow), id, false, escudo.ChannelByPhone, ""); !slicesHas(fieldKeys(err), "comment measure.rejection_comment") {
			t.Fatalf("rejection without comment: %v", err)
		}
		if err := db.ConfirmMeasure(withUser(follow), id, false, "carrier pigeon", "x"); !slicesHas(fieldKeys(err), "channel measure.channel") {
			t.Fatalf("unknown channel: %v", err)
		}
		clock.Advance(time.Hour)
		rejectedAt := clock.Now()
		if err := db.ConfirmMeasure(withUser(follow), id, false, escudo.ChannelByPhone, "El vehículo nunca llegó."); err != nil {
			t.Fatal(err)
		}
		m = onlyMeasure(t, db, coord, c)
		if m.Status != escudo.MeasureImplementing || !m.Deadline.Equal(rejectedAt.Add(10*24*time.Hour)) {
			t.Fatalf("after rejection: %s due %s", m.Status, m.Deadline)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = 'measure.rejected' AND recipient_user = ?`, mine.ID); n != 1 {
			t.Fatalf("the liaison was told of the rejection %d times", n)
		}
		if err := step(mine, escudo.MeasureAwaiting, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.ConfirmMeasure(withUser(follow), id, true, escudo.ChannelByVisit, "Ya lo tengo."); err != nil {
			t.Fatal(err)
		}
		if err := step(follow, escudo.MeasureUnderReview, ""); !slicesHas(fieldKeys(err), "reason measures.reason_missing") {
			t.Fatalf("review without reason: %v", err)
		}
		if err := step(follow, escudo.MeasureUnderReview, "Revisar si sigue siendo necesaria."); err != nil {
			t.Fatal(err)
		}
		if err := step(coord, escudo.MeasureEnded, "Terminó."); escudo.ErrorCode(err) != escudo.EFORBIDDEN {
			t.Fatalf("ending by hand: %v", err)
		}
		err = db.WithTx(withUser(coord), true, func(tx *store.Tx) error {
			if err := tx.EndMeasure(withUser(coord), coord.ID, id, escudo.MeasureInForce, "x"); !slicesHas(fieldKeys(err), "status measure.end_status") {
				t.Errorf("end to in force: %v", err)
			}
			if err := tx.EndMeasure(withUser(coord), coord.ID, id, escudo.MeasureEnded, ""); !slicesHas(fieldKeys(err), "reason measures.reason_missing") {
				t.Errorf("end without reasons: %v", err)
			}
			return tx.EndMeasure(withUser(coord), coord.ID, id, escudo.MeasureEnded, "El riesgo bajó a ordinario.")
		})
		if err != nil {
			t.Fatal(err)
		}
		hist, err := db.MeasureHistory(withUser(coord), id)
		if err != nil {
			t.Fatal(err)
		}
		var path []string
		for _, h := range hist {
			path = append(path, string(h.To))
		}
		want := "granted notified implementing awaiting_confirmation implementing awaiting_confirmation in_force under_review ended"
		if got := strings.Join(path, " "); got != want {
			t.Fatalf("history %s\nwant %s", got, want)
		}
		if hist[4].What != "reject" || hist[4].Reason != "El vehículo nunca llegó." || hist[8].Reason != "El riesgo bajó a ordinario." {
			t.Fatalf("history reasons: %+v %+v", hist[4], hist[8])
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM measure_history WHERE reason_enc LIKE '%nunca%'`); n != 0 {
			t.Fatal("a reason stored in clear")
		}
		// The beneficiary chose no automatic channel and has no account: the
		// follow-up officer is told, once per change, with the reference only.
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient_user = ?`, store.KindBeneficiaryNotice, follow.ID); n != len(hist) {
			t.Fatalf("%d beneficiary notices for %d changes", n, len(hist))
		}
		var got int
		if err := db.WithTx(context.Background(), true, func(tx *store.Tx) error {
			return tx.EndMeasure(withUser(coord), coord.ID, id, escudo.MeasureWithdrawn, "Otra vez.")
		}); !slicesHas(fieldKeys(err), "status measure.transition_illegal") {
			t.Fatalf("withdrawing an ended measure: %v %d", err, got)
		}
	})
}

func onlyMeasure(t *testing.T, db *store.DB, u *escudo.User, caseID int64) escudo.GrantedMeasure {
	t.Helper()
	list, err := db.CaseMeasures(withUser(u), caseID)
	if err != nil || len(list) != 1 {
		t.Fatalf("case measures: %v %v", list, err)
	}
	return list[0]
}

// Urgent measures: issuing the first records urgent_measures_issued (its
// 3-hour clock stops) in the same transaction; the deadline is the 9-hour
// clock's; they wait for ratification until the Board ratifies, changes or
// withdraws them; urgent_measures_implemented is recorded once every one
// still in life is in place; an SMS is never sent to who refused SMS, an
// email goes to who chose email, saying nothing.
func TestUrgentMeasures(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		reception := staff(t, db, "recepcion", escudo.RoleReception, 0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		cs, p := newRequest("Centro de Derechos Humanos Juan Gerardi")
		p.Email, p.Contact = "centro@example.org", escudo.ContactPrefs{Channel: escudo.ContactEmail, NeverSMS: true}
		rc, err := db.FileRequest(context.Background(), cs, p)
		if err != nil {
			t.Fatal(err)
		}
		c := rc.CaseID
		if err := db.DecideAdmission(context.Background(), c, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureExtraordinary}); err != nil {
			t.Fatal(err)
		}
		police := agency(t, db, "ssp-coa", escudo.AgencyState, "COA", true)
		clock.Advance(2 * time.Hour)
		ctx := withUser(reception)
		var ids []int64
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			for _, g := range []escudo.MeasureGrant{
				{CaseID: c, Measure: "building_protection", AgencyID: police, Source: escudo.SourceUrgent, Reason: "Hombres armados en la entrada.",
					Details: map[string]string{"premises": "Sede del centro", "rounds_per_day": "4"}},
				{CaseID: c, Measure: "escort", AgencyID: police, Source: escudo.SourceUrgent, Reason: "Traslados de la directora.", Details: map[string]string{"officers": "2"}},
			} {
				id, err := tx.GrantMeasure(ctx, reception.ID, g)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !hasMilestone(t, db, c, escudo.MilestoneUrgentIssued) {
			t.Fatal("urgent_measures_issued not recorded")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM case_clocks WHERE case_id = ? AND rule = 'urgent_issued' AND stopped_at IS NOT NULL`, c); n != 1 {
			t.Fatal("the 3-hour clock did not stop")
		}
		un, err := db.UnratifiedUrgent(withUser(coord), c)
		if err != nil || len(un) != 2 {
			t.Fatalf("unratified: %v %v", un, err)
		}
		// Received at t0, the 9-hour clock is due at t0+9h, before grant+9h.
		if !un[0].Deadline.Equal(t0.Add(9*time.Hour)) || un[0].Details["premises"] != "Sede del centro" {
			t.Fatalf("urgent deadline %s details %v", un[0].Deadline, un[0].Details)
		}
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			if err := tx.RatifyMeasure(ctx, coord.ID, ids[0], 0); !slicesHas(fieldKeys(err), "resolution_id measures.resolution_missing") {
				t.Errorf("ratify without resolution: %v", err)
			}
			if err := tx.RatifyMeasure(ctx, coord.ID, ids[0], 11); err != nil {
				return err
			}
			if err := tx.RatifyMeasure(ctx, coord.ID, ids[0], 11); escudo.ErrorKey(err) != "measure.already_ratified" {
				t.Errorf("ratify twice: %v", err)
			}
			g := escudo.MeasureGrant{AgencyID: police, Reason: "Tres escoltas.", ResolutionID: 11, Details: map[string]string{"officers": "3"}}
			if err := tx.ModifyMeasure(ctx, coord.ID, ids[1], g, ""); !slicesHas(fieldKeys(err), "reason measures.reason_missing") {
				t.Errorf("modify without reason: %v", err)
			}
			other := g
			other.Measure = "evacuation"
			if err := tx.ModifyMeasure(ctx, coord.ID, ids[1], other, "x"); !slicesHas(fieldKeys(err), "measure measure.modify_other") {
				t.Errorf("modify into another measure: %v", err)
			}
			return tx.ModifyMeasure(ctx, coord.ID, ids[1], g, "La Junta amplía la escolta.")
		})
		if err != nil {
			t.Fatal(err)
		}
		if un, err := db.UnratifiedUrgent(withUser(coord), c); err != nil || len(un) != 0 {
			t.Fatalf("after the Board: %v %v", un, err)
		}
		all, _ := db.CaseMeasures(withUser(coord), c)
		if all[1].Details["officers"] != "3" || all[1].RatifiedBy != 11 || all[0].RatifiedBy != 11 {
			t.Fatalf("after modify: %+v", all)
		}
		for _, id := range ids {
			for _, to := range []escudo.MeasureStatus{escudo.MeasureNotified, escudo.MeasureImplementing} {
				if err := db.MoveMeasure(withUser(coord), id, to, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := db.MoveMeasure(withUser(coord), ids[0], escudo.MeasureAwaiting, ""); err != nil {
			t.Fatal(err)
		}
		if hasMilestone(t, db, c, escudo.MilestoneUrgentImplemented) {
			t.Fatal("urgent measures implemented with one still implementing")
		}
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			return tx.EndMeasure(ctx, coord.ID, ids[1], escudo.MeasureWithdrawn, "Ya no hace falta la escolta.")
		}); err != nil {
			t.Fatal(err)
		}
		if !hasMilestone(t, db, c, escudo.MilestoneUrgentImplemented) {
			t.Fatal("urgent_measures_implemented not recorded once every measure in life was in place")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND channel = 'sms'`, store.KindBeneficiaryNotice); n != 0 {
			t.Fatal("an SMS to who refused SMS")
		}
		// Every change since admission joined the one email still waiting
		// to go out.
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND channel = 'email'`, store.KindBeneficiaryNotice); n != 1 {
			t.Fatalf("%d email notices stacked up", n)
		}
		var body string
		if err := db.WithTx(context.Background(), false, func(tx *store.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT subject FROM outbox WHERE kind = ? AND channel = 'email'`, store.KindBeneficiaryNotice).Scan(&body)
		}); err != nil || body != store.BeneficiarySubjectES {
			t.Fatalf("a notice subject that says something: %q %v", body, err)
		}
	})
}

// Agencies: listed by level, a repeated code or a state agency without its
// entity refused.
func TestAgencies(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		agency(t, db, "gn", escudo.AgencyFederal, "", true)
		if _, err := db.AddAgency(ctx, escudo.Agency{Code: "gn", Name: "Otra", Level: escudo.AgencyFederal}); !slicesHas(fieldKeys(err), "code agency.code_taken") {
			t.Fatalf("repeated code: %v", err)
		}
		if _, err := db.AddAgency(ctx, escudo.Agency{Code: "fge", Name: "Fiscalía", Level: escudo.AgencyState}); !slicesHas(fieldKeys(err), "federal_entity agency.entity_needed") {
			t.Fatalf("state agency without entity: %v", err)
		}
		if _, err := db.AddAgency(ctx, escudo.Agency{Code: "Bad Code", Name: "x", Level: "galactic"}); !slicesHas(fieldKeys(err), "code agency.code") || !slicesHas(fieldKeys(err), "level agency.level") {
			t.Fatalf("bad agency: %v", err)
		}
		list, err := db.Agencies(ctx)
		if err != nil || len(list) != 2 || list[0].Code != "gn" || list[1].Code != "ssp-oax" || list[1].Entity != "OAX" || !list[1].Police {
			t.Fatalf("agencies: %+v %v", list, err)
		}
	})
}

// issueUrgent issues an urgent measure on an extraordinary case, as
// reception does: the way urgent_measures_issued is recorded.
func issueUrgent(t *testing.T, db *store.DB, ctx context.Context, caseID int64) int64 {
	t.Helper()
	var agencyID int64
	list, err := db.Agencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Code == "ssp-estatal" {
			agencyID = a.ID
		}
	}
	if agencyID == 0 {
		agencyID = agency(t, db, "ssp-estatal", escudo.AgencyState, "OAX", true)
	}
	id, err := grant(ctx, db, escudo.UserIDFromContext(ctx), escudo.MeasureGrant{CaseID: caseID, Measure: "building_protection", AgencyID: agencyID,
		Source: escudo.SourceUrgent, Reason: "Patrullaje acordado.", Details: map[string]string{"premises": "Domicilio"}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// An overdue measure escalates through the tiers, each once: the liaison at
// once, the follow-up officer after a day, the coordination after three;
// the dashboard counts it overdue with its age, a liaison's scope sees only
// their agency; a recurring cost the beneficiary cannot pay is flagged; a
// not-useful rating needs its why.
func TestMeasureSweepDashboardCostsRatings(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		coord := staff(t, db, "coordinacion", escudo.RoleCoordinator, 0)
		follow := staff(t, db, "seguimiento", escudo.RoleFollowUp, 0)
		c := admitted(t, db, "Silvia Pérez Yescas", escudo.ProcedureOrdinary)
		if err := db.AssignCase(withUser(coord), c, follow.ID, ""); err != nil {
			t.Fatal(err)
		}
		gn := agency(t, db, "gn", escudo.AgencyFederal, "", true)
		ssp := agency(t, db, "ssp-oax", escudo.AgencyState, "OAX", true)
		enlace := liaison(t, db, "enlace.gn", "gn")
		ctx := withUser(coord)
		late, err := grant(ctx, db, coord.ID, escudo.MeasureGrant{CaseID: c, Measure: "satellite_phone", AgencyID: gn, Source: escudo.SourceBoard, ResolutionID: 1,
			Reason: "Zona sin señal.", Details: map[string]string{"number": "+52 951 555 0199"}, Deadline: t0.Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		onTime, err := grant(ctx, db, coord.ID, escudo.MeasureGrant{CaseID: c, Measure: "lighting", AgencyID: ssp, Source: escudo.SourceBoard, ResolutionID: 1,
			Reason: "Acceso oscuro.", Details: map[string]string{"premises": "Domicilio"}})
		if err != nil {
			t.Fatal(err)
		}
		inbox := func(uid int64) int {
			return countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND recipient_user = ?`, store.KindMeasureOverdue, uid)
		}
		if n, err := db.SweepMeasures(context.Background(), 0); err != nil || n != 0 {
			t.Fatalf("before the deadline: %d %v", n, err)
		}
		clock.Set(t0.Add(25 * time.Hour))
		if n, err := db.SweepMeasures(context.Background(), 0); err != nil || n != 1 || inbox(enlace.ID) != 1 || inbox(follow.ID) != 0 {
			t.Fatalf("first tier: %d %v, liaison %d follow-up %d", n, err, inbox(enlace.ID), inbox(follow.ID))
		}
		if n, _ := db.SweepMeasures(context.Background(), 0); n != 0 {
			t.Fatal("a tier escalated twice")
		}
		clock.Set(t0.Add(24*time.Hour + 4*24*time.Hour)) // past every tier: both left ones at once
		if n, err := db.SweepMeasures(context.Background(), 0); err != nil || n != 2 || inbox(follow.ID) != 1 || inbox(coord.ID) != 1 || inbox(enlace.ID) != 1 {
			t.Fatalf("later tiers: %d %v", n, err)
		}
		if n, _ := db.SweepMeasures(context.Background(), 0); n != 0 {
			t.Fatal("escalated past the last tier")
		}

		b, err := db.MeasureDashboard(context.Background(), store.MeasureFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if b.Total != 2 || b.Overdue != 1 || b.ByStatus[0].Key != "granted" || b.ByStatus[0].N != 2 || b.ByStatus[0].Overdue != 1 ||
			b.ByStatus[0].OldestDue != 4*24*time.Hour || b.ByAgency[0].Label != "Agencia gn" || len(b.Rows) != 2 || b.Rows[0].ID != late || b.Rows[0].Overdue != 4*24*time.Hour {
			t.Fatalf("dashboard %+v", b)
		}
		scoped, err := db.MeasureDashboard(context.Background(), store.MeasureFilter{Agency: "ssp-oax", LiaisonID: -1})
		if err != nil || scoped.Total != 1 || len(scoped.Rows) != 1 || scoped.Rows[0].ID != onTime || scoped.Rows[0].Entity != "OAX" {
			t.Fatalf("scoped to an agency: %+v %v", scoped, err)
		}
		if f, _ := db.MeasureDashboard(context.Background(), store.MeasureFilter{Kind: "protection", Entity: "CHS"}); f.Total != 0 {
			t.Fatalf("another entity: %+v", f)
		}

		bad := escudo.MeasureCost{Description: "Luz", Centavos: 0, Period: "weekly", Payer: "neighbour", CannotPay: true}
		if _, err := db.AddMeasureCost(ctx, onTime, bad); len(fieldKeys(err)) != 4 {
			t.Fatalf("bad cost: %v", fieldKeys(err))
		}
		if _, err := db.AddMeasureCost(ctx, onTime, escudo.MeasureCost{Description: "Electricidad de las lámparas", Centavos: 45000, Period: escudo.PeriodMonthly,
			Payer: escudo.PayerBeneficiary, CannotPay: true}); err != nil {
			t.Fatal(err)
		}
		flagged, err := db.FlaggedCosts(context.Background(), []int64{late, onTime})
		if err != nil || !flagged[onTime] || flagged[late] {
			t.Fatalf("flagged %v %v", flagged, err)
		}
		if err := db.RateMeasure(withUser(follow), onTime, escudo.RatingUseful, ""); escudo.ErrorKey(err) != "measure.rating_early" {
			t.Fatalf("rating before it is in place: %v", err)
		}
		for _, to := range []escudo.MeasureStatus{escudo.MeasureNotified, escudo.MeasureImplementing, escudo.MeasureAwaiting} {
			if err := db.MoveMeasure(withUser(follow), onTime, to, ""); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.RateMeasure(withUser(follow), onTime, escudo.RatingCounterproductive, ""); !slicesHas(fieldKeys(err), "why measure.rating_why") {
			t.Fatalf("counterproductive without why: %v", err)
		}
		if err := db.RateMeasure(withUser(follow), onTime, escudo.RatingCounterproductive, "Los vecinos creen que la vigilan."); err != nil {
			t.Fatal(err)
		}
		rs, err := db.MeasureRatings(withUser(coord), onTime)
		if err != nil || len(rs) != 1 || rs[0].Why != "Los vecinos creen que la vigilan." || rs[0].Rating != escudo.RatingCounterproductive {
			t.Fatalf("ratings %+v %v", rs, err)
		}
	})
}
