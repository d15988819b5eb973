package store

import (
	"context"
	"fmt"
	"strings"
)

// DeviceVersions returns a version of each of the given devices that
// exists: its updated_at (Unix microseconds), which every change to a
// device's credentials or state moves, and its disabled flag (so a change
// within one clock tick still shows). A cache of credentials revalidates
// many devices with one indexed read instead of reloading and decrypting
// each.
func (db *DB) DeviceVersions(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	q := `SELECT id, updated_at, disabled FROM devices WHERE id IN (?` + strings.Repeat(`,?`, len(ids)-1) + `)`
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.readQuery(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("device versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v, disabled int64
		if err := rows.Scan(&id, &v, &disabled); err != nil {
			return nil, fmt.Errorf("device versions: %w", err)
		}
		out[id] = v<<1 | disabled&1
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("device versions: %w", err)
	}
	return out, nil
}
