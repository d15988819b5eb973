package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"escudo/internal/i18n"
	"escudo/internal/letters"
	"escudo/internal/store"
)

func init() {
	register("letters key", "print the published letter keys (the active one first): id and public key", storeCommand("letters key", cmdLettersKey))
	register("letters verify", "check a letter's PDF: its signature and that the file is the letter it carries (offline with --key)", cmdLettersVerify)
	register("letters rotate-key", "sign letters from now on with a new letter key; the old public keys stay published", storeCommand("letters rotate-key", cmdLettersRotate))
}

func cmdLettersKey(ctx context.Context, db *store.DB, stdout io.Writer) error {
	keys, err := db.LetterKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return errors.New("no letter key yet: run escudo migrate")
	}
	for _, k := range keys {
		state := "active"
		if !k.Active {
			state = "retired " + k.RetiredAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%s %s %s %s\n", k.ID, base64.StdEncoding.EncodeToString(k.PublicKey), k.CreatedAt.Format(time.RFC3339), state)
	}
	return nil
}

func cmdLettersRotate(ctx context.Context, db *store.DB, stdout io.Writer) error {
	k, err := db.RotateLetterKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s\n", k.ID, base64.StdEncoding.EncodeToString(k.PublicKey))
	return nil
}

func cmdLettersVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("letters verify", stderr)
	dbf := addDBFlags(fs)
	keyArg := fs.String("key", "", "the letter public key, base64 or a file of keys (as escudo letters key prints them); without it, the installation's keys from the database")
	lang := fs.String("lang", "", "language of the message: es-MX or en (default: from LANG)")
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" {
		fmt.Fprintln(stderr, "usage: escudo letters verify FILE [--key PUBKEY_FILE_OR_BASE64]")
		return errUsage
	}
	if *lang == "" {
		*lang = "es-MX"
		if strings.HasPrefix(os.Getenv("LANG"), "en") {
			*lang = "en"
		}
	}
	loc := i18n.MustNew().Localizer(*lang)
	pdf, err := os.ReadFile(file) // #nosec G304 G703 -- the operator names the letter to verify on the command line
	if err != nil {
		return err
	}

	var keys []ed25519.PublicKey
	var db *store.DB
	if *keyArg != "" {
		text := *keyArg
		if b, err := os.ReadFile(text); err == nil { // #nosec G304 G703 -- the operator names the key file on the command line
			text = string(b)
		}
		if keys = letters.ParsePublicKeys(text); len(keys) == 0 {
			return fmt.Errorf("--key: no Ed25519 public key in %q (base64 of 32 bytes, or a file of them)", *keyArg)
		}
	} else {
		if db, err = openStore(ctx, dbf); err != nil {
			return fmt.Errorf("%w (or give the published key with --key)", err)
		}
		defer db.Close()
		published, err := db.LetterKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range published {
			keys = append(keys, k.PublicKey)
		}
	}
	res, err := letters.VerifyWithAny(pdf, keys)
	if err != nil {
		return err
	}
	msg := func(key string, a map[string]any) string { return loc.T(key, a) }
	switch res.Status {
	case letters.Valid:
		d := res.Document
		fmt.Fprintln(stdout, msg("letters.verify.valid", map[string]any{"Ident": d.Identifier, "Resolution": d.Resolution, "Hash": res.Hash}))
		if db != nil {
			st, err := db.LetterStatusByIdentifier(ctx, d.Identifier)
			switch {
			case err != nil:
				fmt.Fprintln(stdout, msg("letters.verify.not_registered", nil))
				return exitCode{code: 1, err: errors.New(msg("letters.verify.not_registered", nil))}
			case st.Hash != res.Hash:
				return exitCode{code: 1, err: errors.New(msg("letters.verify.hash_differs", nil))}
			case st.Superseded():
				fmt.Fprintln(stdout, msg("letters.verify.superseded", map[string]any{"Resolution": st.SupersededIdent,
					"Date": st.SupersededAt.In(letters.Zone).Format("2006-01-02")}))
			}
		}
		return nil
	case letters.Altered:
		return exitCode{code: 1, err: errors.New(msg("letters.verify.altered", nil))}
	case letters.BadSignature:
		return exitCode{code: 1, err: errors.New(msg("letters.verify.bad_signature", nil))}
	default:
		return exitCode{code: 1, err: errors.New(msg("letters.verify.unreadable", nil))}
	}
}
