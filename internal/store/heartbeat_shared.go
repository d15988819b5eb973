package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Heartbeat state shared between nodes. Each node keeps the heartbeats it
// receives in memory and writes them in batches (SaveHeartbeats keeps the
// newest last_seen, never moving it back); before a node declares a device
// silent it reads what the others wrote (SharedHeartbeats) and claims the
// silence in the database (ClaimSilences), so one node alone raises it.

// SharedHeartbeats returns the stored state of the given devices; devices
// with no stored row are absent from the map.
func (db *DB) SharedHeartbeats(ctx context.Context, ids []int64) (map[int64]HeartbeatState, error) {
	out := make(map[int64]HeartbeatState, len(ids))
	for len(ids) > 0 {
		n := min(len(ids), heartbeatRowsPerStatement)
		part := ids[:n]
		ids = ids[n:]
		q := `SELECT device_id, last_seen, battery, silent_since FROM device_supervision WHERE device_id IN (` +
			strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `)`
		args := make([]any, n)
		for i, id := range part {
			args[i] = id
		}
		rows, err := db.read.QueryContext(ctx, db.Rebind(q), args...)
		if err != nil {
			return nil, fmt.Errorf("store: shared heartbeats: %w", err)
		}
		for rows.Next() {
			var s HeartbeatState
			var seen int64
			var battery, silent sql.NullInt64
			if err := rows.Scan(&s.DeviceID, &seen, &battery, &silent); err != nil {
				rows.Close()
				return nil, err
			}
			s.LastSeen, s.SilentSince, s.Battery = fromMicros(seen), ptrMicros(silent), -1
			if battery.Valid {
				s.Battery = int(battery.Int64)
			}
			out[s.DeviceID] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SilenceClaim is one node's finding that a device, last heard at LastSeen,
// has been silent since Since.
type SilenceClaim struct {
	DeviceID int64
	LastSeen time.Time
	Since    time.Time
}

// ClaimSilences records the silences no node has recorded yet and returns
// the devices whose silence this call recorded: the caller raises those
// alone. A claim fails when the device is already marked silent or was
// heard after claim.LastSeen (by any node that wrote it).
func (db *DB) ClaimSilences(ctx context.Context, claims []SilenceClaim) (map[int64]bool, error) {
	won := make(map[int64]bool, len(claims))
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		for len(claims) > 0 {
			n := min(len(claims), heartbeatRowsPerStatement)
			part := claims[:n]
			claims = claims[n:]
			var b strings.Builder
			b.WriteString(`INSERT INTO device_supervision (device_id, last_seen, silent_since, updated_at) VALUES `)
			args := make([]any, 0, 4*n)
			for i, c := range part {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?)")
				args = append(args, c.DeviceID, micros(c.LastSeen), micros(c.Since), micros(tx.now))
			}
			b.WriteString(` ON CONFLICT (device_id) DO UPDATE SET silent_since = excluded.silent_since, updated_at = excluded.updated_at
				WHERE device_supervision.silent_since IS NULL AND device_supervision.last_seen <= excluded.last_seen
				RETURNING device_id`)
			rows, err := tx.tx.QueryContext(ctx, tx.db.Rebind(b.String()), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				won[id] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim silences: %w", err)
	}
	return won, nil
}

// ReleaseSilence undoes a claim whose alert could not be raised, so the
// next check (on any node) tries again.
func (db *DB) ReleaseSilence(ctx context.Context, deviceID int64, since time.Time) error {
	err := db.WithTx(ctx, true, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE device_supervision SET silent_since = NULL WHERE device_id = ? AND silent_since = ?`, deviceID, micros(since))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release silence: %w", err)
	}
	return nil
}
