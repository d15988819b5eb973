// Package store is the only package that touches the database. It runs the
// same portable SQL on embedded SQLite (default) and PostgreSQL, applies the
// embedded migrations, and seals sensitive fields with the vault before they
// reach either engine.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"escudo/internal/board"
	"escudo/internal/measures"
	"escudo/internal/prevention"
	"escudo/internal/procedure"
	"escudo/internal/regions"
	"escudo/internal/risk"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"escudo"
	"escudo/internal/vault"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
	_ "modernc.org/sqlite"           // pure-Go SQLite driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Dialect is the SQL engine in use.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configure Open. The zero value opens nothing: set DataDir or URL.
type Options struct {
	DataDir string           // embedded SQLite in DataDir/escudo.db
	URL     string           // postgres://... selects PostgreSQL
	Now     func() time.Time // defaults to time.Now
	Keys    vault.KeyProvider
	Rules   []escudo.ClockRule // defaults to escudo.DefaultClockRules
	// Milestones: when each milestone may be recorded, and by whom;
	// defaults to escudo.DefaultMilestoneRules.
	Milestones []escudo.MilestoneRule
	// InfoAnswerRestarts names the clock rules that start again when the
	// petitioner answers a request for information; nil: DefaultInfoAnswerRestarts.
	InfoAnswerRestarts []string
	// Instrument is the risk evaluation instrument new evaluations use;
	// nil: risk.Default(). Init stores it (store/risk.go).
	Instrument *risk.Instrument
	// Measures is the catalogue evaluations propose from; nil:
	// measures.Default().
	Measures *measures.Catalogue
	// AppealWindow is how long after an evaluation's submission the
	// beneficiary may disagree with it; 0: escudo.DefaultAppealWindow.
	AppealWindow time.Duration
	// AppealStudy is how long the Consultative Council's independent study
	// may take; 0: procedure.DefaultStudyDays.
	AppealStudy time.Duration
	// MeasureRules are the deadlines and escalation of granted measures;
	// nil: measures.DefaultRules().
	MeasureRules *measures.Rules
	// Board is the Governing Board's seats, quorum and adoption rules;
	// nil: board.Default().
	Board *board.Config
	// Prevention is the impunity clock's and the early warning's
	// configuration; zero fields take prevention.Default.
	Prevention prevention.Config
	// Regions group the entities for the statistics' tables by entity that
	// would withhold most of their cells; nil: regions.Default().
	Regions *regions.Map
	Logger  *slog.Logger
}

// DefaultInfoAnswerRestarts: the risk evaluation's ten days count again from
// the day the petitioner gives the information asked for.
var DefaultInfoAnswerRestarts = []string{"evaluation"}

// DB is an open store.
type DB struct {
	Dialect Dialect
	write   *sql.DB // SQLite: one connection, BEGIN IMMEDIATE; PostgreSQL: shared pool
	read    *sql.DB
	side    *sql.DB // PostgreSQL: a few connections for what nodes tell each other (listen.go, early_claims.go)
	// lane carries the alert pipeline's group commits (WithWriterTx). On
	// PostgreSQL it is a connection of its own, so the one writer every
	// alert waits for never queues for a connection behind readers; on
	// SQLite it is the writer.
	lane                      *sql.DB
	Keys                      *vault.Keyring
	now                       func() time.Time
	rules                     []escudo.ClockRule
	milestones                []escudo.MilestoneRule
	instrument                *risk.Instrument    // the one new evaluations use
	instruments               sync.Map            // "id/version" → *risk.Instrument, parsed from the stored body
	measures                  *measures.Catalogue // what evaluations propose from
	measureRules              measures.Rules
	appealWindow, appealStudy time.Duration
	board                     *board.Config
	prevention                prevention.Config
	regions                   regions.Map
	infoRestart               []string
	log                       *slog.Logger
	path                      string
	url                       string // PostgreSQL: for the listener's own connection (listen.go)
	keyProvider               vault.KeyProvider
	nodeOnce                  sync.Once
	node                      string // this handle's name in notifications (listen.go)

	// ResealProgress, when set, follows Migrate's sealing of rows written
	// before migration 0500 (reseal.go) and its rebuilding of the search
	// indexes of rows written before migration 0610 (search_index.go).
	ResealProgress ResealProgress
	// PhoneRegion is the country assumed for a phone typed without its
	// country code when it is indexed or searched; empty means Mexico.
	PhoneRegion string

	// CheckpointEvery is how many audit entries pass between signed
	// checkpoints (audit_checkpoint.go); 0 turns automatic checkpoints off.
	CheckpointEvery int
	// RefusalInterval is how long refusals of unauthenticated callers are
	// counted before their aggregated entries are written (audit_refusals.go).
	RefusalInterval time.Duration
	auditBatch      auditBatch
	auditKey        []byte       // HMAC key of the chain, derived from the master key
	auditWritten    atomic.Int64 // highest seq this node appended
	auditSigned     atomic.Int64 // highest seq known to be checkpointed
	checkpointSink  atomic.Pointer[func(Checkpoint)]
	requestAlerts   requestAlerts
	refusals        refusals
	signer          atomic.Pointer[auditSigner]
	letterSigner    atomic.Pointer[letterSigner]
	letterSettings  atomic.Pointer[LetterSettings]
	keyRefresh      atomic.Int64 // last refresh of the keyring (rotate.go)
	unknownRefresh  atomic.Int64
	backlogFigures  figuresCache
	dashFigures     dashboardCache
	workFigures     workloadCache
	wal             *walCheckpointer // SQLite only
	writeStmts      *stmtCache       // SQLite only (prepared.go)
	readStmts       *stmtCache
}

// DefaultConnectTimeout bounds a new PostgreSQL connection when the URL
// sets no connect_timeout.
const DefaultConnectTimeout = 5 * time.Second

// Open connects to the configured database. It does not migrate; call Migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	db := &DB{now: o.Now, rules: o.Rules, log: o.Logger, CheckpointEvery: DefaultCheckpointEvery, RefusalInterval: DefaultRefusalInterval}
	if db.now == nil {
		db.now = time.Now
	}
	if db.rules == nil {
		db.rules = escudo.DefaultClockRules()
	}
	if err := escudo.ValidateClockRules(db.rules); err != nil {
		return nil, err
	}
	db.milestones, db.infoRestart = o.Milestones, o.InfoAnswerRestarts
	db.instrument, db.measures = o.Instrument, o.Measures
	db.appealWindow, db.appealStudy = o.AppealWindow, o.AppealStudy
	if db.appealWindow <= 0 {
		db.appealWindow = escudo.DefaultAppealWindow
	}
	if db.appealStudy <= 0 {
		db.appealStudy = time.Duration(procedure.DefaultStudyDays) * 24 * time.Hour
	}
	if db.instrument == nil {
		db.instrument = risk.Default()
	}
	db.measureRules = measures.DefaultRules()
	if o.MeasureRules != nil {
		if err := o.MeasureRules.Validate(); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.measureRules = *o.MeasureRules
	}
	if db.measures == nil {
		db.measures = measures.Default()
	}
	if err := o.Prevention.Check(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	db.prevention = o.Prevention.WithDefaults()
	if db.regions = regions.Default(); o.Regions != nil {
		db.regions = *o.Regions
	}
	if db.board = o.Board; db.board == nil {
		db.board = board.Default()
	}
	if db.milestones == nil {
		db.milestones = escudo.DefaultMilestoneRules()
	}
	if err := escudo.ValidateMilestoneRules(db.milestones); err != nil {
		return nil, err
	}
	if db.infoRestart == nil {
		for _, n := range DefaultInfoAnswerRestarts {
			if ValidateInfoAnswerRestarts(db.rules, []string{n}) == nil {
				db.infoRestart = append(db.infoRestart, n)
			}
		}
	}
	if err := ValidateInfoAnswerRestarts(db.rules, db.infoRestart); err != nil {
		return nil, err
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	var err error
	var dsn string // SQLite
	switch {
	case strings.HasPrefix(o.URL, "postgres://") || strings.HasPrefix(o.URL, "postgresql://"):
		db.Dialect, db.url = Postgres, o.URL
		cfg, perr := pgConfig(o.URL)
		if perr != nil {
			return nil, perr
		}
		db.write = stdlib.OpenDB(*cfg)
		db.write.SetMaxOpenConns(20)
		db.write.SetMaxIdleConns(20)
		db.read = db.write
		// Early-page claims and change notifications are one short
		// statement each, on the alert's path: they must not queue behind
		// commits for a connection of the main pool.
		// Neither needs its commit flushed to disk before it returns (the
		// claims table is unlogged; a notification is delivered at commit):
		// without it, each notification would wait for a WAL flush.
		// The alert path's own connections (side and lane) run the same
		// few indexed statements thousands of times a second: with the
		// default plan cache PostgreSQL kept planning the repeat lookup
		// afresh at every call (1.1 ms each, most of its CPU at 500
		// alerts/s, against 0.03 ms with its one generic plan).
		generic := withRuntimeParam(o.URL, "plan_cache_mode", "force_generic_plan")
		side, perr := pgConfig(withRuntimeParam(generic, "synchronous_commit", "off"))
		if perr != nil {
			return nil, perr
		}
		db.side = stdlib.OpenDB(*side)
		db.side.SetMaxOpenConns(sideConns)
		db.side.SetMaxIdleConns(sideConns)
		// The alert writer's own connection.
		laneCfg, perr := pgConfig(generic)
		if perr != nil {
			return nil, perr
		}
		db.lane = stdlib.OpenDB(*laneCfg)
		db.lane.SetMaxOpenConns(1)
		db.lane.SetMaxIdleConns(1)
	case o.URL != "":
		return nil, escudo.Errorf(escudo.EINVALID, "error.db_url")
	case o.DataDir != "":
		db.Dialect = SQLite
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("store: data dir: %w", err)
		}
		db.path = filepath.Join(o.DataDir, "escudo.db")
		if err := privateFiles(db.path, db.log); err != nil {
			return nil, err
		}
		// busy_timeout first so the other pragmas wait rather than fail.
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
		dsn = "file:" + (&url.URL{Path: db.path}).EscapedPath() + "?" + pragmas
		// Checkpoints are mostly done in the background (wal.go).
		if db.write, err = sql.Open("sqlite", dsn+"&_txlock=immediate&_pragma=wal_autocheckpoint("+strconv.Itoa(writerCheckpointPages)+
			")&_pragma=journal_size_limit("+strconv.Itoa(journalSizeLimit)+")"); err != nil {
			return nil, err
		}
		db.write.SetMaxOpenConns(1)
		db.write.SetConnMaxLifetime(0)
		if db.read, err = sql.Open("sqlite", dsn+"&_pragma=query_only(1)"); err != nil {
			return nil, err
		}
		db.read.SetMaxOpenConns(8)
		db.read.SetMaxIdleConns(8)
	default:
		return nil, errors.New("store: no database configured (set --data or --db)")
	}
	if db.lane == nil {
		db.lane = db.write
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if db.Dialect == SQLite {
		db.writeStmts, db.readStmts = newStmtCache(db.write, true), newStmtCache(db.read, false)
		if db.wal, err = startCheckpointer(dsn); err != nil {
			db.Close()
			return nil, err
		}
	}
	if o.Keys != nil {
		if db.Keys, err = vault.NewKeyring(o.Keys, nil); err != nil {
			return nil, err
		}
		db.keyProvider = o.Keys
	}
	return db, nil
}

// withRuntimeParam adds a server setting to a PostgreSQL URL (pgx passes
// unknown query parameters to the server).
// pgConfig parses a PostgreSQL URL for one of the pools. A server that
// accepts the connection and then says nothing (frozen, or behind a lost
// network) must not hold a caller without a deadline forever: without
// connect_timeout in the URL, DefaultConnectTimeout applies.
func pgConfig(dbURL string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, escudo.Errorf(escudo.EINVALID, "error.db_url")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	return cfg, nil
}

func withRuntimeParam(dbURL, key, value string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return dbURL
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// Path is the SQLite file, or "" on PostgreSQL.
func (db *DB) Path() string { return db.path }

// Now returns the store's clock.
func (db *DB) Now() time.Time { return db.now().UTC() }

// Rules returns the configured clock rules.
func (db *DB) Rules() []escudo.ClockRule { return db.rules }

// MilestoneRules returns the configured milestone rules.
func (db *DB) MilestoneRules() []escudo.MilestoneRule { return db.milestones }

// ValidateInfoAnswerRestarts checks that each name is a clock rule, once.
func ValidateInfoAnswerRestarts(rules []escudo.ClockRule, names []string) error {
	seen := map[string]bool{}
	for _, n := range names {
		found := false
		for _, r := range rules {
			found = found || r.Name == n
		}
		if !found || seen[n] {
			return fmt.Errorf("info_answer_restarts: %q is not a clock rule or is repeated", n)
		}
		seen[n] = true
	}
	return nil
}

// Close writes the refusals still being counted and signs a last
// checkpoint of what this process appended, then closes the connections.
func (db *DB) Close() error {
	db.dashFigures.refreshing.Wait()
	db.workFigures.refreshing.Wait()
	db.FinishAudit()
	var err error
	db.writeStmts.close()
	db.readStmts.close()
	if db.wal != nil {
		err = db.wal.close()
		db.wal = nil
	}
	if db.read != nil && db.read != db.write {
		err = db.read.Close()
	}
	if db.side != nil {
		err = errors.Join(err, db.side.Close())
	}
	if db.lane != nil && db.lane != db.write {
		if e := db.lane.Close(); e != nil {
			err = e
		}
	}
	if db.write != nil {
		if e := db.write.Close(); e != nil {
			err = e
		}
	}
	return err
}

// Ping checks the database for readiness probes.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Tx is a transaction carrying the moment it started, so every row it writes
// shares one time and tests can control the clock.
type Tx struct {
	tx       *sql.Tx
	db       *DB
	now      time.Time
	writable bool
	// afterCommit runs once the transaction is durable (checkpoints are
	// streamed out only then).
	afterCommit []func()
	// deferAudit collects audit entries in auditLater and writes them in
	// one append just before the commit (DeferAudit).
	deferAudit bool
	auditLater []*AuditEntry
	// noticed holds the cases whose beneficiary this transaction already
	// told of a new notice: one change, however many measures and letters
	// it moves, is one message on their phone.
	noticed map[int64]*noticed
}

// Begin starts a transaction; writable ones go to the writer connection.
func (db *DB) Begin(ctx context.Context, writable bool) (*Tx, error) {
	conn := db.read
	if writable {
		conn = db.write
	}
	return db.beginOn(ctx, conn, writable)
}

func (db *DB) beginOn(ctx context.Context, conn *sql.DB, writable bool) (*Tx, error) {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: !writable && db.Dialect == Postgres})
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	return &Tx{tx: tx, db: db, now: db.Now(), writable: writable}, nil
}

// WithTx runs fn in a transaction, committing when it returns nil.
func (db *DB) WithTx(ctx context.Context, writable bool, fn func(*Tx) error) error {
	conn := db.read
	if writable {
		conn = db.write
	}
	return db.withTxOn(ctx, conn, writable, fn)
}

// WithWriterTx is WithTx for the alert pipeline's group-commit writer, one
// goroutine: on PostgreSQL its transactions run on a connection kept for
// it alone.
func (db *DB) WithWriterTx(ctx context.Context, fn func(*Tx) error) error {
	return db.withTxOn(ctx, db.lane, true, fn)
}

func (db *DB) withTxOn(ctx context.Context, conn *sql.DB, writable bool, fn func(*Tx) error) error {
	tx, err := db.beginOn(ctx, conn, writable)
	if err != nil {
		return err
	}
	defer func() {
		_ = tx.tx.Rollback() // no-op after commit
		// Statements admitted to a cache while this transaction held the
		// connection are prepared now that it is free.
		if writable {
			db.writeStmts.prepareWanted()
		} else {
			db.readStmts.prepareWanted()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.flushAudit(ctx); err != nil {
		return err
	}
	if err := tx.tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// Now is the transaction's time.
func (tx *Tx) Now() time.Time { return tx.now }

// DB returns the store.
func (tx *Tx) DB() *DB { return tx.db }

// Exec runs a statement written with ? placeholders.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := tx.txStmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, tx.db.Rebind(q), args...)
}

// Query runs a query written with ? placeholders.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := tx.txStmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, tx.db.Rebind(q), args...)
}

// QueryRow runs a one-row query written with ? placeholders.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if s := tx.txStmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.db.Rebind(q), args...)
}

// InsertID runs an INSERT ... RETURNING id and returns the id.
func (tx *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// Rebind turns ? placeholders into $n for PostgreSQL. Queries in this
// package never contain a literal question mark.
func (db *DB) Rebind(q string) string {
	if db.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// micros converts a time to the stored form.
func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

// fromMicros converts a stored time back.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullMicros(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return micros(*t)
}

func ptrMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %q has no number", name)
		}
		b, err := migrationFS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: db.dialectSQL(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("store: two migrations numbered %d", out[i].version)
		}
	}
	return out, nil
}

func (db *DB) dialectSQL(s string) string {
	if db.Dialect == Postgres {
		return strings.NewReplacer("{{id}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "{{blob}}", "BYTEA", "{{unlogged}}", "UNLOGGED").Replace(s)
	}
	return strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{blob}}", "BLOB", "{{unlogged}} ", "").Replace(s)
}

// Migrate applies pending migrations, each in its own transaction, and makes
// sure every compartment has an active data key.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, err
	}
	// Several nodes may start at once on an empty database: each step that
	// creates something takes the start-up lock, so one creates it and the
	// others wait and then find it (on SQLite every write transaction is
	// already exclusive).
	err = db.WithTx(ctx, true, func(tx *Tx) error {
		if err := tx.startupLock(ctx); err != nil {
			return err
		}
		_, err := tx.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: migrations table: %w", err)
	}
	for _, m := range ms {
		err := db.WithTx(ctx, true, func(tx *Tx) error {
			if err := tx.startupLock(ctx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
			if m.version == keyedChainMigration {
				if err := tx.startKeyedChain(ctx); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, micros(tx.now)); err != nil {
				return err
			}
			applied++
			return nil
		})
		if err != nil {
			return applied, err
		}
	}
	if db.Keys != nil {
		if err := db.loadKeys(ctx); err != nil {
			return applied, err
		}
		if err := db.sealPlaintextRows(ctx); err != nil {
			return applied, err
		}
		if err := db.rebuildSearchIndexes(ctx); err != nil {
			return applied, err
		}
	}
	return applied, db.registerInstrument(ctx)
}

// startupLock orders the nodes that migrate and create data keys at the
// same time on PostgreSQL; it is released when the transaction ends.
func (tx *Tx) startupLock(ctx context.Context) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7271001)`)
	return err
}

// CheckSchema returns an error when migrations are pending, for start-up.
func (db *DB) CheckSchema(ctx context.Context) error {
	ms, err := db.migrations()
	if err != nil {
		return err
	}
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("store: schema not initialised (run escudo migrate): %w", err)
	}
	if n < len(ms) {
		return fmt.Errorf("store: %d migrations pending (run escudo migrate)", len(ms)-n)
	}
	if left, err := db.unsealedRows(ctx); err != nil {
		return err
	} else if left > 0 {
		return fmt.Errorf("store: %d rows still hold personal attributes in clear (run escudo migrate to seal them)", left)
	}
	if left, err := db.staleSearchRows(ctx); err != nil {
		return err
	} else if left > 0 {
		return fmt.Errorf("store: %d people still need their search indexes rebuilt (run escudo migrate)", left)
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// privateFiles creates the SQLite file readable by its owner alone before
// SQLite opens it (SQLite gives the WAL and shared-memory files the
// database's permissions), and tightens files an earlier version left
// readable by others.
func privateFiles(path string, log *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- the operator's data folder
	if err == nil {
		return f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("store: create database: %w", err)
	}
	if runtime.GOOS == "windows" {
		return nil // no permission bits; the folder's ACLs apply
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, 0o600); err != nil {
			return fmt.Errorf("store: %s is readable by other users and could not be restricted: %w", p, err)
		}
		log.Warn("database file was readable by other users; restricted to its owner", "path", p, "was", fmt.Sprintf("%04o", st.Mode().Perm()))
	}
	return nil
}

// Init checks that the schema is current and loads the data keys, for
// commands that serve an existing database.
func (db *DB) Init(ctx context.Context) error {
	if err := db.CheckSchema(ctx); err != nil {
		return err
	}
	if db.keyProvider == nil {
		return errors.New("store: no key provider")
	}
	if err := db.loadKeys(ctx); err != nil {
		return err
	}
	return db.registerInstrument(ctx)
}
