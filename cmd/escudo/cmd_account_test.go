package main

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// TestAccountAndTaskCommands: what staff change about accounts and tasks,
// through the commands, audited, taking effect at once.
func TestAccountAndTaskCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	const pw = "a long enough password"
	for _, u := range [][]string{{"tecnico", "contractor"}, {"enlace", "liaison"}} {
		if code, _, stderr := runCmd(t, pw, "user", "add", "--data", dir, "--role", u[1], "--username", u[0]); code != 0 {
			t.Fatalf("user add %s: %s", u[0], stderr)
		}
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
	t.Cleanup(func() { db.Close() })
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	p := &escudo.Person{Profile: escudo.ProfileJournalist, Name: "Silvia Pérez", Entity: "OAX"}
	rc, err := db.FileRequest(ctx, &escudo.Case{Channel: escudo.ChannelHotline, Narrative: "Amenazas."}, p)
	if err != nil {
		t.Fatal(err)
	}
	caseID := itoa64(rc.CaseID)
	tech, _ := db.FindUserByUsername(ctx, "tecnico")

	// A task opens the case to the technician, only the named compartment.
	code, out, stderr := runCmd(t, "", "task", "assign", "--data", dir, "--case", caseID, "--username", "tecnico", "--scope", "location", "--description", "instalar cámaras")
	m := regexp.MustCompile(`task (\d+):`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("task assign: %d %s %s", code, out, stderr)
	}
	if scope, err := db.TaskScope(ctx, tech, p.ID, rc.CaseID); err != nil || !slices.Equal(scope, []string{"location"}) {
		t.Fatalf("task scope %v %v", scope, err)
	}
	if code, _, _ := runCmd(t, "", "task", "assign", "--data", dir, "--case", caseID, "--username", "tecnico", "--scope", "everything"); code != 2 {
		t.Fatalf("a task with an unknown compartment: exit %d", code)
	}
	if code, _, stderr := runCmd(t, "", "task", "close", "--data", dir, "--id", m[1]); code != 0 {
		t.Fatalf("task close: %s", stderr)
	}
	if scope, _ := db.TaskScope(ctx, tech, p.ID, rc.CaseID); scope != nil {
		t.Fatalf("closed task still opens %v", scope)
	}

	// A beneficiary account belongs to its person.
	if code, _, _ := runCmd(t, pw, "user", "add", "--data", dir, "--role", "analyst", "--username", "otra", "--person", itoa64(p.ID)); code != 2 {
		t.Fatalf("--person on a staff account: exit %d", code)
	}
	if code, _, stderr := runCmd(t, pw, "user", "add", "--data", dir, "--role", "beneficiary", "--username", "sinpersona"); code != 0 || !strings.Contains(stderr, "reaches nothing") {
		t.Fatalf("beneficiary without --person: exit %d, no warning: %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, pw, "user", "add", "--data", dir, "--role", "beneficiary", "--username", "silvia", "--person", itoa64(p.ID)); code != 0 {
		t.Fatalf("beneficiary: %s", stderr)
	}
	if u, err := db.FindUserByUsername(ctx, "silvia"); err != nil || u.PersonID != p.ID {
		t.Fatalf("beneficiary account %+v %v", u, err)
	}

	// Roles and passwords change at once.
	if code, _, _ := runCmd(t, "", "user", "set-role", "--data", dir, "--username", "enlace", "--role", "emperor"); code != 2 {
		t.Fatalf("unknown role: exit %d", code)
	}
	if code, _, stderr := runCmd(t, "", "user", "set-role", "--data", dir, "--username", "enlace", "--role", "analyst"); code != 0 {
		t.Fatalf("set-role: %s", stderr)
	}
	if u, _ := db.FindUserByUsername(ctx, "enlace"); u.Role != escudo.RoleAnalyst {
		t.Fatalf("role %s", u.Role)
	}
	if code, _, _ := runCmd(t, "short", "user", "set-password", "--data", dir, "--username", "enlace"); code != 2 {
		t.Fatalf("short password: exit %d", code)
	}
	if code, _, stderr := runCmd(t, "another long enough password", "user", "set-password", "--data", dir, "--username", "enlace"); code != 0 {
		t.Fatalf("set-password: %s", stderr)
	}
	if _, err := db.Authenticate(ctx, "enlace", "another long enough password"); err != nil {
		t.Fatalf("new password refused: %v", err)
	}
	if _, err := db.Authenticate(ctx, "enlace", pw); err == nil {
		t.Fatal("old password still accepted")
	}
	var actions []string
	if err := db.WithTx(ctx, false, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				return err
			}
			actions = append(actions, a)
		}
		return rows.Err()
	}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(actions, " ")
	for _, want := range []string{"task.assign", "task.close", "user.role", "user.password"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log lacks %s: %s", want, got)
		}
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
