package http

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/risk"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The recompute route answers what the stored instrument version gives
// again from the stored answers, for whoever may read the evaluation; the
// published instrument is public and parses.
func TestAPIRecomputeAndPublishedInstrument(t *testing.T) {
	testdb.Each(t, testdb.Options{}, func(t *testing.T, db *store.DB) {
		a := newAPISite(t, db, Options{})
		ctx := escudo.NewContextWithUser(context.Background(), a.analyst)
		rc, err := db.FileRequest(context.Background(), &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Vigilancia armada.", ImminentDanger: true},
			&escudo.Person{Profile: escudo.ProfileDefender, Name: "Albergue Belén", Entity: "COA"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := db.StartEvaluation(ctx, rc.CaseID, escudo.EvaluationImmediate, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		a.vars["{eval}"] = fmt.Sprint(id)
		if r := a.do("GET", "/api/v1/evaluations/{eval}/recompute", "", "Authorization", "{analyst_auth}"); r.Status != 409 || !strings.Contains(r.Body, "risk.not_submitted") {
			t.Fatalf("a draft recomputed: %d %s", r.Status, r.Body)
		}
		d := escudo.EvaluationDraft{Factors: map[string]int64{}, Context: map[string]string{"narrative": "Vigilancia armada.", "gender": "man",
			"ethnic_identity": "none", "disability": "no", "migration_status": "national", "sogi": "not_stated", "rurality": "urban"}}
		for _, g := range db.Instrument().Groups {
			for _, f := range g.Factors {
				d.Factors[f.ID] = f.Scale[len(f.Scale)-1].Value
			}
		}
		e, err := db.SubmitEvaluation(ctx, id, d)
		if err != nil {
			t.Fatal(err)
		}
		r := a.do("GET", "/api/v1/evaluations/{eval}/recompute", "", "Authorization", "{analyst_auth}")
		var got struct {
			Matches    bool
			Stored     struct{ Level escudo.RiskLevel }
			Recomputed struct{ Level escudo.RiskLevel }
		}
		if r.Status != 200 || json.Unmarshal([]byte(r.Body), &got) != nil || !got.Matches || got.Stored.Level != e.Level || got.Recomputed.Level != e.Level {
			t.Fatalf("recompute: %d %s", r.Status, r.Body)
		}
		r = a.do("GET", "/api/v1/risk/instrument", "", "Authorization", "")
		if r.Status != 200 {
			t.Fatalf("published instrument: %d", r.Status)
		}
		if inst, err := risk.Parse([]byte(r.Body)); err != nil || inst.Hash() != db.Instrument().Hash() {
			t.Fatalf("published instrument: %v", err)
		}
		if r := a.do("GET", "/api/v1/risk/instrument?version=9", "", "Authorization", ""); r.Status != 404 {
			t.Fatalf("an unknown version: %d", r.Status)
		}
		if r := a.do("GET", "/api/v1/risk/instrument?version=x", "", "Authorization", ""); r.Status != 400 || !strings.Contains(r.Body, `"field":"version"`) {
			t.Fatalf("a bad version: %d %s", r.Status, r.Body)
		}
	})
}
