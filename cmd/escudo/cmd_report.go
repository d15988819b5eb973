package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

func init() {
	register("report verify", "re-run disclosure control's audit over every statistics release ever published; exit 1 if any count from 1 to 9 is published or can be worked out (docs/statistics.md)", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("report verify", stderr)
		dbf := addDBFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close() //nolint:errcheck // read only
		start, sensitive := time.Now(), 0
		findings, n, err := db.VerifyStatistics(ctx)
		if err != nil {
			return err
		}
		for _, f := range findings {
			kind := "derivable withheld cell (zero or at least 10: not a disclosure)"
			if f.Sensitive() {
				kind = "DISCLOSURE: " + f.Reason
				sensitive++
			}
			fmt.Fprintf(stdout, "%s %s [%v, %v]: %s\n", f.Release, f.Key, f.Interval.Lower, f.Interval.Upper, kind)
		}
		fmt.Fprintf(stdout, "%d releases audited in %s: %d findings, %d disclosures\n", n, time.Since(start).Round(time.Millisecond), len(findings), sensitive)
		if sensitive > 0 {
			return exitCode{1, errors.New("some published statistics disclose a count from 1 to 9")}
		}
		return nil
	})
}
