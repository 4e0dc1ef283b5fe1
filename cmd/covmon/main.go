// Command covmon monitors mobile-network dead zones ("vùng lõm sóng") in Vietnamese villages:
// it ingests the ministry's village registry and carriers' coverage reports, keeps every
// observation in SQLite, and reports which powered villages are still dark and overdue.
//
// Run "covmon help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/sqlite"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "covmon:", err)
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(1)
	}
}

// errReported means the command already told the user what went wrong (e.g. a validation
// report); main only sets the exit code.
var errReported = errors.New("reported")

// Main is the covmon program: its I/O, configuration and the database it opened.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock (tests set it).
	Now func() time.Time
	// Getenv reads the environment (tests set it).
	Getenv func(string) string

	// Clock drives the scheduler of covmon serve (default: the real clock; tests pass a fake).
	Clock clockwork.Clock

	Config Config
	DB     Store

	// serveReady, when set, is called with the base URL once covmon serve listens (tests).
	serveReady func(url string)
	// serveRunner, when set, is called with covmon serve's runner before its first evaluation
	// (tests wrap its stores).
	serveRunner func(r *collector.Runner)
	// serveUploadsWaiting, when set, is called when covmon serve's HTTP shutdown has given up
	// and it waits for the n uploads being stored (tests).
	serveUploadsWaiting func(n int)
	// serveIngestsWaiting, when set, is called when covmon serve's shutdown waits for n
	// drop-folder or feed ingests being stored.
	serveIngestsWaiting func(n int)
	// shutdownHTTP and shutdownUploads, when set, replace httpShutdown and uploadShutdown
	// (tests).
	shutdownHTTP, shutdownUploads time.Duration

	// common flags
	dbPath       string
	configPath   string
	configLoaded bool

	// mode says whether the command may create the database (set by Run from the command
	// table; token and the dry runs refine it).
	mode openMode
	// readerCacheKiB, when set, bounds each SQLite reader connection's page cache (a one-shot
	// command that streams the registry once: status).
	readerCacheKiB int
	// tempDir holds a dry run's throwaway database; Close removes it.
	tempDir string
}

// NewMain returns a Main wired to the process's standard streams, clock and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now, Getenv: os.Getenv, Config: DefaultConfig()}
}

type command struct {
	summary string
	run     func(m *Main, ctx context.Context, args []string) error
	// mode: only commands that store may create the database.
	mode openMode
}

var commands = map[string]command{
	"villages":    {"import the village registry (villages import FILE), find villages by name (villages find TEXT), show one's history (villages show ID)", (*Main).runVillages, openCreate},
	"crosswalk":   {"import a dated crosswalk of provinces and communes (crosswalk import FILE)", (*Main).runCrosswalk, openCreate},
	"assignments": {"import the ministry's responsible carriers (assignments import FILE)", (*Main).runAssignments, openCreate},
	"ingest":      {"validate and store carrier files: per-village observations, or coverage areas (--areas)", (*Main).runIngest, openCreate},
	"serve":       {"run the HTTP API, /metrics and the scheduled collector", (*Main).runServe, openCreate},
	"token":       {"create, list and revoke API tokens", (*Main).runToken, openExisting},
	"status":      {"show dead zones, overdue and covered villages, now or as of a date", (*Main).runStatus, openExisting},
	"uploads":     {"list received uploads and their results", (*Main).runUploads, openExisting},
	"seed":        {"load the embedded SYNTHETIC demo data set", (*Main).runSeed, openCreate},
	"schema":      {"print the JSON Schema of a file format", (*Main).runSchema, openExisting},
	"version":     {"print the version", (*Main).runVersion, openExisting},
	"audit":       {"verify or export the tamper-evident ledger of uploads and admin actions", (*Main).runAudit, openExisting},
	"alerts":      {"list active deadline alerts and undelivered notifications", (*Main).runAlerts, openExisting},
	"migrate":     {"copy an SQLite database into PostgreSQL (migrate --from FILE --to postgres://…)", (*Main).runMigrate, openExisting},
}

// Run parses args and runs the command they name.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && !isHelp(args[0]) {
		var err error
		if args, err = m.parseGlobal(args); err != nil {
			return err
		}
		if len(args) == 0 {
			m.usage(m.Stderr)
			return errors.New("no command given")
		}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return m.Run(ctx, []string{args[1], "-h"})
		}
		m.usage(m.Stdout)
		if len(args) == 0 {
			return errReported
		}
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		m.usage(m.Stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	m.mode = c.mode
	return c.run(m, ctx, args[1:])
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" }

func (m *Main) usage(w io.Writer) {
	fmt.Fprint(w, `covmon — track mobile-network dead zones in powered villages until there are none.

Usage: covmon [--db PATH] [--config FILE] COMMAND [flags] [args]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Every command takes --db PATH (default $COVMON_DB, else the config's database, else covmon.db)
and --config FILE (YAML; see docs/config.md), before or after the command. Flags may follow file
names; "--" ends the flags. Only commands that store (seed, villages import, ingest, serve,
token create) create a missing database; the others say it is missing and fail.
"covmon COMMAND -h" shows a command's flags.
`)
}

// flagSet returns a FlagSet for a command with the common flags and a usage text.
func (m *Main) flagSet(name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("covmon "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	m.commonFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: covmon %s [flags] %s\n\n%s\n\nFlags:\n", name, args, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
	return fs
}

// loadConfig reads --config (if any), applies env and flags, and validates. It reads the file
// once: a command that changes the configuration after loading it (serve applies its own
// flags) keeps its changes when it then opens the database.
func (m *Main) loadConfig() error {
	if m.configLoaded {
		return m.Config.Validate()
	}
	m.configLoaded = true
	if m.configPath != "" {
		f, err := os.Open(m.configPath)
		if err != nil {
			return fmt.Errorf("open config: %w", err)
		}
		defer f.Close()
		if err := ParseConfig(f, &m.Config); err != nil {
			return fmt.Errorf("%s: %w", m.configPath, err)
		}
	}
	if v := m.Getenv("COVMON_DB"); v != "" {
		m.Config.Database = v
	}
	if m.dbPath != "" {
		m.Config.Database = m.dbPath
	}
	return m.Config.Validate()
}

// open loads the configuration and opens the database, migrating it if needed. Whether a
// missing database is created, refused or replaced by a throwaway one depends on m.mode.
func (m *Main) open(ctx context.Context) error {
	if err := m.loadConfig(); err != nil {
		return err
	}
	path := m.Config.Database
	if !postgres.IsURL(path) {
		var err error
		if path, err = m.checkDatabase(); err != nil {
			return err
		}
	}
	db := newStore(path, m.Now)
	if s, ok := db.(*sqlite.DB); ok && m.readerCacheKiB > 0 {
		s.ReaderCacheKiB = m.readerCacheKiB
	}
	if err := db.Open(ctx); err != nil {
		return fmt.Errorf("open database %s: %w", displayDatabase(m.Config.Database), err)
	}
	m.DB = db
	for i := range m.Config.Programs {
		p, _ := m.Config.Program(m.Config.Programs[i].ID)
		if err := db.UpsertProgram(ctx, *p); err != nil {
			return fmt.Errorf("store program %s: %w", p.ID, err)
		}
	}
	return nil
}

// Close releases what Run opened.
func (m *Main) Close() error {
	var err error
	if m.DB != nil {
		err = m.DB.Close()
		m.DB = nil
	}
	if m.tempDir != "" {
		err = errors.Join(err, os.RemoveAll(m.tempDir))
		m.tempDir = ""
	}
	return err
}

func (m *Main) runVersion(_ context.Context, args []string) error {
	fs := m.flagSet("version", "", "Print covmon's version.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "covmon %s\n", version)
	return nil
}
