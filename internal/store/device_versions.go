package store

import (
	"context"
	"fmt"
	"strings"
)

// DeviceVersions returns the version (updated_at, Unix microseconds) of
// each of the given devices that exists. Every change to a device's
// credentials or state moves it, so a cache of credentials revalidates many
// devices with one indexed read instead of reloading and decrypting each.
func (db *DB) DeviceVersions(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := `SELECT id, updated_at FROM devices WHERE id IN (?` + strings.Repeat(`,?`, len(ids)-1) + `)`
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.read.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("device versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("device versions: %w", err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("device versions: %w", err)
	}
	return out, nil
}
