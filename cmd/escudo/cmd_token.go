package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"escudo"
)

func init() {
	register("token create", "issue a personal API token for a staff user", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("token create", stderr)
		dbf := addDBFlags(fs)
		username := fs.String("username", "", "the staff user the token acts for")
		name := fs.String("name", "", "what the token is for, e.g. the client's name")
		expires := fs.String("expires", "90d", "lifetime, e.g. 30d or 720h; 0 for no expiry")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *username == "" {
			fmt.Fprintln(stderr, "escudo token create: --username is required")
			return errUsage
		}
		ttl, err := parseTTL(*expires)
		if err != nil {
			fmt.Fprintf(stderr, "escudo token create: --expires: %v\n", err)
			return errUsage
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		u, err := db.FindUserByUsername(ctx, *username)
		if err != nil {
			if escudo.ErrorCode(err) == escudo.ENOTFOUND {
				return exitCode{code: 2, err: fmt.Errorf("no user %q", *username)}
			}
			return err
		}
		t, secret, err := db.CreateAPIToken(ctx, u.ID, *name, ttl)
		if err != nil {
			if escudo.ErrorCode(err) == escudo.EINVALID {
				return exitCode{code: 2, err: fmt.Errorf("user %q (role %s) may not hold an API token: only enabled staff may", u.Username, u.Role)}
			}
			return err
		}
		expiry := "never"
		if t.ExpiresAt != nil {
			expiry = t.ExpiresAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stderr, "token %d for %s (role %s), expires %s. It is shown only now; send it as\n  Authorization: Bearer <token>\n", t.ID, u.Username, t.Role, expiry)
		fmt.Fprintln(stdout, secret)
		return nil
	})
	register("token list", "list a user's API tokens", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("token list", stderr)
		dbf := addDBFlags(fs)
		username := fs.String("username", "", "the user whose tokens to list")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *username == "" {
			fmt.Fprintln(stderr, "escudo token list: --username is required")
			return errUsage
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		u, err := db.FindUserByUsername(ctx, *username)
		if err != nil {
			return err
		}
		tokens, err := db.APITokens(ctx, u.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tROLE\tCREATED\tEXPIRES\tLAST USED\tSTATUS")
		for _, t := range tokens {
			status := "active"
			switch {
			case t.RevokedAt != nil:
				status = "revoked"
			case t.ExpiresAt != nil && !db.Now().Before(*t.ExpiresAt):
				status = "expired"
			}
			fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, t.Name, t.Role, t.CreatedAt.Format(time.DateOnly),
				dateOr(t.ExpiresAt, "never"), dateOr(t.LastUsedAt, "-"), status)
		}
		return tw.Flush()
	})
	register("token revoke", "revoke an API token by id", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("token revoke", stderr)
		dbf := addDBFlags(fs)
		id := fs.Int64("id", 0, "the token's id (see escudo token list)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *id <= 0 {
			fmt.Fprintln(stderr, "escudo token revoke: --id is required")
			return errUsage
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.RevokeAPIToken(ctx, *id); err != nil {
			if escudo.ErrorCode(err) == escudo.ENOTFOUND {
				return exitCode{code: 2, err: fmt.Errorf("no active token %d", *id)}
			}
			return err
		}
		fmt.Fprintf(stdout, "token %d revoked\n", *id)
		return nil
	})
}

// parseTTL reads a token lifetime; "0" means no expiry.
func parseTTL(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	d, err := escudo.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 {
		return 0, fmt.Errorf("lifetime must be positive")
	}
	return d, nil
}

func dateOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.Format(time.DateOnly)
}
