package store_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A step out of the procedure's order, or by a role that does not do it, is
// refused with a translated reason and changes nothing.
func TestRecordMilestoneFollowsProcedure(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		rec := escudo.NewContextWithUser(ctx, staff(t, db, "recepcion", escudo.RoleReception, 0))
		coord := escudo.NewContextWithUser(ctx, staff(t, db, "coordina", escudo.RoleCoordinator, 0))
		c, p := newRequest("Colectivo Tierra y Libertad")
		rc, err := db.FileRequest(rec, c, p)
		if err != nil {
			t.Fatal(err)
		}
		// Reception records the Board's resolution on a case never admitted:
		// the resolution is no milestone anyone records by hand any more.
		if err := db.RecordMilestone(rec, rc.CaseID, escudo.MilestoneResolved, time.Time{}, ""); escudo.ErrorKey(err) != "validation.choice" || escudo.ErrorCode(err) != escudo.EINVALID {
			t.Fatalf("resolution by hand: %v", err)
		}
		if err := db.RecordMilestone(rec, rc.CaseID, escudo.MilestoneSentToBoard, time.Time{}, ""); escudo.ErrorKey(err) != "error.milestone_stage" || escudo.ErrorCode(err) != escudo.ECONFLICT {
			t.Fatalf("sent to the Board before admission: %v", err)
		}
		got, _ := db.FindCaseByID(ctx, rc.CaseID)
		if got.Stage != escudo.StageReception {
			t.Fatalf("a refused step moved the case to %s", got.Stage)
		}
		if err := db.DecideAdmission(rec, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if err := db.RecordMilestone(rec, rc.CaseID, escudo.MilestoneEvaluated, time.Time{}, ""); escudo.ErrorKey(err) != "error.milestone_role" || escudo.ErrorCode(err) != escudo.EFORBIDDEN {
			t.Fatalf("evaluation by reception: %v", err)
		}
		if err := db.RecordMilestone(coord, rc.CaseID, escudo.MilestoneEvaluated, time.Time{}, "dictamen"); err != nil {
			t.Fatal(err)
		}
		got, _ = db.FindCaseByID(ctx, rc.CaseID)
		if got.Stage != escudo.StageBoard {
			t.Fatalf("stage %s after the evaluation", got.Stage)
		}
		ev, err := db.Timeline(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range ev {
			if e.Kind == escudo.EventMilestone {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d milestone entries, want only the allowed one", n)
		}
	})
}

// A first assignment names its assignee, so the timeline does not read
// "assigned: nobody"; a reassignment names both.
func TestFirstAssignmentDetail(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		a := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		b := staff(t, db, "analista2", escudo.RoleAnalyst, 0)
		c, p := newRequest("Radio Tlachinollan")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AssignCase(ctx, rc.CaseID, a.ID, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.AssignCase(ctx, rc.CaseID, b.ID, "Pendiente la entrevista."); err != nil {
			t.Fatal(err)
		}
		ev, err := db.Timeline(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{escudo.EventAssigned: fmt.Sprint(a.ID), escudo.EventReassigned: fmt.Sprintf("%d>%d", a.ID, b.ID)}
		for _, e := range ev {
			if w, ok := want[e.Kind]; ok {
				if e.Detail != w {
					t.Errorf("%s detail %q, want %q", e.Kind, e.Detail, w)
				}
				delete(want, e.Kind)
			}
		}
		if len(want) > 0 {
			t.Fatalf("missing entries %v", want)
		}
	})
}

// Migration 0620 rewrites the first assignments stored as "0>ID" and leaves
// reassignments alone, on both engines.
func TestMigrationFixesFirstAssignments(t *testing.T) {
	fix, err := os.ReadFile("migrations/0620_first_assignment_detail.sql")
	if err != nil {
		t.Fatal(err)
	}
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		a := staff(t, db, "analista", escudo.RoleAnalyst, 0)
		c, p := newRequest("Comunicadora de la Montaña")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		legacy, moved := "0>"+fmt.Sprint(a.ID), fmt.Sprintf("%d>%d", a.ID+7, a.ID)
		err = db.WithTx(ctx, true, func(tx *store.Tx) error {
			for _, e := range []struct{ kind, detail string }{{escudo.EventAssigned, legacy}, {escudo.EventReassigned, "0>" + fmt.Sprint(a.ID)}, {escudo.EventReassigned, moved}} {
				if _, err := tx.Exec(ctx, `INSERT INTO case_events (case_id, at, kind, detail) VALUES (?, ?, ?, ?)`, rc.CaseID, t0.UnixMicro(), e.kind, e.detail); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx, string(fix))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := db.Timeline(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range ev {
			if e.Kind == escudo.EventAssigned || e.Kind == escudo.EventReassigned {
				got = append(got, e.Kind+" "+e.Detail)
			}
		}
		want := fmt.Sprintf("[assigned %d reassigned 0>%d reassigned %s]", a.ID, a.ID, moved)
		if fmt.Sprint(got) != want {
			t.Fatalf("after the fix %v, want %s", got, want)
		}
	})
}

// The petitioner reads what staff asked for and answers it with reference
// and code: the answer lands on the timeline, sealed like a note, the request
// waits for a new decision and the evaluation's ten days count from now.
func TestAnswerInfoRequest(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		ctx := context.Background()
		rec := staff(t, db, "recepcion", escudo.RoleReception, 0)
		rctx := escudo.NewContextWithUser(ctx, rec)
		c, p := newRequest("Defensora de Guadalupe Tepeyac")
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AnswerInfoRequest(ctx, rc.Reference, rc.Code, "Aquí va."); escudo.ErrorKey(err) != "error.info_not_requested" {
			t.Fatalf("answer with nothing asked: %v", err)
		}
		clock.Advance(24 * time.Hour)
		const reason = "Cuéntanos en qué municipio ocurrieron las amenazas."
		if err := db.DecideAdmission(rctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionInfoRequested, Reason: reason}); err != nil {
			t.Fatal(err)
		}
		st, err := db.PublicStatus(ctx, rc.Reference, rc.Code)
		if err != nil || st.InfoRequest != reason {
			t.Fatalf("status shows %q (%v), want the reason", st.InfoRequest, err)
		}
		if err := db.AnswerInfoRequest(ctx, rc.Reference, "AAAA-BBBB-CCCC-DDDD", "x"); escudo.ErrorCode(err) != escudo.ENOTFOUND {
			t.Fatalf("wrong code: %v", err)
		}
		if err := db.AnswerInfoRequest(ctx, rc.Reference, rc.Code, "   "); escudo.ErrorKey(err) != "validation.required" {
			t.Fatalf("empty answer: %v", err)
		}
		clock.Advance(5 * 24 * time.Hour)
		const answer = "En San Cristóbal de las Casas, frente a la radio."
		// Typed in lower case, with spaces.
		if err := db.AnswerInfoRequest(ctx, " "+strings.ToLower(rc.Reference), strings.ToLower(rc.Code), answer); err != nil {
			t.Fatal(err)
		}
		got, _ := db.FindCaseByID(ctx, rc.CaseID)
		if got.Admission != escudo.AdmissionPending || got.Stage != escudo.StageReception {
			t.Fatalf("after the answer: %s %s", got.Admission, got.Stage)
		}
		answered := t0.Add(6 * 24 * time.Hour)
		if k := clocksOf(t, db, rc.CaseID)["evaluation"]; !k.StartedAt.Equal(answered) || !k.DueAt.Equal(answered.Add(10*24*time.Hour)) || k.StoppedAt != nil {
			t.Fatalf("evaluation clock not restarted from the answer: %+v", k)
		}
		ev, err := db.Timeline(ctx, rc.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		last := ev[len(ev)-1]
		if last.Kind != escudo.EventInfoAnswered || last.Note != answer || last.ActorID != 0 {
			t.Fatalf("timeline ends with %+v", last)
		}
		st, err = db.PublicStatus(ctx, rc.Reference, rc.Code)
		if err != nil {
			t.Fatal(err)
		}
		if st.InfoRequest != "" || st.Events[len(st.Events)-1].Kind != escudo.EventInfoAnswered || st.Events[len(st.Events)-1].Note != "" {
			t.Fatalf("public status after the answer: %+v", st)
		}
		if err := db.AnswerInfoRequest(ctx, rc.Reference, rc.Code, "otra vez"); escudo.ErrorKey(err) != "error.info_not_requested" {
			t.Fatalf("second answer: %v", err)
		}
		// Staff decide again on the completed request.
		if err := db.DecideAdmission(rctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted}); err != nil {
			t.Fatal(err)
		}
	})
}
