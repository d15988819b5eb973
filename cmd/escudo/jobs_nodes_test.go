package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// TestSchedulerFailsOverWhenANodeIsKilled: two nodes on one PostgreSQL
// database share the periodic jobs, each tick run by one of them; when the
// node running them is killed with SIGKILL (no chance to give up its
// leases), the other takes every job over by itself once the dead node's
// leases run out (3 s), and the jobs go on (issue 12, item 1).
func TestSchedulerFailsOverWhenANodeIsKilled(t *testing.T) {
	testdb.PostgresURL(t)
	bin := filepath.Join(t.TempDir(), "escudo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := append(os.Environ(), "ESCUDO_MASTER_KEY="+hex.EncodeToString(key), "NO_COLOR=1")
	dbURL := testdb.FreshPostgres(t)
	cfg := filepath.Join(t.TempDir(), "escudo.json")
	if err := os.WriteFile(cfg, []byte(`{"clock_sweep": "1s"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	nodes := map[string]*clusterNode{
		"escudo-a": startClusterNode(t, bin, env, dbURL, "--node", "escudo-a", "--migrate", "--config", cfg),
	}
	nodes["escudo-b"] = startClusterNode(t, bin, env, dbURL, "--node", "escudo-b", "--config", cfg)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schedules := func() map[string]store.Schedule {
		t.Helper()
		ss, err := db.Schedules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.Schedule{}
		for _, s := range ss {
			out[s.Name] = s
		}
		return out
	}
	wait := func(what string, cond func() bool) { t.Helper(); waitCond(t, what, 30*time.Second, cond) }
	wait("both nodes seen", func() bool {
		ns, err := db.Nodes(ctx, db.Now().Add(-5*time.Second))
		return err == nil && len(ns) == 2
	})
	wait("the clock sweep and the escalation job to run", func() bool {
		s := schedules()
		return s["clock.sweep"].Runs >= 3 && s["alert.escalate"].Runs >= 3
	})
	for _, name := range []string{"clock.sweep", "alert.escalate", "drill.track"} {
		if s := schedules()[name]; s.Failures != 0 || s.Interval != map[string]time.Duration{"clock.sweep": time.Second, "alert.escalate": time.Second, "drill.track": time.Second}[name] {
			t.Fatalf("%s: %+v", name, s)
		}
	}
	// Exactly once per turn: over a few seconds with both nodes serving,
	// each 1-second job ran at most once per second, not once per node.
	before, from := schedules(), db.Now()
	time.Sleep(4 * time.Second)
	after, to := schedules(), db.Now()
	turns := int64(to.Sub(from)/time.Second) + 1
	for _, name := range []string{"clock.sweep", "alert.escalate", "drill.track"} {
		if ran := after[name].Runs - before[name].Runs; ran < 1 || ran > turns {
			t.Fatalf("%s ran %d times in %v with two nodes, want 1 to %d", name, ran, to.Sub(from).Round(time.Millisecond), turns)
		}
	}
	// Kill the node that runs the escalations now.
	victim := schedules()["alert.escalate"].LastNode
	survivor := "escudo-a"
	if victim == survivor {
		survivor = "escudo-b"
	}
	if nodes[victim] == nil {
		t.Fatalf("escalations run by unknown node %q", victim)
	}
	if err := nodes[victim].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := db.Now()
	wait("the survivor to run every cluster job after the kill", func() bool {
		s := schedules()
		for _, name := range []string{"clock.sweep", "alert.escalate", "drill.track"} {
			if s[name].LastNode != survivor || s[name].LastStarted == nil || !s[name].LastStarted.After(killed) {
				return false
			}
		}
		return true
	})
	s := schedules()
	moved := s["alert.escalate"].LastStarted.Sub(killed)
	for _, name := range []string{"clock.sweep", "drill.track"} {
		moved = max(moved, s[name].LastStarted.Sub(killed))
	}
	t.Logf("node %s killed; node %s ran every cluster job %v later", victim, survivor, moved.Round(time.Millisecond))
	runs := s["alert.escalate"].Runs
	wait("the escalation job to go on", func() bool { return schedules()["alert.escalate"].Runs >= runs+3 })
	ns, err := db.Nodes(ctx, db.Now().Add(-3*time.Second))
	if err != nil || len(ns) != 1 || ns[0].ID != survivor {
		t.Fatalf("live nodes after the kill: %+v %v", ns, err)
	}
}
