package store

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"escudo"
	"escudo/internal/procedure"
	"escudo/internal/workload"
)

// WorkloadData is what the coordination's workload page counts from: each
// stay of a case in a stage that was still open at Since or began after
// it, and each officer's open assigned cases.
type WorkloadData struct {
	At        time.Time
	Since     time.Time
	Intervals []workload.Interval
	Officers  []workload.Officer
}

// stageMilestones are the milestones that move a case into a stage
// (procedure.StageAfter); a case enters reception when it is received.
var stageMilestones = func() []any {
	var out []any
	for _, m := range escudo.Milestones {
		if _, ok := procedure.StageAfter(m); ok {
			out = append(out, string(m))
		}
	}
	return out
}()

// WorkloadHistory reads the stage history since since and the officers' loads.
// A case's stays are its stage-moving milestones in time order (each kept
// once per case, at its latest date, as case_milestones holds it): each
// stay runs from its milestone to the next, and the last is open unless it
// is the closing. Two reads side by side: one over the cases (the covering
// stage index and the assignee), one over the milestones.
//
// The history is a year of stays over every case (about 1.6 s at 100,000
// cases on SQLite, docs/benchmarks.md), read far more often than its
// figures move: it is kept for WorkloadFreshFor, then served while one
// recount runs behind it, up to WorkloadStaleFor; WorkloadData.At says
// when it was read. fresh reads it now.
func (db *DB) WorkloadHistory(ctx context.Context, since time.Time, fresh bool) (*WorkloadData, error) {
	if fresh {
		return db.workloadHistory(ctx, since)
	}
	return db.workFigures.get(ctx, since, db.Now(), func(ctx context.Context) (*WorkloadData, error) {
		return db.workloadHistory(ctx, since)
	})
}

// Ages of the workload history: reused as it is, then served while
// recounted behind, then recounted before the page is answered.
const (
	WorkloadFreshFor = time.Minute
	WorkloadStaleFor = 15 * time.Minute
)

// workloadCache keeps the last history per start instant.
type workloadCache struct {
	mu         sync.Mutex
	entries    map[int64]*workloadEntry
	refreshing sync.WaitGroup
}

type workloadEntry struct {
	d    *WorkloadData
	busy bool
}

func (c *workloadCache) get(ctx context.Context, since, now time.Time, compute func(context.Context) (*WorkloadData, error)) (*WorkloadData, error) {
	key := since.UnixMicro()
	c.mu.Lock()
	if e := c.entries[key]; e != nil && !now.Before(e.d.At) {
		age := now.Sub(e.d.At)
		if age < WorkloadFreshFor {
			c.mu.Unlock()
			return e.d, nil
		}
		if age < WorkloadStaleFor {
			if !e.busy {
				e.busy = true
				c.refreshing.Add(1)
				go func() {
					defer c.refreshing.Done()
					ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
					defer cancel()
					d, err := compute(ctx)
					c.mu.Lock()
					defer c.mu.Unlock()
					if err != nil {
						e.busy = false
						return
					}
					c.entries[key] = &workloadEntry{d: d}
				}()
			}
			c.mu.Unlock()
			return e.d, nil
		}
	}
	c.mu.Unlock()
	d, err := compute(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.entries == nil || len(c.entries) > 8 {
		c.entries = map[int64]*workloadEntry{}
	}
	c.entries[key] = &workloadEntry{d: d}
	c.mu.Unlock()
	return d, nil
}

func (db *DB) workloadHistory(ctx context.Context, since time.Time) (*WorkloadData, error) {
	d := &WorkloadData{At: db.Now(), Since: since}
	type caseRow struct {
		received int64
		stage    escudo.Stage
	}
	type move struct {
		at    int64
		stage escudo.Stage
	}
	cases := map[int64]caseRow{}
	moves := map[int64][]move{}
	err := runAll(
		func() error {
			rows, err := db.readQuery(ctx, `SELECT id, received_at, stage FROM cases`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, rec int64
				var st string
				if err := rows.Scan(&id, &rec, &st); err != nil {
					return err
				}
				cases[id] = caseRow{rec, escudo.Stage(st)}
			}
			return rows.Err()
		},
		func() error {
			q := `SELECT case_id, milestone, at FROM case_milestones WHERE milestone IN (?` + repeat(", ?", len(stageMilestones)-1) + `)`
			rows, err := db.readQuery(ctx, q, stageMilestones...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, at int64
				var m string
				if err := rows.Scan(&id, &m, &at); err != nil {
					return err
				}
				st, _ := procedure.StageAfter(escudo.Milestone(m))
				moves[id] = append(moves[id], move{at, st})
			}
			return rows.Err()
		},
		func() error { return db.workloadOfficers(ctx, d) },
	)
	if err != nil {
		return nil, fmt.Errorf("store: workload: %w", err)
	}
	from := micros(since)
	d.Intervals = make([]workload.Interval, 0, len(cases))
	for id, c := range cases {
		ms := append([]move{{c.received, escudo.StageReception}}, moves[id]...)
		sort.SliceStable(ms[1:], func(i, j int) bool {
			a, b := ms[1+i], ms[1+j]
			if a.at != b.at {
				return a.at < b.at
			}
			return stageOrder(a.stage) < stageOrder(b.stage)
		})
		// The case's present stage is the truth: a history that ends
		// elsewhere (a case moved without its milestone) is ended there.
		if last := ms[len(ms)-1].stage; last != c.stage {
			ms = append(ms, move{ms[len(ms)-1].at, c.stage})
		}
		for i, m := range ms {
			if m.stage == escudo.StageClosed {
				break
			}
			iv := workload.Interval{Stage: m.stage, Enter: fromMicros(m.at)}
			if i+1 < len(ms) {
				next := ms[i+1].at
				if next < from {
					continue
				}
				iv.Exit = fromMicros(max(next, m.at))
			}
			d.Intervals = append(d.Intervals, iv)
		}
	}
	return d, nil
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func stageOrder(s escudo.Stage) int {
	for i, x := range escudo.Stages {
		if x == s {
			return i
		}
	}
	return len(escudo.Stages)
}

// workloadOfficers counts each assignee's open cases and the distinct
// people they protect, with the assignee's name and role.
func (db *DB) workloadOfficers(ctx context.Context, d *WorkloadData) error {
	rows, err := db.readQuery(ctx, `SELECT u.display_name, u.role, COUNT(*), COUNT(DISTINCT c.person_id)
		FROM cases c JOIN users u ON u.id = c.assigned_to WHERE c.stage <> ? GROUP BY u.id, u.display_name, u.role`, string(escudo.StageClosed))
	if err != nil {
		return fmt.Errorf("officers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o workload.Officer
		var role string
		if err := rows.Scan(&o.Name, &role, &o.Cases, &o.People); err != nil {
			return err
		}
		o.Role = escudo.Role(role)
		d.Officers = append(d.Officers, o)
	}
	return rows.Err()
}
