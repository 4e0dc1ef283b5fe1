package main

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain_Audit(t *testing.T) {
	db := seededDB(t)
	mustRun(t, db, "token", "create", "--carrier", "viettel")
	mustRun(t, db, "token", "revoke", "1")
	out := mustRun(t, db, "audit", "verify")
	if !strings.HasPrefix(out, "ledger intact: ") {
		t.Fatalf("verify on the seeds: %q", out)
	}
	head := strings.TrimSpace(out[strings.LastIndex(out, " "):])

	chain := filepath.Join(t.TempDir(), "chain.jsonl")
	mustRun(t, db, "audit", "export", "--out", chain)
	// The export verifies without the database, to the same head.
	if out := mustRun(t, "", "audit", "verify", "--file", chain); !strings.Contains(out, head) {
		t.Fatalf("verify --file: %q, want head %s", out, head)
	}

	t.Run("ExportEdited", func(t *testing.T) {
		b, err := os.ReadFile(chain)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		// The third line is an upload; change its recorded size.
		if !strings.Contains(lines[2], `\"size\":`) {
			t.Fatalf("line 3 is not an upload: %s", lines[2])
		}
		edited := strings.Replace(lines[2], `\"size\":`, `\"size\":1`, 1)
		bad := writeFile(t, "bad.jsonl", strings.Join(append(append(append([]string{}, lines[:2]...), edited), lines[3:]...), ""))
		out, _, err := run(t, "", "audit", "verify", "--file", bad)
		if !errors.Is(err, errReported) || !strings.Contains(out, "ledger entry 3: hash") {
			t.Fatalf("edited export: err=%v out=%q, want entry 3 named", err, out)
		}
		dropped := writeFile(t, "dropped.jsonl", strings.Join(append(append([]string{}, lines[:2]...), lines[3:]...), ""))
		out, _, err = run(t, "", "audit", "verify", "--file", dropped)
		if !errors.Is(err, errReported) || !strings.Contains(out, "ledger entry 4: follows entry 2: entries 3 to 3 are missing") {
			t.Fatalf("export without line 3: err=%v out=%q", err, out)
		}
	})

	t.Run("UploadsRowEdited", func(t *testing.T) {
		raw, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`UPDATE uploads SET carrier = 'mobifone' WHERE id = 4`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		out, _, err := run(t, db, "audit", "verify")
		if !errors.Is(err, errReported) || !strings.Contains(out, "ledger BROKEN") || !strings.Contains(out, `uploads row 4 differs`) || !strings.Contains(out, `field "carrier" is "mobifone" in the table, "vietnamobile" in the ledger`) {
			t.Fatalf("verify after an UPDATE: err=%v\n%s", err, out)
		}
	})
}

// TestMain_Independent: an independent measurement (a trusted operator's import, and an
// inspector token) is stored but does not change the status as the carriers claim it.
func TestMain_Independent(t *testing.T) {
	db := seededDB(t)
	before := mustRun(t, db, "status", "--format", "json")
	dark := strings.Replace(strings.Replace(goodObs, `"carrier":"viettel",`, `"carrier":"viettel","source_role":"independent",`, 1),
		`"has_signal":true`, `"has_signal":false`, 1)
	dark = strings.Replace(dark, `"method":"drive_test"`, `"method":"drive_test","inspector":"Sở TT&TT"`, 1)
	out := mustRun(t, db, "ingest", writeFile(t, "inspection.geojson", dark))
	if !strings.Contains(out, "accepted") {
		t.Fatalf("ingest: %s", out)
	}
	if after := mustRun(t, db, "status", "--format", "json"); after != before {
		t.Fatal("an independent measurement changed the status as the carriers claim it")
	}
	// A carrier cannot pass it off as independent.
	_, _, err := run(t, db, "ingest", "--carrier", "viettel", writeFile(t, "again.geojson", strings.Replace(dark, "2026-11-01", "2026-11-02", 1)))
	if err == nil {
		t.Fatal("a carrier's independent file was accepted")
	}
	out = mustRun(t, db, "token", "create", "--role", "inspector", "--name", "thanh tra")
	if !strings.HasPrefix(out, "cvm_") {
		t.Fatalf("token create --role inspector: %q", out)
	}
	if out := mustRun(t, db, "token", "list"); !strings.Contains(out, "inspector") {
		t.Fatalf("token list: %s", out)
	}
}
