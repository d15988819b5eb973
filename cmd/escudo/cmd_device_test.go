package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/vault"
)

func TestDeviceCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := context.Background()
	keys, err := vault.LoadMasterKey(testKeyPath(t), false)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Init(ctx); err != nil {
		t.Fatal(err)
	}
	p := &escudo.Person{Profile: escudo.ProfileDefender, Name: "Norma Mesino", Entity: "GRO"}
	if err := db.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	db.Close()
	person := strconv.FormatInt(p.ID, 10)

	code, out, stderr := runCmd(t, "", "device", "add", "--data", dir, "--person", person, "--kind", "satellite_phone", "--interval", "10m", "--auth", "hmac", "--phone", "+52 744 555 0100")
	if code != 0 || !strings.Contains(out, "device 1 registered") || !strings.Contains(out, "secret") || !strings.Contains(out, escudo.SignatureHeader) {
		t.Fatalf("device add: %d %s %s", code, out, stderr)
	}
	secret := ""
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "secret") {
			secret = line[strings.LastIndex(line, " ")+1:]
		}
	}
	if len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	// The secret is not stored in the clear and never listed.
	code, out, _ = runCmd(t, "", "device", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, "satellite_phone") || !strings.Contains(out, "GRO") || strings.Contains(out, secret) {
		t.Fatalf("device list: %d %s", code, out)
	}
	for _, bad := range [][]string{
		{"--person", person, "--kind", "toaster"},
		{"--person", person, "--interval", "1s"},
		{"--kind", "camera"},
		{"--person", "999", "--kind", "camera"},
	} {
		if code, _, _ := runCmd(t, "", append([]string{"device", "add", "--data", dir}, bad...)...); code == 0 {
			t.Errorf("device add %v succeeded", bad)
		}
	}
}
