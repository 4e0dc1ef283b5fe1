//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// TestVillagesImport_Cancelled: an import interrupted (Ctrl-C, SIGTERM: the context is
// cancelled) says what happened to the data — nothing of the file was imported, and the files
// before it were — instead of the driver's words ("timeout: context already done: context
// canceled" from PostgreSQL). The registry file is a named pipe, so the interrupt comes while
// covmon waits for the file's bytes, after the database was opened and the first file stored.
func TestVillagesImport_Cancelled(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "covmon.db")
	const village = `{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.9,22.4]},"properties":{"village_id":"%s","name":"Bản Một","commune_code":"02710","province_code":"15","grid_power":true}}]}`
	first := filepath.Join(dir, "first.geojson")
	if err := os.WriteFile(first, []byte(strings.Replace(village, "%s", "V-1", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	pipe := filepath.Join(dir, "second.geojson")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wrote := make(chan error, 1)
	go func() {
		// Opening the pipe for writing waits for covmon to open it for reading: the first
		// file is stored by then. The interrupt comes before a byte of the second.
		w, err := os.OpenFile(pipe, os.O_WRONLY, 0)
		if err != nil {
			wrote <- err
			return
		}
		cancel()
		_, err = w.WriteString(strings.Replace(village, "%s", "V-2", 1))
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		wrote <- err
	}()

	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdin, m.Stdout, m.Stderr = strings.NewReader(""), &out, &errb
	m.Now = func() time.Time { return testNow }
	m.Getenv = func(string) string { return "" }
	err := m.Run(ctx, []string{"villages", "import", "--db", db, first, pipe})
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if werr := <-wrote; werr != nil && !errors.Is(werr, syscall.EPIPE) {
		t.Fatal(werr)
	}
	want := "second.geojson: cancelled: nothing of it was imported (a file is stored whole or not at all); the 1 file(s) before it were handled as printed above"
	if err == nil || err.Error() != want || !errors.Is(err, errCancelled) {
		t.Fatalf("error %v\nwant %s\nstdout:\n%s\nstderr:\n%s", err, want, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "first.geojson: accepted as upload 1") {
		t.Errorf("stdout %q: want the first file accepted", out.String())
	}

	s := sqlite.NewDB(db)
	if err := s.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ups, err := s.Uploads(context.Background(), geo.UploadFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 || ups[0].FileName != "first.geojson" {
		t.Fatalf("uploads %+v, want only the first file's", ups)
	}
}
