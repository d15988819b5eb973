package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/risk"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// escudo risk recompute and escudo risk instrument on a real data folder:
// a submitted evaluation matches; one whose stored level was tampered with
// in the database is reported as not matching and the command fails.
func TestRiskCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := context.Background()
	key, err := vault.LoadMasterKey(testKeyPath(t), false)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas.", ImminentDanger: true},
		&escudo.Person{Profile: escudo.ProfileJournalist, Name: "Silvia Pérez", Entity: "OAX"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := db.StartEvaluation(ctx, rc.CaseID, escudo.EvaluationImmediate, escudo.ReasonInitial)
	if err != nil {
		t.Fatal(err)
	}
	ans := escudo.EvaluationDraft{Factors: map[string]int64{}, Context: map[string]string{
		"narrative": "Amenazas.", "gender": "woman", "ethnic_identity": "indigenous", "disability": "no",
		"migration_status": "national", "sogi": "not_stated", "rurality": "rural"}}
	for _, g := range db.Instrument().Groups {
		for _, f := range g.Factors {
			ans.Factors[f.ID] = f.Scale[len(f.Scale)/2].Value
		}
	}
	e, err := db.SubmitEvaluation(ctx, id, ans)
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "", "risk", "recompute", "--data", dir, "--evaluation", itoa64(id))
	if code != 0 || !strings.Contains(out, "matches") || !strings.Contains(out, string(e.Level)) {
		t.Fatalf("recompute: %d %s %s", code, out, stderr)
	}
	code, out, _ = runCmd(t, "", "risk", "instrument", "--data", dir)
	if code != 0 {
		t.Fatalf("instrument: %d", code)
	}
	if _, err := risk.Parse([]byte(out)); err != nil {
		t.Fatalf("the printed instrument does not parse: %v", err)
	}
	var doc map[string]any
	if json.Unmarshal([]byte(out), &doc) != nil || doc["version"].(float64) != 1 {
		t.Fatalf("instrument version: %v", doc["version"])
	}
	// Someone changes the stored level behind escudo's back.
	other := escudo.RiskExtraordinary
	if e.Level == other {
		other = escudo.RiskOrdinary
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, "escudo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE risk_evaluations SET level = ? WHERE id = ?`, string(other), id); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "risk", "recompute", "--data", dir, "--all", "--quiet")
	if code == 0 || !strings.Contains(out, "DOES NOT MATCH") || !strings.Contains(out, "1 evaluations recomputed, 1 do not match") {
		t.Fatalf("a tampered level: %d %s", code, out)
	}
	if code, _, _ := runCmd(t, "", "risk", "recompute", "--data", dir); code == 0 {
		t.Fatal("recompute without --evaluation or --all succeeded")
	}
}
