package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"escudo/internal/store"
)

func init() {
	register("backup", "copy the database while it serves, leaving the master key out", cmdBackup)
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", stderr)
	dbf := addDBFlags(fs)
	out := fs.String("out", "", "backup file to create (refuses to overwrite)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	where := "ESCUDO_MASTER_KEY (from the environment)"
	if os.Getenv("ESCUDO_MASTER_KEY") == "" {
		p, err := dbf.keyPath()
		if err != nil {
			return err
		}
		where = p
	}
	if dbf.url != "" {
		fmt.Fprintf(stdout, "PostgreSQL: back up with pg_dump (pg_dump --format=custom --file=FILE %q).\n"+
			"The master key is not in the database; it is at %s. Keep it apart from the backups: whoever holds both can decrypt everything.\n",
			"postgres://…", where)
		return nil
	}
	if *out == "" {
		return exitCode{code: 2, err: errors.New("--out FILE is required")}
	}
	if _, err := os.Stat(dbf.data); err != nil {
		return fmt.Errorf("no data folder at %s: %w", dbf.data, err)
	}
	db, err := store.Open(ctx, store.Options{DataDir: dbf.data, Logger: newLogger()})
	if err != nil {
		return err
	}
	defer db.Close()
	var bar *progressbar.ProgressBar
	var progress func(done, total int)
	if !*quiet {
		progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("copia / backup"),
					progressbar.OptionShowCount(), progressbar.OptionSetItsString("pages"), progressbar.OptionThrottle(100*time.Millisecond))
			}
			_ = bar.Set(done)
		}
	}
	err = db.Backup(ctx, *out, 256, progress)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (the master key is not in it).\n"+
		"The master key is at %s: keep it apart from this backup (other media, another place); whoever holds both can decrypt everything, and without the key the backup cannot be read.\n",
		*out, where)
	return nil
}
