package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The re-evaluation queue: a serious incident staff record and an alert of
// the beneficiary resolved as a real emergency each put the case in the
// queue, in the same transaction, with a deadline; a false alarm does not;
// an evaluation submitted after the request takes it out; the scheduled
// clock brings the case back when it is due soon.
func TestReevaluationQueue(t *testing.T) {
	clock := testdb.NewClock(t0)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(t0)
		analyst := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		duty := withUser(staff(t, db, "guardia", escudo.RoleDuty, 0))
		incident := admitted(t, db, "Casa del Migrante de Saltillo", escudo.ProcedureOrdinary)
		alerted := admitted(t, db, "Colectivo Sin Bandera", escudo.ProcedureOrdinary)
		for _, id := range []int64{incident, alerted} {
			e, err := db.StartEvaluation(analyst, id, escudo.EvaluationFull, escudo.ReasonInitial)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
				t.Fatal(err)
			}
		}
		queue := func() map[int64]escudo.ReevaluationItem {
			t.Helper()
			q, err := db.ReevaluationQueue(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]escudo.ReevaluationItem{}
			for _, it := range q {
				out[it.CaseID] = it
			}
			return out
		}
		if q := queue(); len(q) != 0 {
			t.Fatalf("queue right after the evaluations: %+v", q)
		}
		clock.Advance(time.Hour)
		if err := db.RequestReevaluation(analyst, incident, " "); !slicesHas(fieldKeys(err), "note validation.required") {
			t.Fatalf("incident without description: %v", err)
		}
		if err := db.RequestReevaluation(analyst, incident, "Dispararon contra la fachada del albergue."); err != nil {
			t.Fatal(err)
		}
		// An alert of the second case's beneficiary: a false alarm asks for
		// nothing, a real emergency asks for a re-evaluation.
		c, _ := db.FindCaseByID(context.Background(), alerted)
		raise := func() int64 {
			var id int64
			err := db.WithTx(duty, true, func(tx *store.Tx) error {
				it := &store.NewAlert{In: &escudo.AlertInput{PersonID: c.PersonID, Type: escudo.AlertPanic, Source: escudo.SourceHotline, ReceivedAt: clock.Now()},
					Entity: "OAX", Escalate: clock.Now().Add(time.Minute)}
				if err := tx.InsertAlerts(duty, []*store.NewAlert{it}, 0); err != nil {
					return err
				}
				id = it.Alert.ID
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		if _, err := db.ResolveAlert(duty, raise(), escudo.OutcomeFalseAlarm, ""); err != nil {
			t.Fatal(err)
		}
		if _, ok := queue()[alerted]; ok {
			t.Fatal("a false alarm asked for a re-evaluation")
		}
		real := raise()
		if _, err := db.DispatchAlert(duty, real, escudo.Dispatch{Agency: "Policía estatal"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		if _, err := db.ResolveAlert(duty, real, escudo.OutcomeAttended, "Llegó la patrulla."); err != nil {
			t.Fatal(err)
		}
		q := queue()
		if it := q[incident]; it.Cause != escudo.ReevalIncident || !it.Clock.DueAt.Equal(t0.Add(time.Hour+escudo.TriggeredReevaluationLimit)) || it.Clock.Status != escudo.ClockRunning {
			t.Fatalf("incident in the queue: %+v", it)
		}
		if it := q[alerted]; it.Cause != escudo.ReevalAlert {
			t.Fatalf("real emergency in the queue: %+v", it)
		}
		list, _ := db.ReevaluationQueue(context.Background())
		if list[0].CaseID != incident {
			t.Errorf("the earlier deadline is not first: %+v", list)
		}
		ev, _ := db.Timeline(context.Background(), alerted)
		if last := ev[len(ev)-1]; last.Kind != escudo.EventReevaluationRequested || last.Detail != escudo.ReevalAlert {
			t.Errorf("timeline: %+v", last)
		}

		// The re-evaluation takes the case out of the queue.
		clock.Advance(time.Hour)
		e, err := db.StartEvaluation(analyst, incident, escudo.EvaluationFull, escudo.ReasonIncident)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		if _, ok := queue()[incident]; ok {
			t.Fatal("still queued after its re-evaluation")
		}
		// 170 days later the scheduled re-evaluation of the other case is due soon.
		clock.Advance(170 * 24 * time.Hour)
		if it := queue()[incident]; it.Cause != escudo.ReevalScheduled || it.Clock.Status != escudo.ClockDueSoon {
			t.Fatalf("scheduled re-evaluation: %+v", it)
		}
	})
}
