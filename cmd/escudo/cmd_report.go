package main

import (
	"context"
	"errors"
	"io"

	"escudo/internal/report"
)

func init() {
	for _, kind := range []string{report.Monthly, report.Quarterly, report.Yearly} {
		register("report "+kind, "write the "+kind+" statistical report from the published releases: --period 2026-10|2026-Q3|2026 --format html|pdf|csv|json [--lang es-MX|en] [--out FILE] (docs/reports.md)", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("report "+kind, stderr)
			dbf := addDBFlags(fs)
			period, format, lang, out := fs.String("period", "", "2026-10, 2026-Q3 or 2026"), fs.String("format", "html", "html, pdf, csv or json"), fs.String("lang", "es-MX", "es-MX or en"), fs.String("out", "", "file to write (default: standard output)")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			open := func(ctx context.Context) (report.Source, io.Closer, error) {
				db, err := openStore(ctx, dbf)
				return db, db, err
			}
			err := report.Command(ctx, open, kind, *period, *format, *lang, *out, stdout, stderr)
			if errors.As(err, new(report.BadRequest)) {
				return exitCode{2, err}
			}
			return err
		})
	}
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
		if err = report.Verify(ctx, db, stdout); errors.Is(err, report.ErrDisclosure) {
			return exitCode{1, err}
		}
		return err
	})
}
