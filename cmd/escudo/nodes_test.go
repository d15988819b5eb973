package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"escudo/internal/testdb"
)

// TestNodesStartTogetherOnPostgres starts two `escudo serve --migrate`
// processes at the same moment on an empty PostgreSQL database, three times
// over: both come up, and an API token made through the command line works
// on each, so they migrated once and share one set of keys (issue 12,
// item 2).
func TestNodesStartTogetherOnPostgres(t *testing.T) {
	testdb.PostgresURL(t) // skips without PostgreSQL, fails when it is required
	bin := filepath.Join(t.TempDir(), "escudo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := append(os.Environ(), "ESCUDO_MASTER_KEY="+hex.EncodeToString(key), "NO_COLOR=1")
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("una contraseña larga de prueba 2026\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	for round := range rounds {
		dbURL := testdb.FreshPostgres(t)
		var wg sync.WaitGroup
		urls := make([]string, 2)
		errs := make([]string, 2)
		start := make(chan struct{})
		for i := range 2 {
			cmd := exec.Command(bin, "serve", "--db", dbURL, "--migrate", "--addr", "127.0.0.1:0",
				"--public-url", "https://escudo.example", "--metrics-addr", "off")
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := cmd.Start(); err != nil {
					errs[i] = err.Error()
					return
				}
				t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
				found := make(chan string, 1)
				go func() {
					sc := bufio.NewScanner(stdout)
					for sc.Scan() {
						if u, ok := strings.CutPrefix(sc.Text(), "escudo listening on "); ok {
							found <- u
							_, _ = io.Copy(io.Discard, stdout)
							return
						}
					}
					close(found)
				}()
				select {
				case u, ok := <-found:
					if !ok {
						errs[i] = "exited: " + stderr.String()
					}
					urls[i] = u
				case <-time.After(90 * time.Second):
					errs[i] = "never said where it listens: " + stderr.String()
				}
			}()
		}
		t0 := time.Now()
		close(start)
		wg.Wait()
		t.Logf("round %d: both nodes up after %v", round, time.Since(t0))
		for i, e := range errs {
			if e != "" {
				t.Fatalf("round %d: node %d: %s", round, i, e)
			}
		}
		run := func(args ...string) string {
			t.Helper()
			cmd := exec.Command(bin, append(args, "--db", dbURL)...)
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("round %d: escudo %s: %v\n%s", round, strings.Join(args, " "), err, stderr.String())
			}
			return strings.TrimSpace(string(out))
		}
		run("user", "add", "--username", "coordinacion", "--name", "Coordinación", "--role", "coordinator", "--password-file", pwFile)
		token := run("token", "create", "--username", "coordinacion", "--name", "prueba de nodos")
		for i, u := range urls {
			req, _ := http.NewRequest("GET", u+"/api/v1/cases", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d: node %d refuses the token made on the command line: %d %s", round, i, resp.StatusCode, body)
			}
		}
	}
}
