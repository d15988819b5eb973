package demo_test

import (
	"context"
	"slices"
	"testing"

	"escudo/internal/prevention"
	"escudo/internal/store"
)

// checkDemoPrevention: the demo has incidents across states, a raid on the
// Saltillo shelter, digital attacks against the Juan Gerardi Center,
// investigations (some stalled, one with charges filed) and an early
// warning for Saltillo in the last week naming the shelter's case.
func checkDemoPrevention(t *testing.T, ctx context.Context, db *store.DB) {
	t.Helper()
	facts, err := db.IncidentFacts(ctx, db.Now().AddDate(-3, 0, 0), db.Now().AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	entities, kinds := map[string]bool{}, map[prevention.IncidentKind]int{}
	for _, f := range facts {
		entities[f.Entity] = true
		kinds[f.Kind]++
	}
	if len(entities) < 5 || kinds[prevention.IncidentRaid] == 0 || kinds[prevention.IncidentDigital] < 2 {
		t.Errorf("incidents: %d entities, kinds %v", len(entities), kinds)
	}
	inv, err := db.ImpunityFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ent, _ := prevention.Impunity(inv, db.Now(), db.Prevention())
	stalled := 0
	for _, r := range ent {
		stalled += r.Stalled
	}
	if stalled < 2 {
		t.Errorf("stalled investigations: %d", stalled)
	}
	ws, err := db.EarlyWarnings(ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	var saltillo *prevention.EarlyWarning
	for i, w := range ws {
		if w.Municipality == "Saltillo" {
			saltillo = &ws[i]
		}
	}
	if saltillo == nil || saltillo.Count < 5 || len(saltillo.CaseIDs) != 2 || db.Now().Sub(saltillo.WeekStart).Hours() > 14*24 {
		t.Fatalf("Saltillo's warning: %+v (all: %+v)", saltillo, ws)
	}
	list, err := db.CaseIncidents(ctx, saltillo.CaseIDs[0], store.Opened{})
	if err != nil || !slices.ContainsFunc(list, func(c store.CaseIncident) bool {
		return c.Kind == prevention.IncidentRaid || c.Kind == prevention.IncidentDigital
	}) {
		t.Errorf("cluster's first case's incidents: %d %v", len(list), err)
	}
	charges := false
	for _, f := range facts {
		if f.Entity != "OAX" {
			continue
		}
		cs, _ := db.CaseIncidents(ctx, f.CaseID, store.Opened{})
		for _, c := range cs {
			for _, v := range c.Investigations {
				charges = charges || v.Status == prevention.InvCharges
			}
		}
	}
	if !charges {
		t.Error("no investigation with charges filed in Oaxaca")
	}
}
