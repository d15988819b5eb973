package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"escudo/internal/store"
)

func init() {
	register("audit verify", "check the audit log's hash chain and signed checkpoints", cmdAuditVerify)
	register("audit checkpoint", "sign a checkpoint of the audit log now", storeCommand("audit checkpoint", cmdAuditCheckpoint))
	register("audit export-checkpoints", "write the signed checkpoints for auditors to keep elsewhere", cmdAuditExport)
}

// cmdAuditVerify exits 1 naming the first bad seq when the log was edited,
// truncated, or had entries deleted, inserted or reordered.
func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit verify", stderr)
	dbf := addDBFlags(fs)
	cpFile := fs.String("checkpoints", "", "also check checkpoints kept outside the database: the --audit-sink file or an export (JSON lines); fails when the database lacks any of them or entries they cover")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var external []store.Checkpoint
	if *cpFile != "" {
		f, err := os.Open(*cpFile)
		if err != nil {
			return err
		}
		external, err = store.ParseCheckpoints(f)
		_ = f.Close()
		if err != nil {
			return exitCode{code: 1, err: err}
		}
	}
	db, err := openStore(ctx, dbf)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.VerifyAudit(ctx, external)
	var ce *store.ChainError
	if errors.As(err, &ce) {
		return exitCode{code: 1, err: fmt.Errorf("FAILED: first bad seq %d: %s", ce.Seq, ce.Reason)}
	} else if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit log intact: %d entries, last seq %d, head %s, %d signed checkpoints matched\n",
		rep.Entries, rep.LastSeq, hex.EncodeToString(rep.Head), rep.Checkpoints)
	switch {
	case rep.KeyedFrom == 1:
		fmt.Fprintln(stdout, "keyed chain (HMAC under the master key) from the first entry")
	case rep.KeyedFrom > 1:
		fmt.Fprintf(stdout, "entries 1-%d written before the keyed chain (plain SHA-256, checked as written); keyed chain from seq %d\n", rep.KeyedFrom-1, rep.KeyedFrom)
	case rep.Entries > 0:
		fmt.Fprintln(stdout, "every entry was written before the keyed chain (plain SHA-256)")
	}
	fmt.Fprintf(stdout, "%d refused or failed requests recorded in %d entries\n", rep.Refusals, rep.RefusalEntries)
	if *cpFile == "" {
		fmt.Fprintln(stdout, "without --checkpoints FILE (the --audit-sink file or an export kept elsewhere), deleted tail entries and deleted checkpoints cannot be detected")
	}
	return nil
}

func cmdAuditCheckpoint(ctx context.Context, db *store.DB, stdout io.Writer) error {
	c, err := db.Checkpoint(ctx)
	if err != nil {
		return err
	}
	return store.WriteCheckpoints(stdout, []store.Checkpoint{*c})
}

func cmdAuditExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit export-checkpoints", stderr)
	dbf := addDBFlags(fs)
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, dbf)
	if err != nil {
		return err
	}
	defer db.Close()
	cs, err := db.Checkpoints(ctx)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := store.WriteCheckpoints(w, cs); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d checkpoints exported\n", len(cs))
	return nil
}
