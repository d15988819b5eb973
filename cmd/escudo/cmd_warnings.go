package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

func init() {
	register("warnings check", "judge the week holding --at and the one before by the early-warning rules, storing and sending nothing (docs/prevention.md)", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("warnings check", stderr)
		dbf := addDBFlags(fs)
		at := fs.String("at", "", "a date (YYYY-MM-DD) in the week to judge; empty: now")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		when := time.Now()
		if *at != "" {
			t, err := time.Parse("2006-01-02", *at)
			if err != nil {
				return exitCode{2, fmt.Errorf("--at %q: want YYYY-MM-DD", *at)}
			}
			when = t.Add(12 * time.Hour)
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		ws, err := db.CheckWarnings(ctx, when)
		if err != nil {
			return err
		}
		c := db.Prevention()
		fmt.Fprintf(stdout, "rules: surge (count >= 2 x mean of 4 weeks, mean >= 1) or Poisson p < %g over %d weeks; at least %d incidents\n", c.Alpha, c.HistoryWeeks, c.MinCount)
		for _, w := range ws {
			fmt.Fprintln(stdout, w)
		}
		fmt.Fprintf(stdout, "%d warnings\n", len(ws))
		return nil
	})
}
