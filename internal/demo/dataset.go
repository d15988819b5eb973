package demo

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"escudo/internal/store"
	"escudo/internal/vault"
)

// Benchmark data sets: large generated databases, built once through the
// bulk path and cached, so benchmarks and the cold-start measurement run
// against the same 100,000 cases without reseeding on every run. A cache is
// keyed by the generator version and the size; it records the schema version
// it was built with. Migrations only ever append, so a cache built with an
// older schema is brought forward by Migrate when opened (new indexes and
// tables apply to the cached rows as they would on an installation); a change
// to the generator, or datasetVersion, builds a new one.

// datasetVersion changes whenever the generator's output changes.
const datasetVersion = "g1"

// DatasetSeed and DatasetNow fix the generated data and the benchmark clock,
// so clock states (breached, due soon) are the same on every run.
const DatasetSeed = 42

var DatasetNow = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

// DatasetMasterKey is the master key of benchmark data sets (hex). These
// databases hold only fictional data.
const DatasetMasterKey = "65736375646f2d62656e63686d61726b2d6b65792d6e6f742d7365637265742e"

// DatasetKeys returns the master key of benchmark data sets.
func DatasetKeys() (vault.KeyProvider, error) {
	b, err := hex.DecodeString(DatasetMasterKey)
	if err != nil {
		return nil, err
	}
	return vault.NewMasterKey(b)
}

func datasetName(n int) string {
	return fmt.Sprintf("%s_%d", datasetVersion, n)
}

// OpenDataset opens a prepared data set (a folder or a postgres:// URL) with
// the benchmark clock.
func OpenDataset(ctx context.Context, where string) (*store.DB, error) {
	keys, err := DatasetKeys()
	if err != nil {
		return nil, err
	}
	o := store.Options{Keys: keys, Now: func() time.Time { return DatasetNow }}
	if strings.HasPrefix(where, "postgres") {
		o.URL = where
	} else {
		o.DataDir = where
	}
	db, err := store.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// fillDataset loads n cases into the empty data set at where (a folder or
// a postgres:// URL) and closes it.
func fillDataset(ctx context.Context, where string, n int, log io.Writer) error {
	db, err := OpenDataset(ctx, where)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := Populate(ctx, db, n, log); err != nil {
		return err
	}
	return db.Close()
}

// Populate fills an empty, migrated store with the demo staff and n
// generated cases through store.FileRequests.
func Populate(ctx context.Context, db *store.DB, n int, log io.Writer) error {
	start := time.Now()
	users, err := CreateStaff(ctx, db, "benchmark password, fictional data")
	if err != nil {
		return err
	}
	reqs := Generate(DatasetSeed, n, DatasetNow)
	bulk, err := Bulk(reqs, users)
	if err != nil {
		return err
	}
	if _, err := db.FileRequests(ctx, bulk, 5000); err != nil {
		return err
	}
	fmt.Fprintf(log, "demo: seeded %d cases on %s in %s\n", n, db.Dialect, time.Since(start).Round(time.Second))
	return nil
}

// SQLiteDataset returns a folder holding a SQLite data set of n cases (with
// its master.key, so `escudo serve --data DIR` opens it), building it in
// os.TempDir when no copy exists. It is built in a private folder and renamed
// into place when complete, so processes that start at once never see, or
// delete, each other's half-built copy; the first to finish wins.
func SQLiteDataset(ctx context.Context, n int, log io.Writer) (string, error) {
	dir := filepath.Join(os.TempDir(), "escudo-bench-"+datasetName(n))
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir, nil
	}
	build, err := os.MkdirTemp(os.TempDir(), "escudo-bench-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(build) // gone after the rename; removes a failed build
	if err := os.WriteFile(filepath.Join(build, "master.key"), []byte(DatasetMasterKey+"\n"), 0o600); err != nil {
		return "", err
	}
	if err := fillDataset(ctx, build, n, log); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(build, "complete"), []byte("schema "+store.SchemaVersion()+"\n"), 0o600); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir, nil // another process finished first
	}
	_ = os.RemoveAll(dir) // an incomplete copy left by an interrupted older version
	if err := os.Rename(build, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(dir, "complete")); serr == nil {
			return dir, nil
		}
		return "", err
	}
	return dir, nil
}

// PostgresDataset returns the URL of a PostgreSQL database holding a data set
// of n cases, creating it on the server of adminURL when no current one
// exists. Stale data sets of the same size are dropped. A finished data set
// is marked by a comment on its database.
func PostgresDataset(ctx context.Context, adminURL string, n int, log io.Writer) (string, error) {
	name := "escudo_bench_" + datasetName(n)
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	dbURL := u.String()
	pool, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", err
	}
	defer pool.Close()
	// One builder at a time: a second process waits here for the first to
	// finish, then finds the data set complete.
	admin, err := pool.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `SELECT pg_advisory_lock(7271400)`); err != nil {
		return "", err
	}
	defer admin.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7271400)`) //nolint:errcheck // released with the session anyway
	var comment sql.NullString
	err = admin.QueryRowContext(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	if err == nil && comment.String == "complete" {
		return dbURL, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	rows, err := admin.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'escudo_bench_%'`)
	if err != nil {
		return "", err
	}
	var stale []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return "", err
		}
		if d == name || strings.HasSuffix(d, fmt.Sprintf("_%d", n)) && !strings.HasPrefix(d, "escudo_bench_"+datasetVersion+"_") {
			stale = append(stale, d)
		}
	}
	rows.Close()
	for _, d := range stale {
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+d+`" WITH (FORCE)`); err != nil {
			return "", err
		}
	}
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", err
	}
	if err := fillDataset(ctx, dbURL, n, log); err != nil {
		return "", err
	}
	// A bulk load leaves no planner statistics until autovacuum runs; a
	// running installation always has them.
	conn, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		return "", err
	}
	// The schema version it was built with is in the data set's own schema_migrations.
	if _, err := admin.ExecContext(ctx, `COMMENT ON DATABASE "`+name+`" IS 'complete'`); err != nil {
		return "", err
	}
	return dbURL, nil
}
