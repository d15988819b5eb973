package auditsink_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"escudo/internal/auditsink"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// signed returns real checkpoints of a store's audit log, one per entry.
func signed(t *testing.T, n int) []store.Checkpoint {
	t.Helper()
	db := testdb.OpenSQLite(t, testdb.Options{})
	var out []store.Checkpoint
	for i := range n {
		if err := db.Audit(context.Background(), store.AuditEntry{Action: "case.read", ObjectType: "case", ObjectID: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
		c, err := db.Checkpoint(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, *c)
	}
	return out
}

func TestFileSinkAppendsCheckpointsOutsideTheDataFolder(t *testing.T) {
	data, elsewhere := t.TempDir(), t.TempDir()
	if _, err := auditsink.Open(auditsink.Options{Target: filepath.Join(data, "checkpoints.jsonl"), DataDir: data}); err == nil || !strings.Contains(err.Error(), "inside the data folder") {
		t.Fatalf("sink inside the data folder: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(data, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := auditsink.Open(auditsink.Options{Target: filepath.Join(data, "sub", "..", "sub", "c.jsonl"), DataDir: data}); err == nil {
		t.Fatal("sink in a folder under the data folder accepted")
	}
	path := filepath.Join(elsewhere, "checkpoints.jsonl")
	// What an earlier run left stays: the file is only appended to.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cps := signed(t, 3)
	for round := range 2 {
		s, err := auditsink.Open(auditsink.Options{Target: path, DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			s.Send(cps[0])
			s.Send(cps[1])
			s.Send(cps[0]) // late and older: the file stays in order
		} else {
			s.Send(cps[2])
		}
		if err := s.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sink file mode: %v %v", fi.Mode(), err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := store.ParseCheckpoints(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Seq != 1 || got[2].Seq != 3 {
		t.Fatalf("file holds %+v", got)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, err := auditsink.Open(auditsink.Options{Target: path, DataDir: data}); err == nil {
		t.Fatal("a sink file others can write accepted")
	}
}

func TestWebhookSinkRetriesWithoutBlocking(t *testing.T) {
	var mu sync.Mutex
	var got []store.Checkpoint
	attempts := 0
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts <= 2 { // the receiver is down at first
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		var c store.Checkpoint
		if err := json.Unmarshal(b, &c); err != nil || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got = append(got, c)
	}))
	defer rcv.Close()
	for _, bad := range []string{"http://192.0.2.1/hook", "ftp://127.0.0.1/x", "https://"} {
		if _, err := auditsink.Open(auditsink.Options{Target: bad}); err == nil {
			t.Errorf("sink %s accepted", bad)
		}
	}
	s, err := auditsink.Open(auditsink.Options{Target: rcv.URL + "/checkpoints", Retry: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cps := signed(t, 2)
	s.Send(cps[0]) // returns at once, whatever the receiver does
	s.Send(cps[1])
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 2 || attempts != 4 {
		t.Fatalf("receiver got %d checkpoints in %d attempts", len(got), attempts)
	}
	for i := range got {
		if err := got[i].Verify(); err != nil {
			t.Fatal(err)
		}
	}
}
