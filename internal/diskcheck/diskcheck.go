// Package diskcheck measures what every alert's durable acknowledgement
// waits for on embedded SQLite: a small write to the data folder made
// durable with fdatasync, the same kind of write a commit of the write-ahead
// log makes. Like pg_test_fsync or etcd's disk checks, it tells an operator
// before a crisis whether the disk can hold the alert budget (p99 of 10 ms).
package diskcheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Stall is the sync time counted as a stall: the alert budget.
const Stall = 10 * time.Millisecond

// Report summarises a disk check.
type Report struct {
	Syncs                    int
	P50, P90, P99, P999, Max time.Duration
	Stalls                   int           // syncs longer than Stall
	Stalled                  time.Duration // time spent in those syncs
	Elapsed                  time.Duration
}

// StalledShare is the share of the run spent in stalled syncs: an alert
// arriving then waits for the stall, so when it is above 1% the p99 of the
// durable acknowledgement cannot be under the stall time.
func (r Report) StalledShare() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Stalled) / float64(r.Elapsed)
}

func (r Report) String() string {
	return fmt.Sprintf("%d syncs in %s: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\nstalls over %s: %d, %.2f%% of the time",
		r.Syncs, r.Elapsed.Round(time.Millisecond), r.P50, r.P90, r.P99, r.P999, r.Max, Stall, r.Stalls, 100*r.StalledShare())
}

// Run writes 4 KiB blocks in turn over a 4 MiB file in dir, each
// followed by fdatasync, every interval, for d; tick is called after each.
func Run(ctx context.Context, dir string, d, interval time.Duration, tick func()) (Report, error) {
	var r Report
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return r, err
	}
	path := filepath.Join(dir, "disk-check.tmp")
	f, err := os.OpenFile(filepath.Clean(path), os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return r, err
	}
	defer os.Remove(path)
	defer f.Close()
	const size, block = 4 << 20, 4 << 10
	if err := f.Truncate(size); err != nil {
		return r, err
	}
	if err := f.Sync(); err != nil {
		return r, err
	}
	buf := make([]byte, block)
	var lat []time.Duration
	start := time.Now()
	for off := int64(0); time.Since(start) < d; off = (off + block) % size {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		buf[0]++
		t0 := time.Now()
		if _, err := f.WriteAt(buf, off); err != nil {
			return r, err
		}
		if err := datasync(f); err != nil {
			return r, err
		}
		l := time.Since(t0)
		lat = append(lat, l)
		if l > Stall {
			r.Stalls++
			r.Stalled += l
		}
		if tick != nil {
			tick()
		}
		if interval > 0 {
			time.Sleep(interval)
		}
	}
	r.Elapsed = time.Since(start)
	if len(lat) == 0 {
		return r, nil
	}
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	r.Syncs, r.P50, r.P90, r.P99, r.P999, r.Max = len(lat), at(.5), at(.9), at(.99), at(.999), lat[len(lat)-1]
	return r, nil
}
