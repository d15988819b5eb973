package demo_test

import (
	"context"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
)

// checkDemoBoard: the demo's Board has a past session with quorum whose
// resolutions include the Juan Gerardi Center at extraordinary risk and
// whose minutes are final after an amendment; a session without a Council
// seat whose Saltillo decision was refused with its reasons; an upcoming
// session with a locked agenda; and past resolutions of the generated
// cases in weekly sessions; and a journalist in Oaxaca whose vehicle and
// satellite phone are overdue and whose lights' electricity she cannot pay.
func checkDemoBoard(t *testing.T, ctx context.Context, db *store.DB) {
	t.Helper()
	list, err := db.BoardSessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var withQuorum, refused, upcoming, weekly, journalist bool
	for _, s := range list {
		if s.Place == store.ImportPlace {
			weekly = weekly || s.Resolutions > 0
			continue
		}
		full, err := db.Session(ctx, s.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case full.State == escudo.SessionPublished && full.At.After(db.Now()):
			upcoming = len(full.Items) > 0
		case full.Quorum != nil && full.Quorum.Met:
			res, err := db.SessionResolutions(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Level == escudo.RiskExtraordinary && r.Adopted && len(r.Votes) >= 5 {
					c, err := db.FindCaseByID(ctx, r.CaseID)
					if err == nil && strings.Contains(c.Person.Name, "Periodista de la Costa") {
						// The vehicle and satellite phone overdue; the lights'
						// electricity flagged as a cost she cannot pay.
						ms, err := db.CaseMeasures(ctx, r.CaseID)
						overdue, ids := 0, []int64{}
						for _, m := range ms {
							ids = append(ids, m.ID)
							if (m.Measure == "armoured_vehicle" || m.Measure == "satellite_phone") && m.Overdue(db.Now()) {
								overdue++
							}
						}
						flagged, ferr := db.FlaggedCosts(ctx, ids)
						n := 0
						for _, f := range flagged {
							if f {
								n++
							}
						}
						journalist = err == nil && ferr == nil && len(ms) == 4 && overdue == 2 && n == 1
					}
					if err == nil && strings.Contains(c.Person.Name, "Juan Gerardi") {
						letters, err := db.CaseLetters(ctx, r.CaseID)
						withQuorum = full.MinutesState == "final" && len(full.Amendments) > 0 && len(r.Measures) == 3 && err == nil && len(letters) >= 2
					}
				}
			}
		case full.Quorum != nil && !full.Quorum.Met:
			for _, it := range full.Items {
				if strings.Contains(strings.Join(it.Refusal, ","), "board.decision_must_hear") && strings.Contains(strings.Join(it.Refusal, ","), "board.decision_no_quorum") {
					refused = full.MinutesState == "amended" && strings.Join(full.Quorum.Reasons, ",") == "board.quorum_no_council"
				}
			}
		}
	}
	if !withQuorum || !refused || !upcoming || !weekly || !journalist {
		t.Errorf("demo Board: session with quorum and Gerardi %v, Saltillo refused %v, upcoming locked agenda %v, weekly past resolutions %v, the Oaxaca journalist's undelivered vehicle and phone and unpayable electricity %v",
			withQuorum, refused, upcoming, weekly, journalist)
	}
}
