package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/covmon/covmon/geo"
)

func (m *Main) runToken(ctx context.Context, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "create":
		return m.tokenCreate(ctx, args)
	case "list":
		return m.tokenList(ctx, args)
	case "revoke":
		return m.tokenRevoke(ctx, args)
	case "-h", "--help", "-help", "help":
		fmt.Fprint(m.Stdout, tokenUsage)
		return nil
	}
	fmt.Fprint(m.Stderr, tokenUsage)
	return fmt.Errorf("token: want create, list or revoke, got %q", sub)
}

const tokenUsage = `Usage:
  covmon token create --carrier CARRIER [--name NAME]   a carrier's upload token
  covmon token create --role ministry [--name NAME]     the ministry's token (registry uploads, all uploads)
  covmon token create --role inspector [--name NAME]    an inspector's token: independent measurements of any carrier
  covmon token list                                     tokens (never their secrets), with their last use
  covmon token revoke ID                                revoke a token at once

The secret is printed once, at creation; covmon stores only its SHA-256. Clients send it as
"Authorization: Bearer cvm_<id>_<secret>".
`

func (m *Main) tokenCreate(ctx context.Context, args []string) error {
	fs := m.flagSet("token create", "", "Create an API token and print it once.")
	carrier := fs.String("carrier", "", "the `carrier` the token uploads for")
	role := fs.String("role", "", "`role`: carrier (default with --carrier), ministry, or inspector (independent measurements of any carrier)")
	name := fs.String("name", "", "a `name` to recognise the token by")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *role == "" && *carrier != "":
		*role = geo.RoleCarrier
	case (*role == geo.RoleMinistry || *role == geo.RoleInspector) && *carrier != "":
		return fmt.Errorf("token create: a %s token has no carrier", *role)
	case *role == geo.RoleCarrier && *carrier == "":
		return errors.New("token create: --carrier is required for a carrier token")
	case *role != geo.RoleCarrier && *role != geo.RoleMinistry && *role != geo.RoleInspector:
		return errors.New("token create: want --carrier CARRIER, --role ministry or --role inspector")
	}
	m.mode = openCreate // the first token may come before any data
	if err := m.open(ctx); err != nil {
		return err
	}
	if *role == geo.RoleCarrier && !slices.Contains(m.Config.Carriers, *carrier) {
		return fmt.Errorf("token create: unknown carrier %q (configured: %v)", *carrier, m.Config.Carriers)
	}
	secret, hash, err := geo.NewTokenSecret()
	if err != nil {
		return err
	}
	if *name == "" {
		*name = *role
		if *carrier != "" {
			*name = *carrier
		}
	}
	t := &geo.Token{Name: *name, Role: *role, Carrier: *carrier, SecretHash: hash, CreatedAt: m.Now().UTC()}
	if err := m.DB.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, geo.FormatToken(t.ID, secret))
	fmt.Fprintf(m.Stderr, "token %d (%s) created; the line above is its only copy\n", t.ID, t.Name)
	return nil
}

func (m *Main) tokenList(ctx context.Context, args []string) error {
	fs := m.flagSet("token list", "", "List API tokens.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	ts, err := m.DB.Tokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCARRIER\tCREATED\tLAST_USED\tREVOKED")
	minute := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(geo.Vietnam).Format("2006-01-02 15:04")
	}
	for _, t := range ts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, dash(t.Carrier), minute(t.CreatedAt), minute(t.LastUsedAt), minute(t.RevokedAt))
	}
	return tw.Flush()
}

func (m *Main) tokenRevoke(ctx context.Context, args []string) error {
	fs := m.flagSet("token revoke", "ID", "Revoke an API token; requests with it fail at once.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("token revoke: want one token ID")
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("token revoke: ID: want a number, got %q", fs.Arg(0))
	}
	if err := m.open(ctx); err != nil {
		return err
	}
	if err := m.DB.RevokeToken(ctx, id, m.Now().UTC()); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "token %d revoked\n", id)
	return nil
}
