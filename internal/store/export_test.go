package store

import (
	"context"
	"database/sql"

	"escudo"
	"escudo/internal/procedure"
)

// WaitDashboardRecounts waits for the dashboard recounts running behind
// served figures.
func (db *DB) WaitDashboardRecounts() { db.dashFigures.refreshing.Wait() }

// AuditKey exposes the audit chain key to the tests, which play an attacker
// who also holds the master key.
func (db *DB) AuditKey() []byte { return db.auditKey }

// StartKeyedChain records the boundary of the keyed chain again, as
// migration 0460 does, for tests that build a log written before it.
func (db *DB) StartKeyedChain(ctx context.Context) error {
	return db.WithTx(ctx, true, func(tx *Tx) error { return tx.startKeyedChain(ctx) })
}

// Raw access for tests that inspect what a stolen database shows, or that
// write rows as an earlier version left them.

func (db *DB) QueryForTest(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.Rebind(q), args...)
}

func (db *DB) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.Rebind(q), args...)
	return err
}

// ColumnsForTest lists a table's columns as the engine reports them.
func (db *DB) ColumnsForTest(ctx context.Context, table string) ([]string, error) {
	q := `SELECT name FROM pragma_table_info(?) ORDER BY cid`
	if db.Dialect == Postgres {
		q = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`
	}
	rows, err := db.read.QueryContext(ctx, db.Rebind(q), table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetSearchCountCap lowers how far a search counts, for the duration of a test.
func SetSearchCountCap(t interface{ Cleanup(func()) }, n int) {
	was := searchCountCap
	searchCountCap = n
	t.Cleanup(func() { searchCountCap = was })
}

// Rollback ends a transaction begun with Begin (tests holding connections).
func (tx *Tx) Rollback() error { return tx.tx.Rollback() }

// ResolveStepForTest applies the milestone resolved as a recorded
// resolution does (its clocks and stage), for clock tests that do not
// need a Board session.
func (db *DB) ResolveStepForTest(ctx context.Context, caseID int64) error {
	return db.WithTx(ctx, true, func(tx *Tx) error {
		s, err := tx.caseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		step, err := procedure.SubmitStep(s, escudo.MilestoneResolved, tx.now)
		if err != nil {
			return err
		}
		return tx.applyStep(ctx, caseID, s.Procedure, escudo.MilestoneResolved, step)
	})
}

// PlanCacheModes reports plan_cache_mode on the side pool, the alert
// writer's lane and the main pool (PostgreSQL).
func (db *DB) PlanCacheModes(ctx context.Context) (side, lane, main string, err error) {
	if err = db.side.QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&side); err != nil {
		return
	}
	if err = db.lane.QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&lane); err != nil {
		return
	}
	err = db.write.QueryRowContext(ctx, `SHOW plan_cache_mode`).Scan(&main)
	return
}
