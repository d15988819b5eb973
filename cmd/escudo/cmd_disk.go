package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"
)

// disk check measures what every alert's durable acknowledgement waits for
// on embedded SQLite: a small write to the data folder made durable with
// fdatasync, the same kind of write a commit of the write-ahead log makes.
// Like pg_test_fsync or etcd's disk checks, it tells an operator before a
// crisis whether the disk can hold the alert budget (p99 of 10 ms).

// diskStall is the sync time counted as a stall: the alert budget.
const diskStall = 10 * time.Millisecond

// DiskReport summarises a disk check.
type DiskReport struct {
	Syncs                    int
	P50, P90, P99, P999, Max time.Duration
	Stalls                   int           // syncs longer than diskStall
	Stalled                  time.Duration // time spent in those syncs
	Elapsed                  time.Duration
}

// StalledShare is the share of the run spent in stalled syncs: an alert
// arriving then waits for the stall, so when it is above 1% the p99 of the
// durable acknowledgement cannot be under the stall time.
func (r DiskReport) StalledShare() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Stalled) / float64(r.Elapsed)
}

func (r DiskReport) String() string {
	return fmt.Sprintf("%d syncs in %s: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\nstalls over %s: %d, %.2f%% of the time",
		r.Syncs, r.Elapsed.Round(time.Millisecond), r.P50, r.P90, r.P99, r.P999, r.Max, diskStall, r.Stalls, 100*r.StalledShare())
}

// checkDisk writes 4 KiB blocks in turn over a 4 MiB file in dir, each
// followed by fdatasync, every interval, for d; tick is called after each.
func checkDisk(ctx context.Context, dir string, d, interval time.Duration, tick func()) (DiskReport, error) {
	var r DiskReport
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
		if l > diskStall {
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

func init() {
	register("disk check", "measure durable writes on the data folder's disk: what every alert's acknowledgement waits for", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("disk check", stderr)
		data := fs.String("data", envOr("ESCUDO_DATA", "escudo-data"), "data folder whose disk is measured")
		d := fs.Duration("duration", time.Minute, "how long to measure")
		interval := fs.Duration("interval", 2*time.Millisecond, "pause between syncs (0: back to back)")
		quiet := fs.Bool("quiet", false, "no progress bar")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *d <= 0 {
			return exitCode{2, fmt.Errorf("--duration must be positive")}
		}
		var tick func()
		if !*quiet {
			bar := progressbar.NewOptions64(d.Milliseconds(), progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription("Midiendo el disco / measuring the disk"), progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
			start := time.Now()
			tick = func() { _ = bar.Set64(min(time.Since(start).Milliseconds(), d.Milliseconds())) }
			defer func() { _ = bar.Finish() }()
		}
		r, err := checkDisk(ctx, *data, *d, *interval, tick)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, r)
		switch {
		case r.P99 > diskStall || r.StalledShare() > 0.01:
			fmt.Fprintf(stdout, "verdict: this disk cannot hold a 10 ms p99 for durable alert acknowledgements (alerts still page the duty desk without waiting for it)\n")
		default:
			fmt.Fprintf(stdout, "verdict: fast enough for a 10 ms p99 of durable alert acknowledgements\n")
		}
		return nil
	})
}
