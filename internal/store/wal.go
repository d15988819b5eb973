package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// SQLite in WAL mode appends every commit to the write-ahead log and, by
// default, copies the log back into the database file ("checkpoints") inside
// whichever commit takes the log past 1,000 pages. That commit then writes
// and fsyncs megabytes before it returns, and every alert queued behind the
// single writer waits: under 200 alerts a second those checkpoints were the
// alert path's whole tail (commits of 20–140 ms among sub-millisecond ones).
//
// escudo moves that work off the writer: a background checkpointer on a
// connection of its own copies the log back every walCheckpointEvery in
// PASSIVE mode, which neither waits for nor blocks the writer or readers.
// The writer keeps a (larger) automatic checkpoint only to let the log be
// reused from its start: SQLite restarts the log in the first write after
// a checkpoint that found nothing left to copy, and a background pass can
// never be that last one while commits keep arriving. When the writer's
// turn comes the background has already copied almost everything, so its
// checkpoint is a few pages and two fsyncs instead of megabytes.
const (
	// walCheckpointEvery is how often the background copies the log back
	// when it has new frames; small, frequent checkpoints keep each one short.
	walCheckpointEvery = 250 * time.Millisecond
	// writerCheckpointPages is the log size (pages) at which the writer
	// checkpoints (and so lets the log restart): about a second of the
	// heaviest alert load measured, 32 MiB.
	writerCheckpointPages = 8000
	// journalSizeLimit is the size the log file is truncated back to after
	// a restart (bytes).
	journalSizeLimit = 64 << 20
)

// walStats is what the last checkpoint saw, for metrics.
type walStats struct {
	frames, backfilled atomic.Int64 // pages in the log; pages copied back
	checkpoints        atomic.Int64
	busy               atomic.Int64 // checkpoints that could not finish (readers)
}

type walCheckpointer struct {
	conn  *sql.DB
	stats walStats
	stop  context.CancelFunc
	done  sync.WaitGroup
}

func startCheckpointer(dsn string) (*walCheckpointer, error) {
	conn, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	conn.SetConnMaxLifetime(0)
	ctx, cancel := context.WithCancel(context.Background())
	c := &walCheckpointer{conn: conn, stop: cancel}
	c.done.Add(1)
	go c.loop(ctx)
	return c, nil
}

func (c *walCheckpointer) loop(ctx context.Context) {
	defer c.done.Done()
	t := time.NewTicker(walCheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.checkpoint(ctx, "PASSIVE")
		}
	}
}

// checkpoint copies the log back into the database file. mode is PASSIVE
// in the background and TRUNCATE at close.
func (c *walCheckpointer) checkpoint(ctx context.Context, mode string) error {
	var busy, frames, backfilled int64
	// mode is one of two constants, never user input.
	if err := c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &backfilled); err != nil {
		return err
	}
	c.stats.checkpoints.Add(1)
	if busy != 0 || (frames > 0 && backfilled < frames) {
		c.stats.busy.Add(1)
	}
	c.stats.frames.Store(frames)
	c.stats.backfilled.Store(backfilled)
	return nil
}

// close stops the loop and leaves an empty log behind.
func (c *walCheckpointer) close() error {
	c.stop()
	c.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = c.checkpoint(ctx, "TRUNCATE")
	return c.conn.Close()
}

// WALStats reports the write-ahead log as the last checkpoint saw it: the
// pages in the log, those already copied back to the database file, the
// checkpoints run and those readers kept from finishing. All zero on
// PostgreSQL.
func (db *DB) WALStats() (frames, backfilled, checkpoints, busy int64) {
	if db.wal == nil {
		return 0, 0, 0, 0
	}
	s := &db.wal.stats
	return s.frames.Load(), s.backfilled.Load(), s.checkpoints.Load(), s.busy.Load()
}
