package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/covmon/covmon/geo"
)

// The flags every command takes (--db, --config) may come before the command too:
// "covmon --db X seed" is "covmon seed --db X". A flag typed after the command wins.
func (m *Main) parseGlobal(args []string) ([]string, error) {
	fs := flag.NewFlagSet("covmon", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	m.commonFlags(fs)
	fs.Usage = func() { m.usage(fs.Output()) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

// commonFlags adds --db and --config to fs. They are Func flags so that a command's flag set
// does not reset what was given before the command.
func (m *Main) commonFlags(fs *flag.FlagSet) {
	fs.Func("db", "SQLite database `path`, or a postgres:// URL (default $COVMON_DB, config database, covmon.db)", func(s string) error {
		m.dbPath = s
		return nil
	})
	fs.Func("config", "configuration `file` (YAML)", func(s string) error {
		m.configPath = s
		return nil
	})
}

// parseFlags parses a command's arguments with flags and operands in any order, as a person
// types them: "covmon ingest a.geojson --db x" stores into x, not into a file named "--db".
// "--" ends the flags: everything after it is an operand, even if it starts with "-". After
// it returns, fs.Args() holds the operands in the order given.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := refuseAsKnown(fs, args); err != nil {
		return err
	}
	var operands []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			operands = append(operands, rest...)
			break
		}
		operands = append(operands, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, operands...))
}

// How a command may open the database.
type openMode int

const (
	// openExisting: the database must exist (read-only commands: status, uploads, alerts,
	// token list, token revoke). A mistyped --db names the missing file instead of creating an
	// empty database that reports "0 of 0".
	openExisting openMode = iota
	// openCreate: create the database (and its folder) when missing (commands that store:
	// seed, villages import, ingest, serve, token create).
	openCreate
	// openDryRun: validate against the database when it exists; when it does not, against a
	// throwaway empty one in a temporary folder, so that a dry run creates no file.
	openDryRun
)

// errNoDatabase is returned by a command that reads a database that does not exist.
var errNoDatabase = errors.New("no database")

// checkDatabase applies m.mode to the configured database path. It returns the path to open
// (a temporary one for a dry run without a database).
func (m *Main) checkDatabase() (string, error) {
	path := m.Config.Database
	_, err := os.Stat(path)
	switch {
	case err == nil || m.mode == openCreate:
		return path, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("database %s: %w", path, err)
	case m.mode == openDryRun:
		dir, err := os.MkdirTemp("", "covmon-dry-run-")
		if err != nil {
			return "", fmt.Errorf("dry run: %w", err)
		}
		m.tempDir = dir
		fmt.Fprintf(m.Stderr, "database %s does not exist: validating against an empty registry (dry run, no database created)\n", path)
		return filepath.Join(dir, "dry-run.db"), nil
	}
	return "", fmt.Errorf("%w at %s (give --db or $COVMON_DB; covmon seed, villages import or ingest create one)", errNoDatabase, path)
}

// parseAsOf reads an --as-of value through geo.ParseAsOf, which the API's ?as_of= uses too,
// so both accept the same dates and both refuse the future.
func parseAsOf(s string, now time.Time) (time.Time, error) {
	t, err := geo.ParseAsOf(s, now)
	if errors.Is(err, geo.ErrFuture) {
		return t, fmt.Errorf("%w; leave out --as-of for now", err)
	}
	return t, err
}

// parseWhen reads a date (00:00 in Vietnam) or an RFC 3339 instant, in the past or the future
// (a policy's effective date in the configuration may be ahead).
func parseWhen(s string) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, geo.Vietnam); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want YYYY-MM-DD or an RFC 3339 instant, got %q", s)
	}
	return t, nil
}

// asKnownCommands are the commands that take --as-known (the audit view).
const asKnownCommands = "covmon status, covmon villages show and covmon villages find"

// refuseAsKnown refuses --as-known on a command without the audit view, saying where it is:
// the flag package's "flag provided but not defined" would not tell a user who wanted the
// figures as known then where to find them.
func refuseAsKnown(fs *flag.FlagSet, args []string) error {
	if fs.Lookup("as-known") != nil {
		return nil
	}
	for _, a := range args {
		if a == "--" {
			return nil
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "as-known" {
			return fmt.Errorf("--as-known: %s has no audit view; the figures as known then are given by %s (docs/figures.md, \"As known then\")", fs.Name(), asKnownCommands)
		}
	}
	return nil
}
