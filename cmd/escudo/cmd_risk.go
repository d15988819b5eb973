package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

func init() {
	register("risk", "recompute risk evaluations from their stored instrument version, or print the published instrument", cmdRisk)
}

// cmdRisk: `escudo risk recompute --evaluation N | --all` and `escudo risk
// instrument [--version N]`.
func cmdRisk(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: escudo risk recompute --evaluation N | --all; escudo risk instrument [--version N]")
	}
	switch args[0] {
	case "recompute":
		return cmdRiskRecompute(ctx, args[1:], stdout, stderr)
	case "instrument":
		return cmdRiskInstrument(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("escudo risk: unknown command %q (recompute, instrument)", args[0])
}

func cmdRiskRecompute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("risk recompute", stderr)
	dbf := addDBFlags(fs)
	id := fs.Int64("evaluation", 0, "the evaluation to recompute")
	all := fs.Bool("all", false, "recompute every submitted evaluation")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*id > 0) == *all {
		return errors.New("escudo risk recompute: give --evaluation N or --all")
	}
	db, err := openStore(ctx, dbf)
	if err != nil {
		return err
	}
	defer db.Close()
	ids := []int64{*id}
	if *all {
		if ids, err = db.SubmittedEvaluationIDs(ctx); err != nil {
			return err
		}
	}
	var bar *progressbar.ProgressBar
	if *all && len(ids) > 1 && !*quiet {
		bar = progressbar.NewOptions(len(ids), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("recalculando / recomputing"),
			progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	bad := 0
	for _, n := range ids {
		rc, err := db.RecomputeEvaluation(ctx, n)
		if err != nil {
			return fmt.Errorf("evaluation %d: %w", n, err)
		}
		e := rc.Evaluation
		if !*all || !rc.Matches {
			status := "matches"
			if !rc.Matches {
				status = "DOES NOT MATCH"
				bad++
			}
			fmt.Fprintf(stdout, "evaluation %d (instrument %s v%d): stored %s %d/%d, recomputed %s %d/%d = %s: %s\n",
				e.ID, e.Instrument, e.Version, e.Level, e.Num, e.Den, rc.Result.Level, rc.Result.Num, rc.Result.Den, rc.Result.Value, status)
		} else if !rc.Matches {
			bad++
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
	if *all {
		fmt.Fprintf(stdout, "%d evaluations recomputed, %d do not match\n", len(ids), bad)
	}
	if bad > 0 {
		return fmt.Errorf("%d evaluations do not match their stored level", bad)
	}
	return nil
}

func cmdRiskInstrument(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("risk instrument", stderr)
	dbf := addDBFlags(fs)
	version := fs.Int("version", 0, "the stored version to print (default: the one in use)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openStore(ctx, dbf)
	if err != nil {
		return err
	}
	defer db.Close()
	inst := db.Instrument()
	v := inst.Version
	if *version > 0 {
		v = *version
	}
	body, err := db.InstrumentBody(ctx, inst.ID, v)
	if err != nil {
		return fmt.Errorf("instrument %s version %d: %w", inst.ID, v, err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", body)
	return err
}
