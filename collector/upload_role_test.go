package collector_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// measuredDark is a file an inspector might send and a carrier might copy: viettel's 4G dark
// at T-1, naming the carrier, with neither "source_role" nor "inspector" (so it is also a
// valid claims file of viettel's).
const measuredDark = `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":false,"rsrp_dbm":-125,"observed_at":"2025-12-05","method":"drive_test"}}]}`

// TestIngest_UploadRole: every path records the role a file is sent in, and the duplicate key
// is carrier, role and bytes: the drop folder (inbox/viettel/ a carrier's, inbox/inspector/
// an inspector's) and the command line (a file declaring "source_role": "independent" is an
// inspection; without it, carrier claims). The same bytes in two roles are two uploads, in
// the same role one; a rejected file takes its uploader's role; the registry is the
// ministry's.
func TestIngest_UploadRole(t *testing.T) {
	r, clock, db := newRunner(t)
	ctx := context.Background()
	in := r.Ingester
	_, drop := dropInbox(t, r)

	// The carrier copies the inspector's file into its folder first; then the inspector's
	// own copy arrives in the inspectors' folder.
	drop("viettel/copy.geojson", measuredDark)
	if err := r.ScanInbox(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	drop("inspector/inspection.geojson", measuredDark)
	if err := r.ScanInbox(ctx); err != nil {
		t.Fatal(err)
	}
	byName := map[string]geo.Upload{}
	for _, u := range uploadsOf(t, db, "viettel") {
		byName[u.FileName] = u
	}
	c, i := byName["copy.geojson"], byName["inspection.geojson"]
	if c.Result != geo.ResultAccepted || c.Role != geo.RoleCarrier || c.Inserted != 1 {
		t.Fatalf("carrier's copy %+v, want accepted in the carrier role", c)
	}
	if i.Result != geo.ResultAccepted || i.Role != geo.RoleInspector || i.Inserted != 1 || i.DuplicateOf != 0 {
		t.Fatalf("inspection %+v, want accepted in the inspector role, not a duplicate of upload %d", i, c.ID)
	}
	hist, err := db.Observations(ctx, "T-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].UploadID != c.ID || hist[0].Independent() || hist[1].UploadID != i.ID || !hist[1].Independent() {
		t.Fatalf("T-1 history %+v, want the carrier's claim (upload %d) and the measurement (upload %d)", hist, c.ID, i.ID)
	}

	ingest := func(f collector.File, body string) *geo.Upload {
		t.Helper()
		clock.Advance(time.Minute)
		if f.Kind == "" {
			f.Kind = geo.KindObservations
		}
		u, err := in.Ingest(ctx, f, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, tt := range []struct {
		name   string
		f      collector.File
		body   string
		result geo.UploadResult
		role   string
		dupOf  int64
	}{
		// The same bytes in the same role: one upload.
		{"CarrierAgain", collector.File{Name: "a.geojson", Carrier: "viettel", Source: "api"}, measuredDark, geo.ResultDuplicate, geo.RoleCarrier, c.ID},
		{"InspectorAgain", collector.File{Name: "b.geojson", Inspector: true, Source: "api"}, measuredDark, geo.ResultDuplicate, geo.RoleInspector, i.ID},
		// The command line: the file says what it is.
		{"CLIClaims", collector.File{Name: "c.geojson", Source: "cli"}, measuredDark, geo.ResultDuplicate, geo.RoleCarrier, c.ID},
		{"CLIInspection", collector.File{Name: "d.geojson", Source: "cli"}, strings.Replace(measuredDark, `"carrier":"viettel",`, `"carrier":"viettel","source_role":"independent",`, 1), geo.ResultAccepted, geo.RoleInspector, 0},
		// A rejected file is judged by its uploader.
		{"RejectedInspection", collector.File{Name: "e.geojson", Inspector: true, Source: "api"}, strings.Replace(measuredDark, `"T-1"`, `"NO-SUCH"`, 1), geo.ResultRejected, geo.RoleInspector, 0},
		{"Registry", collector.File{Name: "v.geojson", Kind: geo.KindVillages, Source: "cli"}, villagesFile, geo.ResultDuplicate, geo.RoleMinistry, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := ingest(tt.f, tt.body)
			if u.Result != tt.result || u.Role != tt.role || u.DuplicateOf != tt.dupOf {
				t.Fatalf("%+v, want %s in role %s, duplicate_of %d", u, tt.result, tt.role, tt.dupOf)
			}
			got, err := db.Upload(ctx, u.ID)
			if err != nil || got.Role != tt.role {
				t.Fatalf("stored %+v %v, want role %s", got, err, tt.role)
			}
		})
	}
	if rep, err := db.VerifyLedger(ctx); err != nil || rep.Break != nil {
		t.Fatalf("ledger: %v %v", err, rep.Break)
	}
}
