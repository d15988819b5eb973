package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// escudo report verify on a real data folder: the releases the
// statistics job published pass; a release altered in the database so that
// it publishes small counts makes the command fail and name them.
func TestReportVerify(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := context.Background()
	key, err := vault.LoadMasterKey(testKeyPath(t), false)
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 12, 18, 0, 0, 0, time.UTC).UnixNano())
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: key, Now: func() time.Time { return time.Unix(0, now.Load()).UTC() }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	entities := []string{"OAX", "OAX", "GRO", "OAX", "OAX", "OAX", "OAX", "OAX", "OAX", "OAX", "OAX", "OAX"}
	for _, e := range []string{"CDMX", "JAL", "PUE"} { // by entity, not by region: few of them withheld
		for i := 0; i < 10; i++ {
			entities = append(entities, e)
		}
	}
	for i, entity := range entities {
		if _, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelWeb, Narrative: "Amenazas."},
			&escudo.Person{Profile: escudo.ProfileJournalist, Name: fmt.Sprintf("Persona %d", i), Entity: entity}); err != nil {
			t.Fatal(err)
		}
	}
	now.Store(time.Date(2026, 3, 5, 18, 0, 0, 0, time.UTC).UnixNano())
	if n, err := db.SweepStatistics(ctx, 10); err != nil || n != 2 {
		t.Fatalf("publish: %d %v", n, err)
	}
	code, out, _ := runCmd(t, "", "report", "verify", "--data", dir)
	if code != 0 || !strings.Contains(out, "24 releases audited") || !strings.Contains(out, "0 disclosures") {
		t.Fatalf("verify: %d %s", code, out)
	}
	pdf := filepath.Join(t.TempDir(), "q1.pdf")
	if code, _, errOut := runCmd(t, "", "report", "monthly", "--data", dir, "--period", "2026-01", "--format", "pdf", "--out", pdf); code != 0 || !strings.Contains(errOut, "Informe estadístico mensual") {
		t.Fatalf("monthly report: %d %s", code, errOut)
	}
	if b, err := os.ReadFile(pdf); err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("monthly report file: %v", err)
	}
	if code, out, _ := runCmd(t, "", "report", "monthly", "--data", dir, "--period", "2026-02", "--format", "csv", "--lang", "en"); code != 0 || !strings.Contains(out, "requests,2026-02,entity,Total,procedure,Total,") {
		t.Fatalf("monthly csv: %d %s", code, out)
	}
	if code, _, errOut := runCmd(t, "", "report", "quarterly", "--data", dir, "--period", "2026-13", "--lang", "en"); code != 2 || !strings.Contains(errOut, "The quarterly report is for one quarter") {
		t.Fatalf("bad period: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "report", "quarterly", "--data", dir, "--period", "2026-Q1"); code != 1 || !strings.Contains(errOut, "todavía no están publicadas") {
		t.Fatalf("unpublished quarter: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "report", "yearly", "--data", dir, "--period", "2026-Q1", "--lang", "en"); code != 2 || !strings.Contains(errOut, "The annual report is for one whole year") {
		t.Fatalf("yearly, a quarter: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "report", "yearly", "--data", dir, "--period", "2026", "--format", "docx"); code != 2 || !strings.Contains(errOut, "Elige el formato") {
		t.Fatalf("yearly, unknown format: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, "", "report", "yearly", "--data", dir, "--period", "2026"); code != 1 || !strings.Contains(errOut, "todavía no están publicadas") {
		t.Fatalf("unpublished year: %d %s", code, errOut)
	}
	raw, err := sql.Open("sqlite", filepath.Join(dir, "escudo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE stat_releases SET cells = replace(cells, '"status":"primary"', '"status":"published","value":1')`); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "report", "verify", "--data", dir)
	if code != 1 || !strings.Contains(out, "DISCLOSURE: published small count") {
		t.Fatalf("verify of altered releases: %d %s", code, out)
	}
}
