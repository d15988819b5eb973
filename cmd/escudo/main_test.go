package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if stdin != "" {
		f := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(f, []byte(stdin), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--password-file", f)
	}
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	if code, _, _ := runCmd(t, "", "no-such-command"); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
	if code, out, _ := runCmd(t, "", "version"); code != 0 || !strings.HasPrefix(out, "escudo ") {
		t.Fatalf("version: %d %q", code, out)
	}
	// user add before migrate tells the operator to migrate.
	if code, _, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", "admin", "--username", "ana"); code == 0 || !strings.Contains(stderr, "migrate") {
		t.Fatalf("user add on empty database: %d %s", code, stderr)
	}
	if code, out, stderr := runCmd(t, "", "migrate", "--data", dir); code != 0 || !strings.Contains(out, "migrations applied") {
		t.Fatalf("migrate: %d %s %s", code, out, stderr)
	}
	if code, out, _ := runCmd(t, "", "migrate", "--data", dir); code != 0 || !strings.HasPrefix(out, "0 migrations") {
		t.Fatalf("second migrate must apply nothing: %s", out)
	}
	if fi, err := os.Stat(testKeyPath(t)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v %v", err, fi)
	}
	if code, out, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", "admin", "--username", "Ana"); code != 0 || !strings.Contains(out, "user ana created") {
		t.Fatalf("user add: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := runCmd(t, "short", "user", "add", "--data", dir, "--role", "admin", "--username", "beto"); code != 2 || !strings.Contains(stderr, "password") {
		t.Fatalf("short password: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", "king", "--username", "carla"); code != 2 || !strings.Contains(stderr, "role") {
		t.Fatalf("bad role: %d %s", code, stderr)
	}
	if code, _, _ := runCmd(t, "a long enough password", "user", "add", "--data", dir, "--role", "admin", "--username", "ana"); code != 2 {
		t.Fatal("duplicate username accepted")
	}
}

func TestConfigClockRules(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"clocks":[{"name":"evaluation","start":"received","stop":"evaluated","limit":"15d"}]}`), 0o600)
	f := &dbFlags{config: good}
	c, err := f.loadConfig()
	if err != nil || len(c.Clocks) != 1 || time.Duration(c.Clocks[0].Limit) != 15*24*time.Hour {
		t.Fatalf("good config: %v %+v", err, c)
	}
	for _, bad := range []string{`{"clocks":[{"name":"x","start":"received","stop":"evaluated","limit":"soon"}]}`,
		`{"clocks":[{"name":"x","start":"received","stop":"nowhere","limit":"1d"}]}`, `{`} {
		p := filepath.Join(dir, "bad.json")
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := (&dbFlags{config: p}).loadConfig(); err == nil {
			t.Errorf("bad config accepted: %s", bad)
		}
	}
}

// clock_sweep sets how often breaches are looked for, within bounds.
func TestConfigClockSweep(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"clock_sweep":"5s"}`), 0o600)
	c, err := (&dbFlags{config: good}).loadConfig()
	if err != nil || time.Duration(c.ClockSweep) != 5*time.Second {
		t.Fatalf("good clock_sweep: %v %+v", err, c)
	}
	for _, bad := range []string{`{"clock_sweep":"500ms"}`, `{"clock_sweep":"11m"}`, `{"clock_sweep":"pronto"}`} {
		p := filepath.Join(dir, "bad.json")
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := (&dbFlags{config: p}).loadConfig(); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("bad clock_sweep accepted or file not named: %s: %v", bad, err)
		}
	}
}

// The configuration's contact section is what the public pages show; bad
// values are refused at start, naming the file.
func TestConfigContact(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"contact":{"hotline":"800 111 2222","email":"atencion@mecanismo.example","offices":[{"name":"Central","address":"Calle 1","hours":"9 a 18 h"}]}}`), 0o600)
	c, err := (&dbFlags{config: good}).loadConfig()
	if err != nil || c.Contact == nil || c.Contact.Hotline != "800 111 2222" || len(c.Contact.Offices) != 1 || c.Contact.Offices[0].Hours != "9 a 18 h" {
		t.Fatalf("good contact: %v %+v", err, c)
	}
	for _, bad := range []string{`{"contact":{"email":"sin arroba"}}`, `{"contact":{"offices":[{"name":"","address":"Calle 1"}]}}`} {
		p := filepath.Join(dir, "bad.json")
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := (&dbFlags{config: p}).loadConfig(); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("bad contact accepted or file not named: %s: %v", bad, err)
		}
	}
}

// TestConfigIsStrict: a key escudo does not know, at any depth, is refused
// naming the key and the file; the alerts section loads and is checked.
func TestConfigIsStrict(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct{ body, key string }{
		{`{"clock":[]}`, `"clock"`},
		{`{"alerts":{"notfy":{}}}`, `"notfy"`},
		{`{"alerts":{"notify":{"workrs":4}}}`, `"workrs"`},
		{`{"alerts":{"policy":{"tiers":[{"name":"duty","ack_timeout":"15s","rols":["duty"]}]}}}`, `"rols"`},
		{`{"contact":{"hotlin":"800"}}`, `"hotlin"`},
	} {
		p := write(tc.body)
		_, err := (&dbFlags{config: p}).loadConfig()
		if err == nil || !strings.Contains(err.Error(), tc.key) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want a refusal naming %s and the file", tc.body, err, tc.key)
		}
	}
	if _, err := (&dbFlags{config: write(`{"clocks":[]} {"clocks":[]}`)}).loadConfig(); err == nil {
		t.Error("two documents accepted")
	}
	// The alerts section: a valid policy and delivery settings load; a bad
	// policy is refused when the section is applied.
	c, err := (&dbFlags{config: write(`{"alerts":{"console_url":"https://escudo.example/console","policy":{"dedup_window":"2m","tiers":[{"name":"duty","ack_timeout":"15s","roles":["duty"]}]},"notify":{"workers":4,"max_attempts":5,"base_backoff":"1s"}}}`)}).loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	var rf rapidFlags
	if err := rf.load(c); err != nil || rf.cfg.Notify.Workers != 4 || rf.cfg.Policy == nil || len(rf.cfg.Policy.Tiers) != 1 || time.Duration(rf.cfg.Notify.BaseBackoff) != time.Second {
		t.Fatalf("alerts section: %v %+v", err, rf.cfg)
	}
	c, err = (&dbFlags{config: write(`{"alerts":{"policy":{"tiers":[]}}}`)}).loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := (&rapidFlags{}).load(c); err == nil || !strings.Contains(err.Error(), "alerts.policy") {
		t.Fatalf("empty escalation policy: %v", err)
	}
}
