package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// node is one `escudo serve` process of a cluster test.
type node struct {
	name string
	cmd  *exec.Cmd
	url  string
	log  *strings.Builder
}

// startNode starts `escudo serve` as the named node on dbURL and waits
// until it listens.
func startNode(t *testing.T, bin, dbURL, name string, env []string, extra ...string) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n := &node{name: name, url: "http://" + addr, log: &strings.Builder{}}
	n.cmd = exec.Command(bin, append([]string{"serve", "--db", dbURL, "--node", name, "--addr", addr, "--public-url", n.url, "--metrics-addr", "off"}, extra...)...)
	n.cmd.Env = env
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	n.cmd.Stderr = n.cmd.Stdout
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		once := false
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
			if !once && strings.Contains(sc.Text(), "listening on ") {
				once = true
				close(listening)
			}
		}
		close(lines)
	}()
	go func() {
		for l := range lines {
			n.log.WriteString(l + "\n")
		}
	}()
	t.Cleanup(func() {
		_ = n.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = n.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = n.cmd.Process.Kill()
			<-done
		}
	})
	select {
	case <-listening:
	case <-time.After(90 * time.Second):
		t.Fatalf("node %s did not listen in time:\n%s", name, n.log.String())
	}
	return n
}

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
	nodes := map[string]*node{
		"escudo-a": startNode(t, bin, dbURL, "escudo-a", env, "--migrate", "--config", cfg),
	}
	nodes["escudo-b"] = startNode(t, bin, dbURL, "escudo-b", env, "--config", cfg)
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
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				for name, n := range nodes {
					t.Logf("node %s:\n%s", name, n.log.String())
				}
				t.Fatalf("timed out waiting for %s: %+v", what, schedules())
			}
		}
	}
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
