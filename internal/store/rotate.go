package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"modernc.org/sqlite"

	"escudo/internal/vault"
)

// Key rotation. `escudo keys rotate` makes a new data key per compartment
// and re-encrypts every sealed column of every table under it, in short
// batches, while the server keeps serving. Sealed columns are discovered
// from the schema (every column whose name ends in _enc), so a table added
// later is rotated without anyone remembering to list it. A value already
// under its compartment's active key is skipped, so a rotation interrupted
// half-way resumes where it stopped. The blind-index key is not rotated:
// changing it would change every index.

// keyRefreshEvery bounds how stale a node's view of the active keys may be
// after another process rotated them.
const keyRefreshEvery = 30 * time.Second

type queryFunc func(ctx context.Context, q string, args ...any) (*sql.Rows, error)

// maybeRefreshKeys picks up keys created by another process (a rotation
// run from the command line), at most every keyRefreshEvery, so a serving
// node soon seals under the new active key.
func (tx *Tx) maybeRefreshKeys() {
	db := tx.db
	now := time.Now().UnixNano()
	last := db.keyRefresh.Load()
	if last == 0 {
		db.keyRefresh.CompareAndSwap(0, now)
		return
	}
	if now-last < int64(keyRefreshEvery) || !db.keyRefresh.CompareAndSwap(last, now) {
		return
	}
	if err := db.addStoredKeys(context.Background(), tx.Query); err != nil {
		db.log.Warn("refresh data keys", "err", err)
	}
}

// refreshForUnknownKey reloads the stored keys when b names a key this node
// does not hold, and reports whether it now does. It runs at most once a
// second, so garbage ciphertext cannot hammer the database.
func (db *DB) refreshForUnknownKey(b []byte) bool {
	id, err := vault.KeyID(b)
	if err != nil || db.Keys.Has(id) {
		return false
	}
	now := time.Now().UnixNano()
	last := db.unknownRefresh.Load()
	if now-last < int64(time.Second) || !db.unknownRefresh.CompareAndSwap(last, now) {
		return false
	}
	q := func(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
		return db.readQuery(ctx, q, args...)
	}
	if err := db.addStoredKeys(context.Background(), q); err != nil {
		db.log.Warn("refresh data keys", "err", err)
		return false
	}
	return db.Keys.Has(id)
}

// addStoredKeys adds to the keyring every stored key it lacks and makes the
// stored active keys active.
func (db *DB) addStoredKeys(ctx context.Context, query queryFunc) error {
	rows, err := query(ctx, `SELECT id, compartment, wrapped, active FROM data_keys ORDER BY created_at, id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var add []vault.WrappedKey
	for rows.Next() {
		var w vault.WrappedKey
		var active int
		if err := rows.Scan(&w.ID, &w.Compartment, &w.Wrapped, &active); err != nil {
			return err
		}
		w.Active = active == 1
		switch {
		case w.Compartment == vault.Blind:
		case !db.Keys.Has(w.ID), w.Active && db.Keys.ActiveKey(w.Compartment) != w.ID:
			add = append(add, w)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, w := range add {
		if err := db.Keys.Add(w); err != nil {
			return err
		}
	}
	return nil
}

// SealedColumn is one encrypted column found in the schema.
type SealedColumn struct {
	Table, Column string
}

// SealedTable is a table with its primary key and sealed columns.
type SealedTable struct {
	Name    string
	Key     string // single-column primary key
	Columns []string
}

// SealedTables discovers every table with sealed (*_enc) columns.
func (db *DB) SealedTables(ctx context.Context) ([]SealedTable, error) {
	var q string
	if db.Dialect == Postgres {
		q = `SELECT c.table_name, c.column_name FROM information_schema.columns c
			WHERE c.table_schema = current_schema() AND c.column_name LIKE '%\_enc' ESCAPE '\'
			ORDER BY c.table_name, c.ordinal_position`
	} else {
		q = `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND p.name LIKE '%\_enc' ESCAPE '\' ORDER BY m.name, p.cid`
	}
	rows, err := db.read.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: sealed columns: %w", err)
	}
	var out []SealedTable
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			_ = rows.Close()
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Name != t {
			out = append(out, SealedTable{Name: t})
		}
		out[len(out)-1].Columns = append(out[len(out)-1].Columns, c)
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Key, err = db.primaryKey(ctx, out[i].Name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) primaryKey(ctx context.Context, table string) (string, error) {
	var q string
	if db.Dialect == Postgres {
		q = `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = $1::regclass AND i.indisprimary`
	} else {
		q = `SELECT name FROM pragma_table_info(?) WHERE pk > 0`
	}
	rows, err := db.read.QueryContext(ctx, q, table)
	if err != nil {
		return "", fmt.Errorf("store: primary key of %s: %w", table, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		cols = append(cols, c)
	}
	if len(cols) != 1 {
		return "", fmt.Errorf("store: table %s has sealed columns but no single-column primary key", table)
	}
	return cols[0], rows.Err()
}

// NewDataKeys creates a new active data key for every sealing compartment.
func (db *DB) NewDataKeys(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		for _, c := range vault.Compartments {
			w, err := db.Keys.NewDataKey(c)
			if err != nil {
				return err
			}
			if err := tx.insertKey(ctx, w); err != nil {
				return fmt.Errorf("store: store data key: %w", err)
			}
			ids = append(ids, w.ID)
		}
		return tx.Audit(ctx, AuditEntry{Action: "keys.rotate", ObjectType: "data_keys", ObjectID: strings.Join(ids, ",")})
	})
	if err != nil {
		// The keyring may hold keys that were not stored; reload from the
		// database so nothing is sealed under them.
		return nil, errors.Join(err, db.loadKeys(ctx))
	}
	return ids, nil
}

// RotateOptions tune a rotation run.
type RotateOptions struct {
	Batch int // rows per transaction; default 500
	// Progress is called after every batch with rows visited so far and
	// the total row count of the sealed tables.
	Progress func(done, total int64)
}

// RotateReport counts what a rotation did.
type RotateReport struct {
	Tables    int
	Rows      int64 // rows visited
	Resealed  int64 // values re-encrypted
	Remaining int64 // values still under an old key after the run
}

// fieldNames are the names a column's values may be bound to (the vault's
// associated data): "table.column" without the _enc suffix, the convention,
// or with it.
func fieldNames(table, column string) []string {
	return []string{table + "." + strings.TrimSuffix(column, "_enc"), table + "." + column}
}

// RotateData re-encrypts every sealed value that is not under its
// compartment's active key. Each batch is one short transaction, so the
// server keeps serving; rows are visited in key order, so a second run
// finds nothing left to do.
func (db *DB) RotateData(ctx context.Context, o RotateOptions) (*RotateReport, error) {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	tables, err := db.SealedTables(ctx)
	if err != nil {
		return nil, err
	}
	rep := &RotateReport{Tables: len(tables)}
	var total int64
	for _, t := range tables {
		var n int64
		// Table names come from the schema, never from input.
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.Name).Scan(&n); err != nil { // #nosec G202
			return nil, err
		}
		total += n
	}
	for _, t := range tables {
		var after any = nil
		for {
			n, last, err := db.rotateBatch(ctx, t, after, o.Batch, rep)
			if err != nil {
				return rep, err
			}
			rep.Rows += int64(n)
			if o.Progress != nil {
				o.Progress(rep.Rows, total)
			}
			if n < o.Batch {
				break
			}
			after = last
		}
	}
	if rep.Remaining, err = db.countStale(ctx, tables); err != nil {
		return rep, err
	}
	return rep, nil
}

// rotateBatch re-encrypts one batch of rows with key greater than after.
func (db *DB) rotateBatch(ctx context.Context, t SealedTable, after any, batch int, rep *RotateReport) (int, any, error) {
	cols := strings.Join(t.Columns, ", ")
	q := `SELECT ` + t.Key + `, ` + cols + ` FROM ` + t.Name // #nosec G202 -- names from the schema
	var args []any
	if after != nil {
		q += ` WHERE ` + t.Key + ` > ?`
		args = append(args, after)
	}
	q += ` ORDER BY ` + t.Key + ` LIMIT ?`
	args = append(args, batch)
	if db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	n := 0
	var last any
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		n = 0
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: rotate %s: %w", t.Name, err)
		}
		type update struct {
			key   any
			vals  [][]byte
			dirty bool
		}
		var ups []update
		for rows.Next() {
			var key any
			vals := make([][]byte, len(t.Columns))
			dest := []any{&key}
			for i := range vals {
				dest = append(dest, &vals[i])
			}
			if err := rows.Scan(dest...); err != nil {
				_ = rows.Close()
				return err
			}
			ups = append(ups, update{key: key, vals: vals})
			last = key
			n++
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var dirty []*update
		for i := range ups {
			u := &ups[i]
			for j, v := range u.vals {
				nv, changed, err := db.reseal(t.Name, t.Columns[j], v)
				if err != nil {
					return fmt.Errorf("store: rotate %s.%s %s=%v: %w", t.Name, t.Columns[j], t.Key, u.key, err)
				}
				if changed {
					u.vals[j], u.dirty = nv, true
					rep.Resealed++
				}
			}
			if u.dirty {
				dirty = append(dirty, u)
			}
		}
		if len(dirty) == 0 {
			return nil
		}
		// One UPDATE ... FROM (VALUES ...) for the whole batch: a statement
		// per row costs a round trip each on PostgreSQL. VALUES columns are
		// column1, column2, ... on both engines.
		keyCast, blobCast := "?", "?"
		if db.Dialect == Postgres {
			keyCast, blobCast = "CAST(? AS BIGINT)", "CAST(? AS BYTEA)"
		}
		row := "(" + keyCast + strings.Repeat(", "+blobCast, len(t.Columns)) + ")"
		set := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			set[j] = fmt.Sprintf("%s = v.column%d", c, j+2)
		}
		q := `UPDATE ` + t.Name + ` SET ` + strings.Join(set, ", ") + ` FROM (VALUES ` + // #nosec G202 -- names from the schema
			strings.TrimSuffix(strings.Repeat(row+", ", len(dirty)), ", ") + `) AS v WHERE ` + t.Name + `.` + t.Key + ` = v.column1`
		args := make([]any, 0, len(dirty)*(len(t.Columns)+1))
		for _, u := range dirty {
			args = append(args, u.key)
			for _, v := range u.vals {
				args = append(args, v)
			}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("store: rotate %s: %w", t.Name, err)
		}
		return nil
	})
	return n, last, err
}

// reseal re-encrypts one value under the active key of its compartment
// when it is under another key.
func (db *DB) reseal(table, column string, v []byte) ([]byte, bool, error) {
	if len(v) == 0 {
		return v, false, nil
	}
	id, err := vault.KeyID(v)
	if err != nil {
		return nil, false, err
	}
	c, ok := db.Keys.KeyCompartment(id)
	if !ok {
		if !db.refreshForUnknownKey(v) {
			return nil, false, fmt.Errorf("unknown key %q", id)
		}
		c, _ = db.Keys.KeyCompartment(id)
	}
	if db.Keys.ActiveKey(c) == id {
		return v, false, nil
	}
	for _, field := range fieldNames(table, column) {
		pt, err := db.Keys.Open(field, v)
		if err != nil {
			continue
		}
		nv, err := db.Keys.Seal(c, field, pt)
		return nv, err == nil, err
	}
	return nil, false, vault.ErrDecrypt
}

// countStale counts sealed values not under their compartment's active key.
func (db *DB) countStale(ctx context.Context, tables []SealedTable) (int64, error) {
	var n int64
	for _, t := range tables {
		rows, err := db.read.QueryContext(ctx, `SELECT `+strings.Join(t.Columns, ", ")+` FROM `+t.Name) // #nosec G202
		if err != nil {
			return 0, err
		}
		vals := make([][]byte, len(t.Columns))
		dest := make([]any, len(vals))
		for i := range vals {
			dest[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				_ = rows.Close()
				return 0, err
			}
			for _, v := range vals {
				if len(v) == 0 {
					continue
				}
				id, err := vault.KeyID(v)
				c, ok := db.Keys.KeyCompartment(id)
				if err != nil || !ok || db.Keys.ActiveKey(c) != id {
					n++
				}
			}
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// VacuumInto writes a compact copy of the SQLite database to path, the
// backup the operator takes; it refuses to overwrite.
func (db *DB) VacuumInto(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return errors.New("store: VACUUM INTO is for SQLite; use pg_dump on PostgreSQL")
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// Backup copies the SQLite database to path while it serves, through
// SQLite's online backup, pagesPerStep pages at a time, reporting progress
// in pages. The copy is a consistent snapshot and is created readable by its
// owner alone; it refuses to overwrite. The master key is not in it.
func (db *DB) Backup(ctx context.Context, path string, pagesPerStep int, progress func(done, total int)) error {
	if db.Dialect != SQLite {
		return errors.New("store: the online backup is for SQLite; use pg_dump on PostgreSQL")
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the operator names the backup file
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	type backuper interface {
		NewBackup(string) (*sqlite.Backup, error)
	}
	return conn.Raw(func(c any) error {
		b, ok := c.(backuper)
		if !ok {
			return errors.New("store: the SQLite driver offers no online backup")
		}
		bk, err := b.NewBackup(path)
		if err != nil {
			return fmt.Errorf("store: backup: %w", err)
		}
		for {
			more, err := bk.Step(int32(pagesPerStep)) // #nosec G115 -- small positive page counts
			if err != nil {
				_ = bk.Finish()
				return fmt.Errorf("store: backup: %w", err)
			}
			if progress != nil {
				total := bk.PageCount()
				progress(total-bk.Remaining(), total)
			}
			if !more {
				break
			}
			if err := ctx.Err(); err != nil {
				_ = bk.Finish()
				return err
			}
		}
		return bk.Finish()
	})
}
