package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"escudo"
	"escudo/internal/board"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// BenchmarkBoardSession measures what the session page reads from the
// store (the session with its 20 agenda items, attendance, last quorum
// check, minutes and amendments, then its 20 resolutions with their named
// votes, every sealed field opened and the reads audited), on each engine.
// It also reports the mean time to record one resolution (votes, the
// milestone resolved, letters) as rec-ms. Budget: the staff page's 20 ms.
//
//	ESCUDO_TEST_POSTGRES_URL=… go test ./internal/store -run '^$' -bench BoardSession -benchtime 200x
func BenchmarkBoardSession(b *testing.B) {
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = testdb.OpenSQLite(b, testdb.Options{})
			} else {
				if os.Getenv("ESCUDO_TEST_POSTGRES_URL") == "" {
					b.Skip("set ESCUDO_TEST_POSTGRES_URL")
				}
				db = testdb.OpenPostgres(b, testdb.Options{})
			}
			ctx := context.Background()
			user := func(name string, role escudo.Role) *escudo.User {
				u := &escudo.User{Username: name, DisplayName: name, Role: role}
				if err := db.CreateUser(ctx, u, "contraseña-de-prueba-larga"); err != nil {
					b.Fatal(err)
				}
				return u
			}
			coord := escudo.NewContextWithUser(ctx, user("coordinacion", escudo.RoleCoordinator))
			analyst := escudo.NewContextWithUser(ctx, user("analista", escudo.RoleAnalyst))
			p := board.Presence{}
			for _, s := range db.Board().Seats {
				role := escudo.RoleBoard
				if s.Council {
					role = escudo.RoleCouncil
				}
				if err := db.SetSeatHolder(ctx, s.ID, user("j_"+s.ID, role).ID, false); err != nil {
					b.Fatal(err)
				}
				p[s.ID] = escudo.AttendMember
			}
			sid, err := db.CreateSession(coord, db.Now().Add(100*time.Hour), "Sala de juntas", escudo.SessionOrdinary)
			if err != nil {
				b.Fatal(err)
			}
			var items []int64
			for i := range 20 {
				c, per := newRequest(fmt.Sprintf("Colectivo %d", i))
				rc, err := db.FileRequest(ctx, c, per)
				if err != nil {
					b.Fatal(err)
				}
				if err := db.DecideAdmission(ctx, rc.CaseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
					b.Fatal(err)
				}
				e, err := db.StartEvaluation(analyst, rc.CaseID, escudo.EvaluationFull, escudo.ReasonInitial)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
					b.Fatal(err)
				}
				it, err := db.AddAgendaItem(coord, sid, rc.CaseID, i%3 == 0)
				if err != nil {
					b.Fatal(err)
				}
				items = append(items, it)
			}
			if err := db.PublishAgenda(coord, sid); err != nil {
				b.Fatal(err)
			}
			if err := db.RecordAttendance(coord, sid, p); err != nil {
				b.Fatal(err)
			}
			if _, err := db.CheckQuorum(coord, sid); err != nil {
				b.Fatal(err)
			}
			var votes []escudo.Vote
			for seat := range p {
				votes = append(votes, escudo.Vote{Seat: seat, Choice: escudo.VoteFor})
			}
			start := time.Now()
			for i, it := range items {
				if i%3 == 0 {
					if err := db.SetHearing(coord, sid, it, true, false); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := db.RecordResolution(coord, sid, it, escudo.Resolution{Level: escudo.RiskExtraordinary, Votes: votes,
					Reasons: "Vigilancia armada frente al albergue.", ThreatBrief: "Hombres armados en la entrada."}); err != nil {
					b.Fatal(err)
				}
			}
			rec := time.Since(start) / time.Duration(len(items))
			if err := db.SaveMinutes(coord, sid, "Acta."); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				s, err := db.Session(coord, sid, true)
				if err != nil || len(s.Items) != 20 {
					b.Fatal(err)
				}
				res, err := db.SessionResolutions(coord, sid)
				if err != nil || len(res) != 20 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rec.Microseconds())/1000, "rec-ms")
		})
	}
}
