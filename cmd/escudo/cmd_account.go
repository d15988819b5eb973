package main

import (
	"context"
	"errors"
	"escudo/internal/store"
	"fmt"
	"io"
	"strings"
	"time"

	"escudo"
)

// findAccount finds the account a command names: an unknown name exits 1
// with a plain message, any other failure is reported as it is.
func findAccount(ctx context.Context, db *store.DB, username string) (*escudo.User, error) {
	u, err := db.FindUserByUsername(ctx, username)
	if escudo.ErrorCode(err) == escudo.ENOTFOUND {
		return nil, exitCode{code: 1, err: fmt.Errorf("no account %q", username)}
	}
	return u, err
}

// user set-role, user set-password, task assign, task close: the account
// and task changes that staff make, each audited by the store; the change
// takes effect on the account's next request.
func init() {
	register("user set-role", "change an account's role (its sessions are ended)", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("user set-role", stderr)
		dbf := addDBFlags(fs)
		username := fs.String("username", "", "login name")
		role := fs.String("role", "", "new role: "+rolesList())
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *username == "" || *role == "" {
			return exitCode{code: 2, err: errors.New("--username and --role are required")}
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
		if err := db.SetUserRole(ctx, u.ID, escudo.Role(*role)); err != nil {
			if _, ok := escudo.AsValidation(err); ok {
				return exitCode{code: 2, err: fmt.Errorf("--role %q: not one of %s", *role, rolesList())}
			}
			return err
		}
		fmt.Fprintf(stdout, "user %s now has role %s; its sessions are ended\n", u.Username, *role)
		return nil
	})
	register("user set-password", "set an account's password (its sessions are ended)", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("user set-password", stderr)
		dbf := addDBFlags(fs)
		username := fs.String("username", "", "login name")
		pwFile := fs.String("password-file", "", "read the password from this file instead of the terminal or stdin")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *username == "" {
			return exitCode{code: 2, err: errors.New("--username is required")}
		}
		pw, err := readPassword(*pwFile, stderr)
		if err != nil {
			return err
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
		if err := db.SetPassword(ctx, u.ID, pw); err != nil {
			if _, ok := escudo.AsValidation(err); ok {
				return exitCode{code: 2, err: fmt.Errorf("password too short: at least %d characters", escudo.MinPasswordLength)}
			}
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions are ended\n", u.Username)
		return nil
	})
	register("task assign", "give a contractor or a liaison a task on a case: what it names is all they reach", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("task assign", stderr)
		dbf := addDBFlags(fs)
		caseID := fs.Int64("case", 0, "case id")
		username := fs.String("username", "", "the contractor's or liaison's login name")
		scope := fs.String("scope", "location,logistics", "compartments the task opens: identity, location, risk, logistics (comma-separated)")
		desc := fs.String("description", "", "what the task is, e.g. \"install cameras\" (no personal data)")
		expires := fs.Duration("expires", 30*24*time.Hour, "how long the task lasts (0: until closed)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *caseID <= 0 || *username == "" {
			return exitCode{code: 2, err: errors.New("--case and --username are required")}
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
		t := &escudo.ContractorTask{CaseID: *caseID, UserID: u.ID, Description: *desc}
		for _, c := range strings.Split(*scope, ",") {
			if c = strings.TrimSpace(c); c != "" {
				t.Scope = append(t.Scope, c)
			}
		}
		if *expires > 0 {
			at := db.Now().Add(*expires)
			t.Expires = &at
		}
		if err := db.AssignTask(ctx, t); err != nil {
			if v, ok := escudo.AsValidation(err); ok {
				for _, e := range v {
					fmt.Fprintf(stderr, "  %s: %s\n", e.Field, e.Key)
				}
				return exitCode{code: 2, err: errors.New("invalid task")}
			}
			return err
		}
		fmt.Fprintf(stdout, "task %d: %s reaches case %d (%s)\n", t.ID, u.Username, *caseID, strings.Join(t.Scope, ", "))
		return nil
	})
	register("task close", "end a task: its holder loses access at once", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("task close", stderr)
		dbf := addDBFlags(fs)
		id := fs.Int64("id", 0, "task id (as task assign printed it)")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if *id <= 0 {
			return exitCode{code: 2, err: errors.New("--id is required")}
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.CloseTask(ctx, *id); err != nil {
			if escudo.ErrorCode(err) == escudo.ENOTFOUND {
				return exitCode{code: 1, err: fmt.Errorf("no task %d", *id)}
			}
			return err
		}
		fmt.Fprintf(stdout, "task %d closed\n", *id)
		return nil
	})
}
