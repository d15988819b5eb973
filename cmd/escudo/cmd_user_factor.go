package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"escudo"
	"escudo/internal/store"
)

func init() {
	register("user reset-factor", "remove a user's lost second factor (TOTP app, security keys) so they enrol again", runResetFactor)
}

// runResetFactor removes a lost phone's TOTP secret and/or security keys.
// Two staff members take part (docs/accounts.md): the one who checked the
// person's identity, in person or by video call, and a witness; both are
// named, and the reason is recorded sealed.
func runResetFactor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user reset-factor", stderr)
	dbf := addDBFlags(fs)
	username := fs.String("username", "", "the account whose factor is lost")
	onlyTOTP := fs.Bool("totp", false, "remove the authenticator app (TOTP)")
	onlyKeys := fs.Bool("security-keys", false, "remove every security key (default with --totp unset: both)")
	by := fs.String("by", "", "username of the administrator or coordinator who checked the person's identity")
	witness := fs.String("witness", "", "username of a second staff member present at the check")
	reason := fs.String("reason", "", "why, and how the identity was checked (kept sealed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	usage := func(format string, a ...any) error {
		return exitCode{code: 2, err: fmt.Errorf(format, a...)}
	}
	if *username == "" || *by == "" || *witness == "" || strings.TrimSpace(*reason) == "" {
		return usage("--username, --by, --witness and --reason are all required (docs/accounts.md)")
	}
	var factors []string
	if *onlyTOTP || !*onlyKeys {
		factors = append(factors, store.FactorTOTP)
	}
	if *onlyKeys || !*onlyTOTP {
		factors = append(factors, store.FactorSecurityKeys)
	}
	db, err := openStore(ctx, dbf)
	if err != nil {
		return err
	}
	defer db.Close()
	find := func(flag, name string) (*escudo.User, error) {
		u, err := db.FindUserByUsername(ctx, name)
		if escudo.ErrorCode(err) == escudo.ENOTFOUND {
			return nil, usage("%s: no user %q", flag, name)
		}
		return u, err
	}
	target, err := find("--username", *username)
	if err != nil {
		return err
	}
	checker, err := find("--by", *by)
	if err != nil {
		return err
	}
	second, err := find("--witness", *witness)
	if err != nil {
		return err
	}
	switch {
	case checker.ID == target.ID || second.ID == target.ID:
		return usage("nobody resets their own second factor: --by and --witness must be other people")
	case checker.ID == second.ID:
		return usage("--by and --witness must be two different people")
	case checker.Disabled || (checker.Role != escudo.RoleAdmin && checker.Role != escudo.RoleCoordinator):
		return usage("--by %s: only an active administrator or coordinator resets a second factor", checker.Username)
	case second.Disabled || !second.Role.Staff():
		return usage("--witness %s: the witness must be an active staff member", second.Username)
	}
	if err := db.ResetFactors(ctx, store.FactorReset{UserID: target.ID, By: checker, Witness: second, Factors: factors, Reason: *reason}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "second factor of %s reset (%s); they enrol again at their next sign-in\n", target.Username, strings.Join(factors, ", "))
	return nil
}
