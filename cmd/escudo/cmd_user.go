package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// user disable and user enable: both end every session the account had, so
// a cookie from before the account was disabled never works again.
func init() {
	for _, c := range []struct {
		name, summary string
		disabled      bool
	}{
		{"user disable", "disable an account and end its sessions", true},
		{"user enable", "enable an account again (its old sessions stay ended)", false},
	} {
		register(c.name, c.summary, func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet(c.name, stderr)
			dbf := addDBFlags(fs)
			username := fs.String("username", "", "login name")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if *username == "" {
				return exitCode{code: 2, err: errors.New("--username is required")}
			}
			db, err := openStore(ctx, dbf)
			if err != nil {
				return err
			}
			defer db.Close()
			u, err := findAccount(ctx, db, *username)
			if err != nil {
				return err
			}
			if err := db.SetUserDisabled(ctx, u.ID, c.disabled); err != nil {
				return err
			}
			state := "enabled"
			if c.disabled {
				state = "disabled"
			}
			fmt.Fprintf(stdout, "user %s %s; its sessions are ended\n", u.Username, state)
			return nil
		})
	}
}
