package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"golang.org/x/term"

	"escudo"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func init() {
	register("version", "print the version", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		v := version
		if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v = "dev-" + s.Value[:12]
				}
			}
		}
		fmt.Fprintln(stdout, "escudo", v)
		return nil
	})
	register("migrate", "apply pending database migrations", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("migrate", stderr)
		dbf := addDBFlags(fs)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		db, _, err := dbf.open(ctx, newLogger(), true)
		if err != nil {
			return err
		}
		defer db.Close()
		n, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d migrations applied; schema is current (%s)\n", n, db.Dialect)
		return nil
	})
	register("user add", "create a user account", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("user add", stderr)
		dbf := addDBFlags(fs)
		u := &escudo.User{}
		role := fs.String("role", "", "role: "+rolesList())
		fs.StringVar(&u.Username, "username", "", "login name")
		fs.StringVar(&u.DisplayName, "name", "", "display name")
		fs.StringVar(&u.Organization, "org", "", "organisation")
		fs.StringVar(&u.Agency, "agency", "", "agency (liaisons)")
		fs.StringVar(&u.Entity, "entity", "", "federal entity code (liaisons)")
		fs.StringVar(&u.Email, "email", "", "e-mail for notifications")
		fs.Int64Var(&u.SupervisorID, "supervisor", 0, "supervisor's user id")
		fs.Int64Var(&u.PersonID, "person", 0, "the person a beneficiary account belongs to (beneficiaries)")
		pwFile := fs.String("password-file", "", "read the password from this file instead of the terminal or stdin")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		u.Role = escudo.Role(*role)
		if u.PersonID != 0 && u.Role != escudo.RoleBeneficiary {
			return exitCode{code: 2, err: fmt.Errorf("--person is for beneficiary accounts only")}
		}
		if u.Role == escudo.RoleBeneficiary && u.PersonID == 0 {
			fmt.Fprintln(stderr, "warning: a beneficiary account without --person reaches nothing until it is linked to its person")
		}
		if u.DisplayName == "" {
			u.DisplayName = u.Username
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
		if err := db.CreateUser(ctx, u, pw); err != nil {
			if v, ok := escudo.AsValidation(err); ok {
				for _, e := range v {
					fmt.Fprintf(stderr, "  %s: %s\n", e.Field, e.Key)
				}
				return exitCode{code: 2, err: fmt.Errorf("invalid user")}
			}
			return err
		}
		fmt.Fprintf(stdout, "user %s created with id %d and role %s\n", u.Username, u.ID, u.Role)
		return nil
	})
}

func rolesList() string {
	s := make([]string, len(escudo.Roles))
	for i, r := range escudo.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func readPassword(file string, stderr io.Writer) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file) // #nosec G304 -- the operator names the file on the command line
		return strings.TrimRight(string(b), "\r\n"), err
	}
	if term.IsTerminal(int(os.Stdin.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(stderr)
		return string(b), err
	}
	b, err := io.ReadAll(io.LimitReader(os.Stdin, 4096))
	return strings.TrimRight(string(b), "\r\n"), err
}
