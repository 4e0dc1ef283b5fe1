package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseFlags_InterspersedOperands(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		operands []string
		db       string
		dry      bool
	}{
		{[]string{"a.geojson", "--db", "x.db"}, []string{"a.geojson"}, "x.db", false},
		{[]string{"--db", "x.db", "a", "b"}, []string{"a", "b"}, "x.db", false},
		{[]string{"a", "--dry-run", "b", "--db=x.db", "c"}, []string{"a", "b", "c"}, "x.db", true},
		{[]string{"a", "--", "--db", "-b"}, []string{"a", "--db", "-b"}, "", false},
		{[]string{"-", "--dry-run"}, []string{"-"}, "", true},
		{nil, nil, "", false},
	} {
		m := NewMain()
		m.Stderr = io.Discard
		fs := m.flagSet("ingest", "FILE...", "")
		dry := fs.Bool("dry-run", false, "")
		if err := parseFlags(fs, tc.args); err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !slices.Equal(fs.Args(), tc.operands) && !(len(fs.Args()) == 0 && len(tc.operands) == 0) {
			t.Errorf("%q: operands %q, want %q", tc.args, fs.Args(), tc.operands)
		}
		if m.dbPath != tc.db || *dry != tc.dry {
			t.Errorf("%q: --db %q --dry-run %v, want %q %v", tc.args, m.dbPath, *dry, tc.db, tc.dry)
		}
	}
	m := NewMain()
	m.Stderr = io.Discard
	if err := parseFlags(m.flagSet("ingest", "", ""), []string{"a", "--nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("an unknown flag after an operand: %v, want an error naming it", err)
	}
}

// missingDB returns a database path inside a folder that does not exist either.
func missingDB(t *testing.T) string {
	return filepath.Join(t.TempDir(), "typo", "covmon.db")
}

// assertAbsent fails if path or its folder exists.
func assertAbsent(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was created (stat: %v)", filepath.Dir(path), err)
	}
}

func TestMain_GlobalFlagsBeforeCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	if _, errs, err := run(t, "", "--db", db, "token", "create", "--role", "ministry"); err != nil {
		t.Fatalf("covmon --db X token create: %v\n%s", err, errs)
	}
	out := mustRun(t, "", "--db="+db, "token", "list")
	if !strings.Contains(out, "ministry") {
		t.Errorf("covmon --db=X token list: want the token made before, got:\n%s", out)
	}
	// A flag after the command wins over the one before it.
	other := missingDB(t)
	if _, _, err := run(t, "", "--db", other, "token", "list", "--db", db); err != nil {
		t.Errorf("--db after the command should win: %v", err)
	}
	// --config before the command is read too.
	_, _, err := run(t, "", "--config", filepath.Join("testdata", "invalid-rsrp.yml"), "serve", "--check-config")
	if err == nil || !strings.Contains(err.Error(), "min_rsrp_dbm") {
		t.Errorf("--config before the command: %v, want the file's error", err)
	}
	if _, _, err := run(t, "", "--db", db); err == nil || !strings.Contains(err.Error(), "no command") {
		t.Errorf("global flags without a command: %v", err)
	}
	if _, _, err := run(t, "", "--frob", "status"); err == nil || !strings.Contains(err.Error(), "frob") {
		t.Errorf("unknown global flag: %v", err)
	}
}

func TestMain_ReadOnlyCommandsNeedTheDatabase(t *testing.T) {
	for _, args := range [][]string{
		{"status"}, {"status", "--villages"}, {"uploads"}, {"uploads", "1"}, {"alerts"},
		{"token", "list"}, {"token", "revoke", "1"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			db := missingDB(t)
			out, _, err := run(t, "", append(args, "--db", db)...)
			if !errors.Is(err, errNoDatabase) || !strings.Contains(err.Error(), db) {
				t.Errorf("covmon %s on a missing database: %v, want an error naming %s", strings.Join(args, " "), err, db)
			}
			if out != "" {
				t.Errorf("printed %q", out)
			}
			assertAbsent(t, db)
		})
	}
	t.Run("WritingCommandsCreateIt", func(t *testing.T) {
		db := missingDB(t)
		mustRun(t, "", "token", "create", "--carrier", "viettel", "--db", db)
		if _, err := os.Stat(db); err != nil {
			t.Fatalf("token create did not create the database: %v", err)
		}
		if out := mustRun(t, "", "status", "--db", db, "--lang", "en"); !strings.Contains(out, "As of") {
			t.Errorf("status on the new, empty database:\n%s", out)
		}
	})
}

func TestMain_FlagsAfterFileNames(t *testing.T) {
	db := filepath.Join(t.TempDir(), "after.db")
	file := writeFile(t, "extra.geojson", areasVillages)
	// Run from an empty folder: the old parser took --db for a file name and stored into
	// ./covmon.db.
	dir := t.TempDir()
	t.Chdir(dir)

	out := mustRun(t, "", "villages", "import", file, "--db", db)
	if !strings.Contains(out, "extra.geojson: accepted as upload 1 (2 features") {
		t.Errorf("villages import FILE --db X:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "covmon.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("./covmon.db was created (%v)", err)
	}
	if out := mustRun(t, "", "uploads", "--db", db); !strings.Contains(out, "extra.geojson") {
		t.Errorf("the upload is not in --db:\n%s", out)
	}
	// "--" ends the flags: "--db" after it is a file name.
	_, _, err := run(t, "", "ingest", "--db", db, "--", "--db")
	if err == nil || !strings.Contains(err.Error(), "--db") {
		t.Errorf(`ingest -- --db: %v, want the file "--db" not found`, err)
	}
}

func TestMain_DryRunCreatesNoDatabase(t *testing.T) {
	// The dry run's temporary folder goes to a folder of this test's own, so that what is
	// left there is this test's: in the shared system temp folder another process's dry run
	// in flight (a second test run on the machine) was taken for a leftover.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	db := missingDB(t)
	file := writeFile(t, "extra.geojson", areasVillages)
	out, errs, err := run(t, "", "villages", "import", "--dry-run", file, "--db", db)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, errs)
	}
	if !strings.Contains(out, "extra.geojson: valid (2 features; dry run, nothing written)") || !strings.Contains(errs, "does not exist") {
		t.Errorf("dry run:\nstdout:\n%s\nstderr:\n%s", out, errs)
	}
	assertAbsent(t, db)
	// Observations are checked against the (empty) registry: their villages are unknown.
	obs := writeFile(t, "obs.geojson", goodObs)
	_, errs, err = run(t, "", "ingest", "--dry-run", obs, "--db", db)
	if !errors.Is(err, errReported) || !strings.Contains(errs, "V04-0004") {
		t.Errorf("observations dry run on no database: %v\n%s", err, errs)
	}
	assertAbsent(t, db)
	// No temporary folder is left behind either.
	left, err := filepath.Glob(filepath.Join(tmp, "covmon-dry-run-*"))
	if err != nil || len(left) > 0 {
		t.Errorf("dry run left %v behind (%v)", left, err)
	}
}

// TestMain_MissingFileCreatesNoDatabase: a mistyped file name is named, and no empty database
// is left behind by a command that would have created one.
func TestMain_MissingFileCreatesNoDatabase(t *testing.T) {
	db := missingDB(t)
	missing := filepath.Join(t.TempDir(), "missing.geojson")
	_, errs, err := run(t, "", "ingest", missing, "--db", db)
	if err == nil || !strings.Contains(err.Error()+errs, "missing.geojson") {
		t.Errorf("ingest of a missing file: err %v, stderr %q; want an error naming the file", err, errs)
	}
	assertAbsent(t, db)
}

func TestMain_FutureAsOfRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "asof.db")
	mustRun(t, db, "token", "create", "--role", "ministry")
	for _, asOf := range []string{"2026-11-21", "2026-11-20T12:00:01Z", "2030-01-01"} {
		_, _, err := run(t, db, "status", "--as-of", asOf)
		if err == nil || !strings.Contains(err.Error(), "future") || !strings.Contains(err.Error(), asOf) {
			t.Errorf("--as-of %s (now %s): %v, want refused as in the future", asOf, testNow, err)
		}
	}
	// Now itself and today's date (00:00 Vietnam time) are not in the future.
	for _, asOf := range []string{"2026-11-20T12:00:00Z", "2026-11-20", "2024-12-01"} {
		if _, _, err := run(t, db, "status", "--as-of", asOf); err != nil {
			t.Errorf("--as-of %s: %v", asOf, err)
		}
	}
}
