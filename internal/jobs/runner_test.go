package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"escudo/internal/jobs"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// pair opens two handles on one fresh database, as two nodes have: on
// SQLite two connections pools to one file, on PostgreSQL two pools to one
// database.
func pair(t *testing.T, engine string) (*store.DB, *store.DB) {
	t.Helper()
	ctx := context.Background()
	var o store.Options
	switch engine {
	case "sqlite":
		o = store.Options{DataDir: t.TempDir(), Keys: testdb.TestKey(t)}
	default:
		o = store.Options{URL: testdb.FreshPostgres(t), Keys: testdb.TestKey(t)}
	}
	open := func() *store.DB {
		db, err := store.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	a := open()
	if engine == "sqlite" && filepath.Dir(a.Path()) != o.DataDir {
		t.Fatalf("sqlite at %s, want in %s", a.Path(), o.DataDir)
	}
	return a, open()
}

func engines(t *testing.T, fn func(t *testing.T, engine string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, "sqlite") })
	t.Run("postgres", func(t *testing.T) { testdb.PostgresURL(t); fn(t, "postgres") })
}

// fast is a runner tuned for tests: leases and polls in milliseconds.
func fast(db *store.DB, node string) *jobs.Runner {
	return jobs.New(jobs.Options{DB: db, Node: node, Lease: 400 * time.Millisecond, Beat: 100 * time.Millisecond, Poll: 20 * time.Millisecond})
}

func run(t *testing.T, rs ...*jobs.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds, failing after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func schedule(t *testing.T, db *store.DB, name string) store.Schedule {
	t.Helper()
	ss, err := db.Schedules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no schedule %s", name)
	return store.Schedule{}
}

// TestClusterJobRunsOnOneNodeAtATime: two nodes register the same cluster
// job; its runs never overlap, and every run is recorded once.
func TestClusterJobRunsOnOneNodeAtATime(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		a, b := pair(t, engine)
		var inside, overlaps, calls atomic.Int64
		perNode := map[string]*atomic.Int64{"a": {}, "b": {}}
		job := func(node string) jobs.Func {
			return func(ctx context.Context) error {
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				time.Sleep(15 * time.Millisecond)
				calls.Add(1)
				perNode[node].Add(1)
				inside.Add(-1)
				return nil
			}
		}
		ra, rb := fast(a, "a"), fast(b, "b")
		ra.Every("sweep", 30*time.Millisecond, job("a"))
		rb.Every("sweep", 30*time.Millisecond, job("b"))
		stop := run(t, ra, rb)
		waitFor(t, "20 runs", func() bool { return calls.Load() >= 20 })
		stop()
		if n := overlaps.Load(); n != 0 {
			t.Fatalf("%d runs overlapped another node's run of the same tick", n)
		}
		if s := schedule(t, a, "sweep"); s.Runs != calls.Load() {
			t.Fatalf("schedule records %d runs, the job ran %d times", s.Runs, calls.Load())
		}
		t.Logf("runs on a: %d, on b: %d", perNode["a"].Load(), perNode["b"].Load())
	})
}

// TestLocalJobRunsOnEveryNode: a local job is not shared.
func TestLocalJobRunsOnEveryNode(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		a, b := pair(t, engine)
		var na, nb atomic.Int64
		ra, rb := fast(a, "a"), fast(b, "b")
		ra.Local("flush", 20*time.Millisecond, func(context.Context) error { na.Add(1); return nil })
		rb.Local("flush", 20*time.Millisecond, func(context.Context) error { nb.Add(1); return nil })
		run(t, ra, rb)
		waitFor(t, "both nodes to flush", func() bool { return na.Load() >= 3 && nb.Load() >= 3 })
	})
}

// TestTickOfADeadNodeRunsAgain: a node that took a tick and stopped renewing
// its lease (killed) leaves the tick to the next node once the lease ran out.
func TestTickOfADeadNodeRunsAgain(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		a, b := pair(t, engine)
		ctx := context.Background()
		// The dead node's claim: the tick is due now, leased for 300 ms.
		if err := a.RegisterSchedule(ctx, "sweep", time.Hour); err != nil {
			t.Fatal(err)
		}
		ok, _, err := a.ClaimTick(ctx, "sweep", "dead", time.Hour, a.Now().Add(300*time.Millisecond))
		if err != nil || !ok {
			t.Fatalf("dead node's claim: %v %v", ok, err)
		}
		var ran atomic.Int64
		rb := fast(b, "b")
		rb.Every("sweep", time.Hour, func(context.Context) error { ran.Add(1); return nil })
		run(t, rb)
		waitFor(t, "node b to run the dead node's tick", func() bool { return ran.Load() == 1 })
		waitFor(t, "the run to be recorded", func() bool { return schedule(t, a, "sweep").Runs == 1 })
		if s := schedule(t, a, "sweep"); s.LastNode != "b" {
			t.Fatalf("last run by %q, want b", s.LastNode)
		}
	})
}

// TestDeferredJobsExactlyOnce: jobs enqueued in one transaction are run by
// two nodes, each exactly once; the handler's own write commits with the
// job's completion.
func TestDeferredJobsExactlyOnce(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		a, b := pair(t, engine)
		ctx := context.Background()
		const n = 200
		err := a.WithTx(ctx, true, func(tx *store.Tx) error {
			for i := range n {
				if _, err := tx.EnqueueJob(ctx, store.NewJob{Kind: "deliver", Args: strconv.Itoa(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		handler := func(ctx context.Context, tx *store.Tx, j store.Job) error {
			mu.Lock()
			seen[j.Args]++
			mu.Unlock()
			_, err := tx.EnqueueJob(ctx, store.NewJob{Kind: "receipt", Args: j.Args})
			return err
		}
		ra, rb := fast(a, "a"), fast(b, "b")
		ra.Handle("deliver", handler)
		rb.Handle("deliver", handler)
		run(t, ra, rb)
		waitFor(t, "every job done", func() bool {
			done, err := a.JobsOfKind(ctx, "receipt", 10*n)
			return err == nil && len(done) >= n
		})
		receipts, err := a.JobsOfKind(ctx, "receipt", 10*n)
		if err != nil {
			t.Fatal(err)
		}
		if len(receipts) != n {
			t.Fatalf("%d receipts for %d jobs", len(receipts), n)
		}
		got := map[string]bool{}
		for _, r := range receipts {
			if got[r.Args] {
				t.Fatalf("job %s took effect twice", r.Args)
			}
			got[r.Args] = true
		}
		js, err := a.JobsOfKind(ctx, "deliver", 10*n)
		if err != nil {
			t.Fatal(err)
		}
		// Exactly once is about effects, proven by the receipts above: an
		// attempt that rolled back (the other node's SQLite writer held the
		// file, or a lease ran out on a loaded machine) left nothing behind
		// and is retried. Every job still ends done, in few attempts.
		for _, j := range js {
			if j.State != store.JobDone || j.Attempts < 1 || j.Attempts > 3 {
				t.Fatalf("job %d: state %s after %d attempts", j.ID, j.State, j.Attempts)
			}
		}
	})
}

// TestDeferredJobOfADeadNodeMoves: a job leased by a node that stopped
// renewing is taken by another once the lease ran out, and done once.
func TestDeferredJobOfADeadNodeMoves(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		a, b := pair(t, engine)
		ctx := context.Background()
		var id int64
		err := a.WithTx(ctx, true, func(tx *store.Tx) (err error) {
			id, err = tx.EnqueueJob(ctx, store.NewJob{Kind: "deliver", Args: "x"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.ClaimJobs(ctx, "dead", []string{"deliver"}, 10, a.Now().Add(200*time.Millisecond))
		if err != nil || len(got) != 1 {
			t.Fatalf("dead node's claim: %v %v", got, err)
		}
		// The dead node's completion after it lost the lease writes nothing.
		var ran atomic.Int64
		rb := fast(b, "b")
		rb.Handle("deliver", func(ctx context.Context, tx *store.Tx, j store.Job) error { ran.Add(1); return nil })
		run(t, rb)
		waitFor(t, "node b to do the job", func() bool {
			j, err := a.FindJob(ctx, id)
			return err == nil && j.State == store.JobDone
		})
		err = a.WithTx(ctx, true, func(tx *store.Tx) error { return tx.CompleteJob(ctx, id, "dead") })
		if !errors.Is(err, store.ErrJobLost) {
			t.Fatalf("the dead node completing late: %v, want ErrJobLost", err)
		}
		j, _ := a.FindJob(ctx, id)
		if ran.Load() != 1 || j.Attempts != 2 || j.Node != "" {
			t.Fatalf("ran %d times, job %+v", ran.Load(), j)
		}
	})
}

// TestFailedJobRetriesThenFails: a failing job is tried again after its
// backoff and marked failed when out of attempts.
func TestFailedJobRetriesThenFails(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		a, _ := pair(t, engine)
		ctx := context.Background()
		var id int64
		err := a.WithTx(ctx, true, func(tx *store.Tx) (err error) {
			id, err = tx.EnqueueJob(ctx, store.NewJob{Kind: "flaky", MaxAttempts: 2})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var tries atomic.Int64
		r := fast(a, "a")
		r.Handle("flaky", func(ctx context.Context, tx *store.Tx, j store.Job) error {
			tries.Add(1)
			// The receipt written before the failure must roll back.
			if _, err := tx.EnqueueJob(ctx, store.NewJob{Kind: "receipt"}); err != nil {
				return err
			}
			return errors.New("receiver down")
		})
		run(t, r)
		waitFor(t, "the job to fail for good", func() bool {
			j, err := a.FindJob(ctx, id)
			return err == nil && j.State == store.JobFailed
		})
		j, _ := a.FindJob(ctx, id)
		if tries.Load() != 2 || j.Attempts != 2 || j.LastError != "receiver down" || j.FinishedAt == nil {
			t.Fatalf("tries %d, job %+v", tries.Load(), j)
		}
		if rs, _ := a.JobsOfKind(ctx, "receipt", 10); len(rs) != 0 {
			t.Fatalf("a failed attempt's writes committed: %d receipts", len(rs))
		}
	})
}

// TestUniqueJob: a job with the unique key of one waiting is not enqueued twice.
func TestUniqueJob(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		a, _ := pair(t, engine)
		ctx := context.Background()
		enqueue := func() error {
			return a.WithTx(ctx, true, func(tx *store.Tx) error {
				_, err := tx.EnqueueJob(ctx, store.NewJob{Kind: "remind", UniqueKey: "case:7"})
				return err
			})
		}
		if err := enqueue(); err != nil {
			t.Fatal(err)
		}
		if err := enqueue(); !errors.Is(err, store.ErrJobDuplicate) {
			t.Fatalf("second enqueue: %v, want ErrJobDuplicate", err)
		}
	})
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt int
		want    time.Duration
	}{{1, time.Second}, {2, 4 * time.Second}, {3, 16 * time.Second}, {6, 1024 * time.Second / 1}, {20, 10 * time.Minute}} {
		want := min(c.want, 10*time.Minute)
		if got := jobs.Backoff(c.attempt); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", c.attempt, got, want)
		}
	}
}
