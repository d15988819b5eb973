package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/schollz/progressbar/v3"

	"escudo/internal/store"
)

func init() {
	register("keys rotate", "new data keys and re-encrypt every sealed field, while serving", cmdKeysRotate)
}

func cmdKeysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keys rotate", stderr)
	dbf := addDBFlags(fs)
	resume := fs.Bool("resume", false, "continue an interrupted rotation without making new keys")
	batch := fs.Int("batch", 500, "rows per transaction (short transactions keep the server responsive)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, dbf)
	if err != nil {
		return err
	}
	defer db.Close()
	if !*resume {
		ids, err := db.NewDataKeys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "new data keys: %s\n", strings.Join(ids, ", "))
	}
	var bar *progressbar.ProgressBar
	o := store.RotateOptions{Batch: *batch}
	if !*quiet {
		o.Progress = func(done, total int64) {
			if bar == nil {
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("re-encrypting"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"), progressbar.OptionThrottle(100e6))
			}
			_ = bar.Set64(done)
		}
	}
	rep, err := db.RotateData(ctx, o)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return fmt.Errorf("%w (run escudo keys rotate --resume to continue)", err)
	}
	fmt.Fprintf(stdout, "rotation done: %d tables, %d rows visited, %d values re-encrypted, %d still under an old key\n",
		rep.Tables, rep.Rows, rep.Resealed, rep.Remaining)
	if rep.Remaining > 0 {
		// Written meanwhile by a node that had not yet picked up the new keys.
		return exitCode{code: 3, err: fmt.Errorf("%d values were sealed under old keys during the run; run escudo keys rotate --resume", rep.Remaining)}
	}
	return nil
}
