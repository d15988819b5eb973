package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"escudo"
)

// DashboardListLimit is how many breached clocks, clocks due soon and
// unassigned urgent cases the dashboard lists by name; the counts are whole.
const DashboardListLimit = 10

// OverdueLongAfter splits the overdue cases of the backlog aging chart: a
// clock more than a week past its deadline has missed at least one
// escalation of every rule but the shortest ones, and is the coordinator's
// to unblock rather than the assignee's.
const OverdueLongAfter = 7 * 24 * time.Hour

// Aging buckets of a case, by its worst running clock.
const (
	AgingOnTime      = iota // no clock due soon or breached (or none running)
	AgingDueSoon            // a clock within its due-soon window (escudo.DueSoonWindow)
	AgingOverdue            // a clock breached less than OverdueLongAfter ago
	AgingOverdueLong        // a clock breached OverdueLongAfter ago or more
	AgingBuckets
)

// AckBins are the upper bounds of the acknowledgement-time histogram; the
// 15 s target ends the third bin and the 64 s one the fifth, so both fall on
// bin edges. The last bin is open: longer than 5 minutes.
var AckBins = []time.Duration{5 * time.Second, 10 * time.Second, AckTarget, 30 * time.Second, DispatchTarget, 2 * time.Minute, 5 * time.Minute}

// DashboardRecountAfter is the least age of the dashboard's figures of
// cases before a change of a case recounts them: a recount reads every
// running clock and open case (about 0.4 s of CPU at 100,000 cases), so a
// stream of changes must not recount at every view.
const DashboardRecountAfter = 2 * time.Second

// DashboardFilter scopes the dashboard; Entity "" is every federal entity.
type DashboardFilter struct {
	Entity string
	Fresh  bool // recount the figures of cases now rather than reuse them (benchmarks)
}

// DashboardClock is a running clock the dashboard names.
type DashboardClock struct {
	CaseID    int64
	Reference string
	Stage     escudo.Stage
	Rule      string
	DueAt     time.Time
}

// DashboardCase is an open case the dashboard names.
type DashboardCase struct {
	CaseID         int64
	Reference      string
	Stage          escudo.Stage
	Procedure      escudo.Procedure
	ImminentDanger bool
	ReceivedAt     time.Time
}

// PersonLoad is one assignee's open cases and how many of them have a
// breached clock.
type PersonLoad struct {
	UserID        int64
	Name          string
	Open, Overdue int
}

// StageAging counts a stage's open cases per aging bucket.
type StageAging struct {
	Stage   escudo.Stage
	Buckets [AgingBuckets]int
}

// AckHistogram is the acknowledgement times of a group of alerts received
// in the window: counts per AckBins bin (one more for the open last bin),
// those never acknowledged, and the share within each target.
type AckHistogram struct {
	Alerts         int
	Bins           []int
	Unacknowledged int
	Stats          DurationStats
	WithinAck      float64 // share acknowledged within AckTarget, of the acknowledged; -1 with none
	WithinDispatch float64 // share acknowledged within DispatchTarget
}

// Dashboard is the coordination's first page.
type Dashboard struct {
	At             time.Time
	Breached       int // cases with a breached running clock
	BreachedClocks []DashboardClock
	DueSoon        int // cases with a clock due soon (within its window, not yet breached)
	DueSoonClocks  []DashboardClock
	// Unassigned urgent cases: open, nobody assigned, and declared in
	// imminent danger or in the extraordinary procedure (the data holds no
	// risk level yet).
	Unassigned      int
	UnassignedCases []DashboardCase
	OpenAlerts      int        // alerts not yet resolved, drills included (as the console shows them)
	WaitingAlerts   int        // of those, not acknowledged
	OldestWaiting   *time.Time // reception of the oldest unacknowledged one
	Workload        []PersonLoad
	Aging           []StageAging
	AckFrom, AckTo  time.Time
	Ack             AckHistogram // alerts of people, drills and tests left out
	AckDrills       AckHistogram // drills and test alerts, apart
}

// Dashboard gathers the coordinator's figures for the filter's entity.
// The figures of cases (clocks, unassigned cases, workload, aging) count
// over every open case and clock: they are reused for BacklogFiguresTTL
// like the backlog board's, or until a change of a case on this node once
// they are DashboardRecountAfter old, and then recounted behind the figures
// served (dashboardCache); Dashboard.At says when they were counted. The alerts waiting now and the response times are read
// each time (index ranges of a few rows). Each figure is its own read; they
// run side by side on the read pool, so a recount costs about its slowest
// query.
func (db *DB) Dashboard(ctx context.Context, f DashboardFilter) (*Dashboard, error) {
	now := db.Now()
	d := &Dashboard{AckTo: now, AckFrom: now.AddDate(0, 0, -30)}
	gen := db.backlogFigures.gen.Load()
	if f.Fresh {
		db.dashFigures.forget(f.Entity)
	}
	cases, err := db.dashFigures.get(ctx, f.Entity, now, gen, func(ctx context.Context) (*Dashboard, error) {
		return db.dashboardCases(ctx, f, now)
	})
	if err != nil {
		return nil, err
	}
	d.At, d.Breached, d.BreachedClocks, d.DueSoon, d.DueSoonClocks = cases.At, cases.Breached, cases.BreachedClocks, cases.DueSoon, cases.DueSoonClocks
	d.Unassigned, d.UnassignedCases, d.Workload, d.Aging = cases.Unassigned, cases.UnassignedCases, cases.Workload, cases.Aging
	if err := runAll(
		func() error { return db.dashboardAlerts(ctx, d, f.Entity) },
		func() error { return db.dashboardAck(ctx, d, f.Entity) },
	); err != nil {
		return nil, fmt.Errorf("store: dashboard: %w", err)
	}
	return d, nil
}

// dashboardCases counts the figures of cases for the filter.
func (db *DB) dashboardCases(ctx context.Context, f DashboardFilter, now time.Time) (*Dashboard, error) {
	d := &Dashboard{At: now}
	var cond string
	var args []any
	if f.Entity != "" {
		cond, args = ` AND c.entity_bidx = ?`, []any{db.Keys.BlindIndex("entity", f.Entity)}
	}
	if err := runAll(
		func() error { return db.dashboardBreached(ctx, d, now, cond, args) },
		func() error { return db.dashboardDueSoon(ctx, d, now, cond, args) },
		func() error { return db.dashboardUnassigned(ctx, d, cond, args) },
		func() error { return db.dashboardWorkload(ctx, d, now, cond, args) },
		func() error { return db.dashboardAging(ctx, d, now, cond, args) },
	); err != nil {
		return nil, fmt.Errorf("store: dashboard: %w", err)
	}
	return d, nil
}

// runAll runs the reads side by side and joins their errors.
func runAll(parts ...func() error) error {
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { errs[i] = p() })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dashboardCache keeps the last figures of cases per entity ("" for all).
// Figures past their time are still served while one recount runs behind
// them, so a view never waits for a recount (about 0.35 s at 100,000
// cases) unless there are none yet or they are older than DashboardStaleFor.
type dashboardCache struct {
	mu         sync.Mutex
	figs       map[string]*dashboardEntry
	refreshing sync.WaitGroup // recounts running behind served figures
}

type dashboardEntry struct {
	at   time.Time
	gen  uint64
	d    *Dashboard
	busy bool // a recount of this entity is running
}

// DashboardStaleFor is the oldest the dashboard's figures of cases are
// served while they are recounted; older ones are recounted before the page
// is answered.
const DashboardStaleFor = 5 * time.Minute

// get returns the entity's figures. They are current while younger than
// BacklogFiguresTTL, and, when a case changed since (gen moved), younger
// than DashboardRecountAfter; past that and younger than DashboardStaleFor
// they are served as they are while compute recounts them behind; with none
// or older ones, get waits for compute.
func (c *dashboardCache) get(ctx context.Context, entity string, now time.Time, gen uint64, compute func(context.Context) (*Dashboard, error)) (*Dashboard, error) {
	c.mu.Lock()
	e := c.figs[entity]
	if e != nil && !now.Before(e.at) {
		age := now.Sub(e.at)
		if age < BacklogFiguresTTL && (e.gen == gen || age < DashboardRecountAfter) {
			c.mu.Unlock()
			return e.d, nil
		}
		if age < DashboardStaleFor {
			if !e.busy {
				e.busy = true
				c.refreshing.Add(1)
				go c.recount(context.WithoutCancel(ctx), entity, now, gen, e, compute)
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
	c.put(entity, &dashboardEntry{at: now, gen: gen, d: d})
	return d, nil
}

// recount replaces stale figures; a failure leaves them, and the next view
// tries again.
func (c *dashboardCache) recount(ctx context.Context, entity string, now time.Time, gen uint64, stale *dashboardEntry, compute func(context.Context) (*Dashboard, error)) {
	defer c.refreshing.Done()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	d, err := compute(ctx)
	if err != nil {
		c.mu.Lock()
		stale.busy = false
		c.mu.Unlock()
		return
	}
	c.put(entity, &dashboardEntry{at: now, gen: gen, d: d})
}

func (c *dashboardCache) put(entity string, e *dashboardEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.figs == nil || len(c.figs) > 64 {
		c.figs = map[string]*dashboardEntry{}
	}
	if old := c.figs[entity]; old == nil || !e.at.Before(old.at) {
		c.figs[entity] = e
	}
}

func (c *dashboardCache) forget(entity string) {
	c.mu.Lock()
	delete(c.figs, entity)
	c.mu.Unlock()
}

func (db *DB) dashboardClocks(ctx context.Context, q string, args ...any) ([]DashboardClock, error) {
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DashboardClock
	for rows.Next() {
		var c DashboardClock
		var stage string
		var due int64
		if err := rows.Scan(&c.CaseID, &c.Reference, &stage, &c.Rule, &due); err != nil {
			return nil, err
		}
		c.Stage, c.DueAt = escudo.Stage(stage), fromMicros(due)
		out = append(out, c)
	}
	return out, rows.Err()
}

// dashboardBreached counts the cases with a breached clock and lists the
// clocks longest overdue, from the running-clock index by deadline.
func (db *DB) dashboardBreached(ctx context.Context, d *Dashboard, now time.Time, cond string, args []any) error {
	from := ` FROM case_clocks k JOIN cases c ON c.id = k.case_id WHERE k.stopped_at IS NULL AND k.due_at < ? AND c.stage <> ?` + cond
	a := append([]any{micros(now), string(escudo.StageClosed)}, args...)
	count, countArgs := `SELECT COUNT(DISTINCT k.case_id)`+from, a
	if cond == "" {
		// Closing a case stops its clocks, so the country's count needs no
		// join: the running-clock index alone.
		count, countArgs = `SELECT COUNT(DISTINCT k.case_id) FROM case_clocks k WHERE k.stopped_at IS NULL AND k.due_at < ?`, a[:1]
	}
	if err := db.readRow(ctx, count, countArgs...).Scan(&d.Breached); err != nil {
		return err
	}
	var err error
	d.BreachedClocks, err = db.dashboardClocks(ctx, `SELECT k.case_id, c.reference, c.stage, k.rule, k.due_at`+from+` ORDER BY k.due_at, k.case_id LIMIT ?`, append(a, DashboardListLimit)...)
	return err
}

// dueSoonRanges is the due-soon condition on a running clock k: for each
// configured rule, its deadline within the rule's window from now.
func (db *DB) dueSoonRanges(now time.Time) (string, []any) {
	var or []string
	var args []any
	for _, r := range db.rules {
		or = append(or, `(k.rule = ? AND k.due_at < ?)`)
		args = append(args, r.Name, micros(now.Add(escudo.DueSoonWindow(time.Duration(r.Limit), r.WarnAt))))
	}
	if len(or) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

// dashboardDueSoon counts the cases with a clock due soon and lists those
// clocks, the nearest deadline first.
func (db *DB) dashboardDueSoon(ctx context.Context, d *Dashboard, now time.Time, cond string, args []any) error {
	soon, soonArgs := db.dueSoonRanges(now)
	from := ` FROM case_clocks k JOIN cases c ON c.id = k.case_id WHERE k.stopped_at IS NULL AND k.due_at >= ? AND ` + soon + ` AND c.stage <> ?` + cond
	a := append(append([]any{micros(now)}, soonArgs...), string(escudo.StageClosed))
	a = append(a, args...)
	count, countArgs := `SELECT COUNT(DISTINCT k.case_id)`+from, a
	if cond == "" {
		count = `SELECT COUNT(DISTINCT k.case_id) FROM case_clocks k WHERE k.stopped_at IS NULL AND k.due_at >= ? AND ` + soon
		countArgs = append([]any{micros(now)}, soonArgs...)
	}
	if err := db.readRow(ctx, count, countArgs...).Scan(&d.DueSoon); err != nil {
		return err
	}
	var err error
	d.DueSoonClocks, err = db.dashboardClocks(ctx, `SELECT k.case_id, c.reference, c.stage, k.rule, k.due_at`+from+` ORDER BY k.due_at, k.case_id LIMIT ?`, append(a, DashboardListLimit)...)
	return err
}

// dashboardUnassigned counts and lists, oldest first, the open cases nobody
// holds that were declared in imminent danger or run the extraordinary
// procedure.
func (db *DB) dashboardUnassigned(ctx context.Context, d *Dashboard, cond string, args []any) error {
	from := ` FROM cases c WHERE c.assigned_to IS NULL AND c.stage <> 'closed' AND (c.imminent_danger = 1 OR c.procedure = 'extraordinary')` + cond
	a := args
	if err := db.readRow(ctx, `SELECT COUNT(*)`+from, a...).Scan(&d.Unassigned); err != nil {
		return err
	}
	rows, err := db.readQuery(ctx, `SELECT c.id, c.reference, c.stage, c.procedure, c.imminent_danger, c.received_at`+from+` ORDER BY c.received_at, c.id LIMIT ?`, append(a, DashboardListLimit)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c DashboardCase
		var stage, proc string
		var danger int
		var received int64
		if err := rows.Scan(&c.CaseID, &c.Reference, &stage, &proc, &danger, &received); err != nil {
			return err
		}
		c.Stage, c.Procedure, c.ImminentDanger, c.ReceivedAt = escudo.Stage(stage), escudo.Procedure(proc), danger != 0, fromMicros(received)
		d.UnassignedCases = append(d.UnassignedCases, c)
	}
	return rows.Err()
}

// dashboardAlerts counts the alerts not yet resolved and finds the oldest
// still waiting for an acknowledgement.
func (db *DB) dashboardAlerts(ctx context.Context, d *Dashboard, entity string) error {
	q := `SELECT COUNT(*), COALESCE(SUM(CASE WHEN acknowledged_at IS NULL THEN 1 ELSE 0 END), 0),
		MIN(CASE WHEN acknowledged_at IS NULL THEN received_at END) FROM alerts WHERE status <> ?`
	args := []any{string(escudo.AlertResolved)}
	if entity != "" {
		q += ` AND entity = ?`
		args = append(args, entity)
	}
	var oldest sql.NullInt64
	if err := db.readRow(ctx, q, args...).Scan(&d.OpenAlerts, &d.WaitingAlerts, &oldest); err != nil {
		return err
	}
	d.OldestWaiting = ptrMicros(oldest)
	return nil
}

// dashboardWorkload lists each assignee's open cases and those with a
// breached clock (DB.workload, as the backlog counts them), most loaded
// first, with their names.
func (db *DB) dashboardWorkload(ctx context.Context, d *Dashboard, now time.Time, cond string, args []any) error {
	load, err := db.workload(ctx, now, cond, args)
	if err != nil {
		return err
	}
	// The names are joined after, on the few groups rather than on every case.
	rows, err := db.readQuery(ctx, `SELECT id, display_name FROM users`)
	if err != nil {
		return fmt.Errorf("workload names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if w, ok := load[id]; ok && w.Open > 0 {
			d.Workload = append(d.Workload, PersonLoad{UserID: id, Name: name, Open: w.Open, Overdue: w.Overdue})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sort.Slice(d.Workload, func(i, j int) bool {
		a, b := d.Workload[i], d.Workload[j]
		if a.Open != b.Open {
			return a.Open > b.Open
		}
		if a.Overdue != b.Overdue {
			return a.Overdue > b.Overdue
		}
		return a.Name < b.Name
	})
	return nil
}

// dashboardAging counts each stage's open cases per aging bucket. Only
// clocks that can be due soon or breached are read (their deadline before
// the widest due-soon window), each case at its worst; every other open
// case of the stage is on time.
func (db *DB) dashboardAging(ctx context.Context, d *Dashboard, now time.Time, cond string, args []any) error {
	totals := map[escudo.Stage]int{}
	rows, err := db.readQuery(ctx, `SELECT c.stage, COUNT(*) FROM cases c WHERE c.stage <> ?`+cond+` GROUP BY c.stage`,
		append([]any{string(escudo.StageClosed)}, args...)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return err
		}
		totals[escudo.Stage(s)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// Two passes, each over the clocks it needs: a breached case is
	// overdue by its earliest deadline; a case due soon has a clock in its
	// window and none breached.
	soon, soonArgs := db.dueSoonRanges(now)
	late := map[escudo.Stage]*[AgingBuckets]int{}
	for _, p := range []struct {
		q    string
		args []any
	}{
		{`SELECT c.stage, b.worst, COUNT(*) FROM
			(SELECT k.case_id AS case_id, CASE WHEN MIN(k.due_at) < ? THEN 3 ELSE 2 END AS worst FROM case_clocks k
			WHERE k.stopped_at IS NULL AND k.due_at < ? GROUP BY k.case_id) b
			JOIN cases c ON c.id = b.case_id WHERE c.stage <> ?` + cond + ` GROUP BY c.stage, b.worst`,
			append([]any{micros(now.Add(-OverdueLongAfter)), micros(now), string(escudo.StageClosed)}, args...)},
		{`SELECT c.stage, 1, COUNT(DISTINCT k.case_id) FROM case_clocks k JOIN cases c ON c.id = k.case_id
			WHERE k.stopped_at IS NULL AND k.due_at >= ? AND ` + soon + ` AND c.stage <> ?` + cond + `
			AND NOT EXISTS (SELECT 1 FROM case_clocks b WHERE b.case_id = k.case_id AND b.stopped_at IS NULL AND b.due_at < ?) GROUP BY c.stage`,
			append(append(append(append([]any{micros(now)}, soonArgs...), string(escudo.StageClosed)), args...), micros(now))},
	} {
		rows, err := db.readQuery(ctx, p.q, p.args...)
		if err != nil {
			return fmt.Errorf("aging: %w", err)
		}
		for rows.Next() {
			var s string
			var worst, n int
			if err := rows.Scan(&s, &worst, &n); err != nil {
				rows.Close()
				return err
			}
			st := escudo.Stage(s)
			if late[st] == nil {
				late[st] = &[AgingBuckets]int{}
			}
			late[st][worst] += n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for _, st := range escudo.Stages {
		if st == escudo.StageClosed {
			continue
		}
		a := StageAging{Stage: st}
		if b := late[st]; b != nil {
			a.Buckets = *b
		}
		a.Buckets[AgingOnTime] = max(0, totals[st]-a.Buckets[AgingDueSoon]-a.Buckets[AgingOverdue]-a.Buckets[AgingOverdueLong])
		d.Aging = append(d.Aging, a)
	}
	return nil
}

// dashboardAck reads the acknowledgement times of the alerts received in
// the last 30 days, people's alerts and drills apart.
func (db *DB) dashboardAck(ctx context.Context, d *Dashboard, entity string) error {
	q := `SELECT type, source, received_at, acknowledged_at FROM alerts WHERE received_at >= ? AND received_at < ?`
	args := []any{micros(d.AckFrom), micros(d.AckTo)}
	if entity != "" {
		q += ` AND entity = ?`
		args = append(args, entity)
	}
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("acknowledgement times: %w", err)
	}
	defer rows.Close()
	var real, drills []int64 // microseconds; -1 never acknowledged
	for rows.Next() {
		var typ, source string
		var received int64
		var acked sql.NullInt64
		if err := rows.Scan(&typ, &source, &received, &acked); err != nil {
			return err
		}
		us := int64(-1)
		if acked.Valid {
			us = max(acked.Int64-received, 0)
		}
		if typ == string(escudo.AlertTest) || source == string(escudo.SourceDrill) {
			drills = append(drills, us)
		} else {
			real = append(real, us)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	d.Ack, d.AckDrills = ackHistogram(real), ackHistogram(drills)
	return nil
}

// ackHistogram bins acknowledgement times (microseconds, -1 for none).
func ackHistogram(us []int64) AckHistogram {
	h := AckHistogram{Alerts: len(us), Bins: make([]int, len(AckBins)+1)}
	var acked []int64
	within := [2]int{}
	for _, v := range us {
		if v < 0 {
			h.Unacknowledged++
			continue
		}
		acked = append(acked, v)
		bin := len(AckBins)
		for i, b := range AckBins {
			if v <= b.Microseconds() {
				bin = i
				break
			}
		}
		h.Bins[bin]++
		if v <= AckTarget.Microseconds() {
			within[0]++
		}
		if v <= DispatchTarget.Microseconds() {
			within[1]++
		}
	}
	h.Stats = durationStats(acked)
	h.WithinAck, h.WithinDispatch = share(within[0], len(acked)), share(within[1], len(acked))
	return h
}
