package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"escudo"
)

func init() {
	register("device add", "register a panic button, satellite phone, alarm panel, camera or phone", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("device add", stderr)
		dbf := addDBFlags(fs)
		d := &escudo.Device{}
		fs.Int64Var(&d.PersonID, "person", 0, "beneficiary's person id")
		kind := fs.String("kind", string(escudo.DevicePanicButton), "kind: "+deviceKinds())
		auth := fs.String("auth", string(escudo.AuthToken), "authentication: token (Authorization: Bearer) or hmac (X-Escudo-Signature)")
		fs.StringVar(&d.Label, "label", "", "label shown to operators")
		fs.StringVar(&d.Phone, "phone", "", "SIM number, for alerts sent by SMS")
		fs.DurationVar(&d.HeartbeatInterval, "interval", escudo.DefaultHeartbeatInterval, "expected heartbeat interval")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		d.Kind, d.Auth = escudo.DeviceKind(*kind), escudo.DeviceAuth(*auth)
		if err := d.Validate(); err != nil {
			return exitCode{2, describeValidation(err)}
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		secret, err := db.CreateDevice(ctx, d)
		if err != nil {
			return describeValidation(err)
		}
		fmt.Fprintf(stdout, "device %d registered (%s, person %d, heartbeat every %s)\n", d.ID, d.Kind, d.PersonID, d.HeartbeatInterval)
		fmt.Fprintf(stdout, "secret (shown only this once; configure it on the device): %s\n", secret)
		if d.Auth == escudo.AuthToken {
			fmt.Fprintf(stdout, "send alerts with: Authorization: Bearer %s\n", secret)
		} else {
			fmt.Fprintf(stdout, "sign alerts with: %s: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>\n", escudo.SignatureHeader)
		}
		return nil
	})
	register("device list", "list registered devices", func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("device list", stderr)
		dbf := addDBFlags(fs)
		person := fs.Int64("person", 0, "only this beneficiary's devices")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		db, err := openStore(ctx, dbf)
		if err != nil {
			return err
		}
		defer db.Close()
		ds, err := db.FindDevices(ctx, *person)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tPERSON\tENTITY\tAUTH\tINTERVAL\tDISABLED\tLAST TEST\tLABEL")
		for _, d := range ds {
			last := "never"
			if d.LastTestAt != nil {
				last = d.LastTestAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%v\t%s\t%s\n", d.ID, d.Kind, d.PersonID, d.Entity, d.Auth, d.HeartbeatInterval, d.Disabled, last, d.Label)
		}
		return tw.Flush()
	})
}

func deviceKinds() string {
	s := make([]string, len(escudo.DeviceKinds))
	for i, k := range escudo.DeviceKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// describeValidation spells out field errors for the terminal.
func describeValidation(err error) error {
	v, ok := escudo.AsValidation(err)
	if !ok {
		return err
	}
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Field + ": " + e.Key
	}
	return fmt.Errorf("invalid input: %s", strings.Join(parts, "; "))
}
