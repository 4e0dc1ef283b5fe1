//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/covmon/covmon/collector/postgres/pgtest"
)

// TestIngest_PipeNotStagedWhileRead: on PostgreSQL, a file that is not a regular file (a named
// pipe, /dev/stdin, a process substitution) arrives as fast as whatever writes it, so, like a
// feed's, it is not copied into a stage while it is read: a slow writer would hold one of the
// database's sessions, an open transaction and the vacuum horizon for as long as it dribbles.
// While covmon waits for the rest of the pipe, no session of its database is in a COPY; the
// file is then stored whole.
func TestIngest_PipeNotStagedWhileRead(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	mustRun(t, pg, "seed")

	// 12,000 rows of one seeded village, a minute apart (about 2 MB): more than the pipe's
	// buffer and several of the stage's batches.
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[`)
	at := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	const rows = 12000
	for i := range rows {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"type":"Feature","geometry":null,"properties":{"village_id":"V04-0004","technology":"4g","has_signal":%t,"observed_at":%q,"method":"drive_test"}}`,
			i%2 == 0, at.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	b.WriteString("]}\n")
	file := b.String()
	half := len(file) / 2

	pipe := filepath.Join(t.TempDir(), "viettel.geojson")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out, errs string
		err       error
	}
	done := make(chan result, 1)
	go func() {
		out, errs, err := run(t, pg, "ingest", "--carrier", "viettel", pipe)
		done <- result{out, errs, err}
	}()
	w, err := os.OpenFile(pipe, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The write returns once covmon has read all but a pipe's buffer of it: thousands of
	// rows decoded, so a stage would have begun its COPY long before.
	if _, err := w.WriteString(file[:half]); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var copying int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'copy%obs_stage%' AND state <> 'idle'`).Scan(&copying); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteString(file[half:]); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("ingest: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.out, r.errs)
	}
	if copying != 0 {
		t.Errorf("%d session(s) copying into a stage while covmon waited for the pipe's writer; want none", copying)
	}
	if want := fmt.Sprintf("viettel.geojson: accepted as upload 11 (%d features, %d new rows)", rows, rows); !strings.Contains(r.out, want) {
		t.Errorf("stdout %q, want %q", r.out, want)
	}
}
