package main

import (
	"context"
	"escudo/internal/diskcheck"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

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
		r, err := diskcheck.Run(ctx, *data, *d, *interval, tick)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, r)
		switch {
		case r.P99 > diskcheck.Stall || r.StalledShare() > 0.01:
			fmt.Fprintf(stdout, "verdict: this disk cannot hold a 10 ms p99 for durable alert acknowledgements (alerts still page the duty desk without waiting for it)\n")
		default:
			fmt.Fprintf(stdout, "verdict: fast enough for a 10 ms p99 of durable alert acknowledgements\n")
		}
		return nil
	})
}
