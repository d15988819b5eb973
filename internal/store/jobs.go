package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The job runner's tables (migration 0900). internal/jobs decides when to
// call these; every statement that makes a job run exactly once across the
// nodes is here: a periodic tick is taken by one conditional update of its
// schedule row, a deferred job by an update of its row (FOR UPDATE SKIP
// LOCKED on PostgreSQL, the single writer on SQLite), and each holds a
// lease that its node renews every second. A lease that runs out means the
// node died: another node takes the work.

// Job states.
const (
	JobAvailable = "available"
	JobRunning   = "running"
	JobDone      = "done"
	JobFailed    = "failed"
)

// Job is one deferred job.
type Job struct {
	ID          int64
	Kind        string
	Args        string
	UniqueKey   string
	RunAt       time.Time
	State       string
	Attempts    int
	MaxAttempts int
	Node        string
	LeaseUntil  time.Time
	CreatedAt   time.Time
	FinishedAt  *time.Time
	LastError   string
}

// NewJob is what EnqueueJob stores.
type NewJob struct {
	Kind string
	Args string
	// UniqueKey, when set, makes the enqueue a no-op while another job
	// with the same key is waiting or running.
	UniqueKey   string
	RunAt       time.Time // zero: now
	MaxAttempts int       // zero: 5
}

// ErrJobDuplicate is returned by EnqueueJob when a job with the same unique
// key is already waiting or running.
var ErrJobDuplicate = errors.New("store: job already enqueued")

// EnqueueJob stores a deferred job in the transaction of the change that
// causes it, so that both commit or neither does.
func (tx *Tx) EnqueueJob(ctx context.Context, j NewJob) (int64, error) {
	if j.Kind == "" {
		return 0, errors.New("store: job without a kind")
	}
	at := j.RunAt
	if at.IsZero() {
		at = tx.now
	}
	maxAttempts := j.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 5
	}
	var key any
	if j.UniqueKey != "" {
		key = j.UniqueKey
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO jobs (kind, args, unique_key, run_at, state, attempts, max_attempts, created_at)
		VALUES (?, ?, ?, ?, 'available', 0, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		j.Kind, j.Args, key, micros(at), maxAttempts, micros(tx.now)).Scan(&id)
	if isNoRows(err) {
		return 0, ErrJobDuplicate
	}
	if err != nil {
		return 0, fmt.Errorf("store: enqueue job: %w", err)
	}
	return id, nil
}

// AfterCommit runs f once the transaction has committed (the job runner is
// woken this way when a job is enqueued).
func (tx *Tx) AfterCommit(f func()) { tx.afterCommit = append(tx.afterCommit, f) }

// ClaimJobs leases up to limit due jobs of the given kinds to node until
// leaseUntil and returns them, their attempt counted.
func (db *DB) ClaimJobs(ctx context.Context, node string, kinds []string, limit int, leaseUntil time.Time) ([]Job, error) {
	if len(kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	lock := ""
	if db.Dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []Job
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		args := []any{node, micros(leaseUntil), micros(tx.now)}
		for _, k := range kinds {
			args = append(args, k)
		}
		args = append(args, limit)
		rows, err := tx.Query(ctx, `UPDATE jobs SET state = 'running', lease_node = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM jobs WHERE state = 'available' AND run_at <= ? AND kind IN (`+marks+`) ORDER BY run_at, id LIMIT ?`+lock+`)
			RETURNING id, kind, args, COALESCE(unique_key, ''), run_at, attempts, max_attempts, created_at`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j := Job{State: JobRunning, Node: node, LeaseUntil: leaseUntil}
			var runAt, created int64
			if err := rows.Scan(&j.ID, &j.Kind, &j.Args, &j.UniqueKey, &runAt, &j.Attempts, &j.MaxAttempts, &created); err != nil {
				return err
			}
			j.RunAt, j.CreatedAt = fromMicros(runAt), fromMicros(created)
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim jobs: %w", err)
	}
	return out, nil
}

// ErrJobLost is returned when a job's lease was no longer this node's: it
// ran out and another node took the job, so this node's work is undone.
var ErrJobLost = errors.New("store: job lease lost")

// CompleteJob marks a job done in tx, the transaction holding the job's own
// writes: they commit together or not at all, and only while node still
// holds the lease, so a job whose effect is in the database takes effect
// exactly once.
func (tx *Tx) CompleteJob(ctx context.Context, id int64, node string) error {
	res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'done', finished_at = ?, lease_node = NULL, lease_until = NULL, last_error = NULL
		WHERE id = ? AND state = 'running' AND lease_node = ?`, micros(tx.now), id, node)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrJobLost
	}
	return nil
}

// FailJob records a failed attempt: the job waits until retryAt, or, out of
// attempts, is marked failed for good.
func (db *DB) FailJob(ctx context.Context, id int64, node string, msg string, retryAt time.Time) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET
				state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'available' END,
				finished_at = CASE WHEN attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE NULL END,
				run_at = ?, last_error = ?, lease_node = NULL, lease_until = NULL
			WHERE id = ? AND state = 'running' AND lease_node = ?`, micros(tx.now), micros(retryAt), clip(msg, 500), id, node)
		return err
	})
}

// ReleaseExpiredJobs puts back the jobs whose node stopped renewing their
// lease (it died), or marks them failed when out of attempts; it returns
// how many it released.
func (db *DB) ReleaseExpiredJobs(ctx context.Context) (int, error) {
	var n int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET
				state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'available' END,
				finished_at = CASE WHEN attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE NULL END,
				last_error = 'node stopped', lease_node = NULL, lease_until = NULL
			WHERE state = 'running' AND lease_until < ?`, micros(tx.now), micros(tx.now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// PurgeJobs deletes finished jobs older than before.
func (db *DB) PurgeJobs(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < ?`, micros(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// FindJob reads one job.
func (db *DB) FindJob(ctx context.Context, id int64) (*Job, error) {
	jobs, err := db.queryJobs(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, errNotFound()
	}
	return &jobs[0], nil
}

// JobsOfKind lists the jobs of a kind, oldest first (tests, the jobs page).
func (db *DB) JobsOfKind(ctx context.Context, kind string, limit int) ([]Job, error) {
	return db.queryJobs(ctx, `WHERE kind = ? ORDER BY id LIMIT ?`, kind, limit)
}

func (db *DB) queryJobs(ctx context.Context, where string, args ...any) ([]Job, error) {
	rows, err := db.readQuery(ctx, `SELECT id, kind, args, COALESCE(unique_key, ''), run_at, state, attempts, max_attempts,
		COALESCE(lease_node, ''), COALESCE(lease_until, 0), created_at, finished_at, COALESCE(last_error, '') FROM jobs `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var runAt, lease, created int64
		var fin sql.NullInt64
		if err := rows.Scan(&j.ID, &j.Kind, &j.Args, &j.UniqueKey, &runAt, &j.State, &j.Attempts, &j.MaxAttempts, &j.Node, &lease, &created, &fin, &j.LastError); err != nil {
			return nil, err
		}
		j.RunAt, j.CreatedAt, j.FinishedAt = fromMicros(runAt), fromMicros(created), ptrMicros(fin)
		if lease != 0 {
			j.LeaseUntil = fromMicros(lease)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// JobCounts counts jobs by kind and state (metrics, the jobs page).
func (db *DB) JobCounts(ctx context.Context) (map[[2]string]int, error) {
	rows, err := db.readQuery(ctx, `SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string]int{}
	for rows.Next() {
		var k, s string
		var n int
		if err := rows.Scan(&k, &s, &n); err != nil {
			return nil, err
		}
		out[[2]string{k, s}] = n
	}
	return out, rows.Err()
}

// Schedule is one periodic job's row.
type Schedule struct {
	Name         string
	Interval     time.Duration
	NextRun      time.Time
	Node         string    // holding the lease now, or ""
	LeaseUntil   time.Time // zero when not running
	Runs         int64
	Failures     int64
	LastNode     string
	LastStarted  *time.Time
	LastFinished *time.Time
	LastDuration time.Duration
	LastError    string
}

// RegisterSchedule creates a periodic job's row, due at once (a first
// start runs each job right away), or updates its interval; a shorter
// interval brings its next run forward.
func (db *DB) RegisterSchedule(ctx context.Context, name string, interval time.Duration) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO job_schedules (name, interval_us, next_run, runs, failures) VALUES (?, ?, ?, 0, 0)
			ON CONFLICT (name) DO UPDATE SET interval_us = excluded.interval_us,
				next_run = CASE WHEN job_schedules.next_run > ? THEN ? ELSE job_schedules.next_run END`,
			name, interval.Microseconds(), micros(tx.now), micros(tx.now.Add(interval)), micros(tx.now.Add(interval)))
		return err
	})
}

// Schedules reads every periodic job's row, by name.
func (db *DB) Schedules(ctx context.Context) ([]Schedule, error) {
	rows, err := db.readQuery(ctx, `SELECT name, interval_us, next_run, COALESCE(lease_node, ''), COALESCE(lease_until, 0), runs, failures,
		COALESCE(last_node, ''), last_started, last_finished, COALESCE(last_duration_us, 0), COALESCE(last_error, '') FROM job_schedules ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Schedule
	for rows.Next() {
		var s Schedule
		var iv, next, lease, dur int64
		var started, finished sql.NullInt64
		if err := rows.Scan(&s.Name, &iv, &next, &s.Node, &lease, &s.Runs, &s.Failures, &s.LastNode, &started, &finished, &dur, &s.LastError); err != nil {
			return nil, err
		}
		s.Interval, s.NextRun = time.Duration(iv)*time.Microsecond, fromMicros(next)
		if lease != 0 {
			s.LeaseUntil = fromMicros(lease)
		}
		s.LastStarted, s.LastFinished, s.LastDuration = ptrMicros(started), ptrMicros(finished), time.Duration(dur)*time.Microsecond
		out = append(out, s)
	}
	return out, rows.Err()
}

// ClaimTick takes the current tick of a periodic job for node: it succeeds
// when the tick is due and nobody holds the lease, or when the lease ran
// out (the node running it died: the tick runs again). The next tick is
// set interval after now. It reports whether node got it, and the node
// that held the lease it took over ("" if none).
func (db *DB) ClaimTick(ctx context.Context, name, node string, interval time.Duration, leaseUntil time.Time) (claimed bool, took string, err error) {
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		now := micros(tx.now)
		var prev sql.NullString
		err := tx.QueryRow(ctx, `SELECT lease_node FROM job_schedules WHERE name = ? AND lease_until < ?`, name, now).Scan(&prev)
		if err != nil && !isNoRows(err) {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE job_schedules SET lease_node = ?, lease_until = ?, next_run = ?, last_node = ?, last_started = ?, interval_us = ?
			WHERE name = ? AND ((lease_until IS NULL AND next_run <= ?) OR lease_until < ?)`,
			node, micros(leaseUntil), micros(tx.now.Add(interval)), node, now, interval.Microseconds(), name, now, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		if claimed && prev.Valid {
			took = prev.String
		}
		return err
	})
	if err != nil {
		return false, "", fmt.Errorf("store: claim %s: %w", name, err)
	}
	return claimed, took, nil
}

// FinishTick releases a periodic job's lease and records the run. A node
// whose lease ran out meanwhile records nothing: the tick is another's.
func (db *DB) FinishTick(ctx context.Context, name, node string, took time.Duration, runErr error) error {
	msg, failed := "", 0
	if runErr != nil {
		msg, failed = clip(runErr.Error(), 500), 1
	}
	return db.WithTx(ctx, true, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE job_schedules SET lease_node = NULL, lease_until = NULL, runs = runs + 1, failures = failures + ?,
				last_finished = ?, last_duration_us = ?, last_error = ?
			WHERE name = ? AND lease_node = ?`, failed, micros(tx.now), took.Microseconds(), msg, name, node)
		return err
	})
}

// NodeBeat records that node is alive and extends every lease it holds to
// leaseUntil, in one transaction a second.
func (db *DB) NodeBeat(ctx context.Context, node, host string, started time.Time, leaseUntil time.Time) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		now := micros(tx.now)
		if _, err := tx.Exec(ctx, `INSERT INTO job_nodes (id, host, started_at, seen_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`, node, host, micros(started), now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE job_schedules SET lease_until = ? WHERE lease_node = ? AND lease_until >= ?`, micros(leaseUntil), node, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE jobs SET lease_until = ? WHERE state = 'running' AND lease_node = ? AND lease_until >= ?`, micros(leaseUntil), node, now)
		return err
	})
}

// NodeGone removes a stopping node and gives up its leases at once, so
// another node need not wait for them to run out.
func (db *DB) NodeGone(ctx context.Context, node string) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM job_nodes WHERE id = ?`, node); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE job_schedules SET lease_node = NULL, lease_until = NULL WHERE lease_node = ?`, node); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE jobs SET state = 'available', lease_node = NULL, lease_until = NULL, attempts = attempts - 1 WHERE state = 'running' AND lease_node = ?`, node)
		return err
	})
}

// Node is one node of the installation.
type Node struct {
	ID      string
	Host    string
	Started time.Time
	Seen    time.Time
}

// Nodes lists the nodes seen since after, most recently started first.
func (db *DB) Nodes(ctx context.Context, after time.Time) ([]Node, error) {
	rows, err := db.readQuery(ctx, `SELECT id, host, started_at, seen_at FROM job_nodes WHERE seen_at >= ? ORDER BY started_at DESC, id`, micros(after))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Node
	for rows.Next() {
		var n Node
		var st, seen int64
		if err := rows.Scan(&n.ID, &n.Host, &st, &seen); err != nil {
			return nil, err
		}
		n.Started, n.Seen = fromMicros(st), fromMicros(seen)
		out = append(out, n)
	}
	return out, rows.Err()
}

// ForgetNodes deletes nodes not seen since before.
func (db *DB) ForgetNodes(ctx context.Context, before time.Time) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM job_nodes WHERE seen_at < ?`, micros(before))
		return err
	})
}
