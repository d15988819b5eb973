package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects a command's stderr while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runDemoUntilReady starts `escudo demo`, waits for the banner, checks that
// the server answers, stops it and returns what it printed.
func runDemoUntilReady(t *testing.T, args ...string) (banner, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"demo", "--addr", "127.0.0.1:0"}, args...), pw, &errb)
		pw.Close()
	}()
	var out strings.Builder
	url := ""
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "Abre en tu navegador / Open in your browser:"); ok {
			url = strings.TrimSpace(u)
		}
		if strings.Contains(line, "Ctrl+C") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" {
		cancel()
		t.Fatalf("no address in the banner:\n%s\nstderr:\n%s", out.String(), errb.String())
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("demo server not ready: %v %v", err, resp)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("demo exited with %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop")
	}
	return out.String(), errb.String()
}

func TestDemoCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	banner, stderr := runDemoUntilReady(t, "--data", dir, "--cases", "30")
	for _, user := range []string{"recepcion", "guardia", "analista", "seguimiento", "coordinacion", "admin", "junta",
		"consejo", "enlace", "tecnico", "revisor", "beneficiaria", "auditoria"} {
		if !strings.Contains(banner, "  "+user+" ") {
			t.Errorf("banner lacks the %s account:\n%s", user, banner)
		}
	}
	state, err := readDemoState(dir)
	if err != nil || !state.Complete || len(state.Password) < 12 || !strings.Contains(banner, state.Password) {
		t.Fatalf("demo state %+v %v", state, err)
	}
	if !strings.Contains(stderr, "30 casos") {
		t.Errorf("no seeding progress on stderr: %q", stderr)
	}
	// A second run reuses the folder: same password, no new seeding.
	banner2, stderr2 := runDemoUntilReady(t, "--data", dir, "--cases", "30")
	if !strings.Contains(stderr2, "reusing") || strings.Contains(stderr2, "Sembrando") || !strings.Contains(banner2, state.Password) {
		t.Fatalf("second run did not reuse the demo: %s", stderr2)
	}
	// --reset deletes only a demo folder.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "escudo.db"), []byte("not a demo"), 0o600)
	if code, _, errs := runCmd(t, "", "demo", "--data", other, "--reset"); code == 0 || !strings.Contains(errs, "refusing") {
		t.Fatalf("--reset on a non-demo folder: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(other, "escudo.db")); err != nil {
		t.Fatal("--reset deleted a folder that is not a demo")
	}
}

// A busy address is told at once, before anything is seeded.
func TestDemoBusyPortBeforeSeeding(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := filepath.Join(t.TempDir(), "demo")
	var out, errb syncBuffer
	code := run(context.Background(), []string{"demo", "--data", dir, "--addr", ln.Addr().String(), "--cases", "30"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "ya está en uso") || !strings.Contains(errb.String(), "in use") {
		t.Fatalf("busy port: exit %d, stderr %q", code, errb.String())
	}
	if strings.Contains(errb.String(), "Sembrando") {
		t.Fatal("seeded before finding the port busy")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the demo folder was created: %v", err)
	}
}
