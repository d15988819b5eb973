package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"escudo/internal/disclosure"
	"escudo/internal/i18n"
)

// BadRequest wraps a command's invalid flags, already in the reader's words.
type BadRequest struct{ Msg string }

func (e BadRequest) Error() string { return e.Msg }

// Opener opens the store for a command, once its flags are checked.
type Opener func(context.Context) (Source, io.Closer, error)

// Command is `escudo report monthly|quarterly`: it checks the flags, builds
// the report with a progress bar on stderr and writes it to out (stdout
// when empty).
func Command(ctx context.Context, open Opener, kind, period, format, lang, out string, stdout, stderr io.Writer) error {
	b := i18n.MustNew()
	if _, err := CheckRequest(kind, period, format); err != nil {
		return BadRequest{Message(b, lang, err)}
	}
	src, closer, err := open(ctx)
	if err != nil {
		return err
	}
	defer closer.Close() //nolint:errcheck // read only
	progress, done := Progress(stderr, "informe / report")
	r, err := Build(ctx, src, b, lang, kind, period, progress)
	if done(); err != nil {
		return errors.New(Message(b, lang, err))
	}
	if out == "" {
		return r.Write(stdout, format)
	}
	f, err := os.Create(out) // #nosec G304 G703 -- the operator names the file to write on the command line
	if err != nil {
		return err
	}
	if err := r.Write(f, format); err != nil {
		f.Close() //nolint:errcheck,gosec // the write failed already
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: %s\n", out, r.Title+", "+r.PeriodLabel)
	return nil
}

// Verifier re-audits the whole release history (the store).
type Verifier interface {
	VerifyStatistics(ctx context.Context) ([]disclosure.Finding, int, error)
}

// ErrDisclosure is returned by Verify when a published release discloses a
// count from 1 to 9.
var ErrDisclosure = errors.New("some published statistics disclose a count from 1 to 9")

// Verify is `escudo report verify`: every finding on stdout, then a
// summary; ErrDisclosure when any is a disclosure.
func Verify(ctx context.Context, v Verifier, stdout io.Writer) error {
	start, sensitive := time.Now(), 0
	findings, n, err := v.VerifyStatistics(ctx)
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
		return ErrDisclosure
	}
	return nil
}
