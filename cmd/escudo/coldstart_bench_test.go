package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"escudo/internal/demo"
)

// BenchmarkColdStart measures `escudo serve` from exec to the first 200 from
// /readyz on a SQLite database of 100,000 cases (budget: 1 s). The data set
// is the cached one of the store benchmarks; each run serves a private copy,
// since the clock scheduler writes to it once serving.
//
//	go test ./cmd/escudo -run '^$' -bench ColdStart -benchtime 20x
func BenchmarkColdStart(b *testing.B) {
	ctx := context.Background()
	n := 100_000
	if os.Getenv("ESCUDO_BENCH_CASES") != "" {
		n = 0
		for _, r := range os.Getenv("ESCUDO_BENCH_CASES") {
			n = n*10 + int(r-'0')
		}
	}
	src, err := demo.SQLiteDataset(ctx, n, os.Stderr)
	if err != nil {
		b.Fatal(err)
	}
	// Bring the cached data set to the current schema before copying it.
	db, err := demo.OpenDataset(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	dir := b.TempDir()
	for _, name := range []string{"escudo.db", "master.key"} {
		if err := copyFile(filepath.Join(src, name), filepath.Join(dir, name)); err != nil {
			b.Fatal(err)
		}
	}
	bin := filepath.Join(b.TempDir(), "escudo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	lat := make([]time.Duration, 0, b.N)
	client := &http.Client{Timeout: time.Second}
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(bin, "serve", "--data", dir, "--master-key", filepath.Join(dir, "master.key"), "--allow-key-in-data", "--addr", "127.0.0.1:0", "--public-url", "https://escudo.example", "--metrics-addr", "127.0.0.1:0")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		url := ""
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "escudo listening on "); ok {
				url = u
				break
			}
		}
		if url == "" {
			cmd.Process.Kill()
			cmd.Wait()
			b.Fatal("serve never said where it listens")
		}
		go io.Copy(io.Discard, stdout)
		for {
			resp, err := client.Get(url + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Since(start) > 30*time.Second {
				b.Fatal("not ready after 30 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)])/1e6, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/1e6, "max-ms")
	b.ReportMetric(0, "ns/op")
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
