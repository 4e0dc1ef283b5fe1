package collector_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// endlessObservations is an observations/v1 file of rows valid for village V-00000, one a
// minute from 2020, made as it is read; cancel is called once after bytes have been read, and
// after counts the bytes read since.
type endlessObservations struct {
	buf         []byte
	i, rows     int
	limit       int64
	read, after int64
	cancel      func()
	cancelled   bool
}

func (e *endlessObservations) Read(p []byte) (int, error) {
	if e.cancelled {
		e.after += int64(len(p)) // at most: counted before it is filled
	} else if e.read >= e.limit {
		e.cancel()
		e.cancelled = true
	}
	for len(e.buf) < len(p) && e.i <= e.rows {
		switch {
		case e.i == 0:
			e.buf = append(e.buf, `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[`...)
		case e.i == e.rows:
			e.buf = append(e.buf, "]}"...)
		default:
			if e.i > 1 {
				e.buf = append(e.buf, ",\n"...)
			}
			at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(e.i) * time.Minute)
			e.buf = fmt.Appendf(e.buf, `{"type":"Feature","geometry":null,"properties":{"village_id":"V-00000","technology":"4g","has_signal":true,"observed_at":%q}}`,
				at.Format(time.RFC3339))
		}
		e.i++
	}
	if len(e.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	e.read += int64(n)
	return n, nil
}

// TestIngest_CancelledStopsReading: an upload whose context ends while its file is read (a
// client that went away, Ctrl-C, shutdown) stops reading there, instead of decoding the rest of
// the file (up to the limits: 512 MiB) for nothing, and stores nothing.
func TestIngest_CancelledStopsReading(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "c.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	in := &collector.Ingester{Store: db}
	if u, err := in.Ingest(context.Background(), collector.File{Name: "v.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(registryFile(1, -1))); err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry: %v %+v", err, u)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	file := &endlessObservations{rows: 200000, limit: 256 << 10, cancel: cancel} // about 30 MB
	u, err := in.Ingest(ctx, collector.File{Name: "o.geojson", Kind: geo.KindObservations, Carrier: "viettel", Source: "api"}, file)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ingest: %v %+v, want an error wrapping context.Canceled", err, u)
	}
	if !file.cancelled {
		t.Fatal("the file was read to its end before the cancellation")
	}
	if file.after > 1<<20 {
		t.Errorf("%d bytes read after the cancellation (of %d); want the reading stopped", file.after, file.read)
	}
	ups, err := db.Uploads(context.Background(), geo.UploadFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 1 {
		t.Errorf("%d uploads recorded, want only the registry's", len(ups))
	}
}
