package collector_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/collector/sqlite"
	"github.com/covmon/covmon/geo"
)

// mobifoneFile is an observation file naming mobifone: dropped in viettel's folder it is a
// carrier_mismatch, rejected.
var mobifoneFile = strings.Replace(obsFile("T-1", true, "2025-12-01"), `"technology"`, `"carrier":"mobifone","technology"`, 1)

// dropInbox makes an inbox with the carriers' folders and returns its path and a writer of
// settled files.
func dropInbox(t *testing.T, r *collector.Runner) (string, func(rel, body string) string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "inbox")
	r.Inbox = collector.Inbox{Dir: dir, Settle: time.Second}
	for _, c := range geo.DefaultCarriers {
		if err := os.MkdirAll(filepath.Join(dir, c, collector.AreasFolder), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir, func(rel, body string) string {
		p := filepath.Join(dir, rel)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		old := t0.Add(-time.Hour)
		os.Chtimes(p, old, old)
		return p
	}
}

func uploadsOf(t *testing.T, db *sqlite.DB, carrier string) []geo.Upload {
	t.Helper()
	ups, err := db.Uploads(context.Background(), geo.UploadFilter{Carrier: carrier, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ups
}

// files lists every regular file and link under dir (relative paths).
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TestInbox_LinkImpersonation reproduces issue 15 item 1: a carrier that makes its rejected/
// (or processed/) a link to another carrier's folder must not get a file stored as that
// carrier's, and an absolute link must not make covmon write outside the carrier's folder.
func TestInbox_LinkImpersonation(t *testing.T) {
	outside := t.TempDir() // somewhere covmon can write, outside the inbox
	for _, tt := range []struct {
		name, sub, target, body string
	}{
		{"RelativeRejected", "rejected", "../mobifone", mobifoneFile},
		{"AbsoluteRejected", "rejected", "MOBIFONE", mobifoneFile},
		{"AbsoluteProcessedOutside", "processed", outside, obsFile("T-1", true, "2025-12-01")},
		{"RelativeProcessed", "processed", "../mobifone", obsFile("T-1", true, "2025-12-01")},
		{"InsideLink", "processed", "areas", obsFile("T-1", true, "2025-12-01")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, clock, db := newRunner(t)
			ctx := context.Background()
			dir, drop := dropInbox(t, r)
			target := tt.target
			if target == "MOBIFONE" {
				target = filepath.Join(dir, "mobifone")
			}
			if err := os.Symlink(target, filepath.Join(dir, "viettel", tt.sub)); err != nil {
				t.Fatal(err)
			}
			drop("viettel/x.geojson", tt.body)
			err := r.ScanInbox(ctx)
			if err == nil || !strings.Contains(err.Error(), "symbolic link refused") {
				t.Errorf("scan: %v, want the link refused", err)
			}
			clock.Advance(time.Minute)
			r.ScanInbox(ctx) // a second scan: the old code ingested the moved file here
			if ups := uploadsOf(t, db, "mobifone"); len(ups) != 0 {
				t.Errorf("mobifone uploads: %+v", ups)
			}
			if ups := uploadsOf(t, db, "viettel"); len(ups) != 0 {
				t.Errorf("viettel uploads recorded while the link is there: %+v", ups)
			}
			if f := files(t, filepath.Join(dir, "mobifone")); len(f) != 0 {
				t.Errorf("files in mobifone's folder: %v", f)
			}
			if f := files(t, outside); len(f) != 0 {
				t.Errorf("files written outside the inbox: %v", f)
			}
			if f := files(t, filepath.Join(dir, "viettel", "areas")); len(f) != 0 {
				t.Errorf("files moved into areas/: %v", f)
			}
			// The file stays where the carrier put it; once the link is gone it moves.
			if _, err := os.Lstat(filepath.Join(dir, "viettel", "x.geojson")); err != nil {
				t.Errorf("the dropped file: %v", err)
			}
			os.Remove(filepath.Join(dir, "viettel", tt.sub))
			if err := r.ScanInbox(ctx); err != nil {
				t.Fatal(err)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "viettel", tt.sub, "*-x.geojson.report.json")); len(m) != 1 {
				t.Errorf("after the link is removed: %v in %s", files(t, filepath.Join(dir, "viettel")), tt.sub)
			}
		})
	}
}

// TestInbox_LinkedFolders: a carrier folder or areas/ that is a link, and a file that is a link
// (absolute or relative, to a file of another carrier's folder), are refused, not followed.
func TestInbox_LinkedFolders(t *testing.T) {
	r, _, db := newRunner(t)
	ctx := context.Background()
	dir, drop := dropInbox(t, r)
	other := drop("mobifone/.hidden-m.geojson", obsFile("T-1", true, "2025-12-01")) // not scanned itself
	for _, l := range []struct{ target, link string }{
		{other, "viettel/abs.geojson"},
		{"../mobifone/.hidden-m.geojson", "viettel/rel.geojson"},
		{"../mobifone", "viettel/areas-link"},
	} {
		if err := os.Symlink(l.target, filepath.Join(dir, l.link)); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(dir, "viettel", "areas"))
	os.Symlink("../mobifone", filepath.Join(dir, "viettel", "areas"))
	os.RemoveAll(filepath.Join(dir, "vinaphone"))
	os.Symlink("mobifone", filepath.Join(dir, "vinaphone"))
	if err := r.ScanInbox(ctx); err == nil {
		t.Error("scan with linked folders: no error")
	}
	if ups := uploadsOf(t, db, ""); len(ups) != 1 { // the registry of newRunner only
		t.Errorf("uploads: %d, want none from the links", len(ups)-1)
	}
	for _, p := range []string{"viettel/abs.geojson", "viettel/rel.geojson", "mobifone/.hidden-m.geojson"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestInbox_CreatesFolders: covmon creates the inbox and each configured carrier's folders
// with FolderMode, and writes reports with ReportMode.
func TestInbox_CreatesFolders(t *testing.T) {
	r, _, _ := newRunner(t)
	dir := filepath.Join(t.TempDir(), "inbox")
	r.Inbox = collector.Inbox{Dir: dir, Settle: time.Second}
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".", "registry", "registry/assignments", "viettel", "viettel/areas", "viettel/plans", "mobifone", "mobifone/areas", "mobifone/plans"} {
		fi, err := os.Lstat(filepath.Join(dir, p))
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&^collector.FolderMode != 0 {
			t.Errorf("%s: %v %v", p, fi.Mode(), err)
		}
	}
	p := filepath.Join(dir, "viettel", "a.geojson")
	os.WriteFile(p, []byte(obsFile("T-1", true, "2025-12-01")), 0o644)
	os.Chtimes(p, t0.Add(-time.Hour), t0.Add(-time.Hour))
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "viettel", "processed", "*.report.json"))
	if len(m) != 1 {
		t.Fatalf("reports: %v", m)
	}
	if fi, _ := os.Stat(m[0]); fi.Mode().Perm()&^collector.ReportMode != 0 {
		t.Errorf("report mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(dir, "viettel", "processed")); fi.Mode().Perm()&^collector.FolderMode != 0 {
		t.Errorf("processed mode %v", fi.Mode())
	}
}

// TestInbox_TooLarge: a file over the drop folder's limit moves to rejected/ with a report
// saying why, is not read, and records nothing.
func TestInbox_TooLarge(t *testing.T) {
	r, _, db := newRunner(t)
	dir, drop := dropInbox(t, r)
	r.Inbox.MaxBytes = 100
	drop("viettel/big.geojson", obsFile("T-1", true, "2025-12-01")) // about 170 bytes
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "viettel", "rejected", "*-big.geojson.report.json"))
	if len(m) != 1 {
		t.Fatalf("reports: %v (files %v)", m, files(t, filepath.Join(dir, "viettel")))
	}
	if b, _ := os.ReadFile(m[0]); !strings.Contains(string(b), "larger than the drop folder's limit of 100 bytes") {
		t.Errorf("report: %s", b)
	}
	if ups := uploadsOf(t, db, "viettel"); len(ups) != 0 {
		t.Errorf("uploads: %+v", ups)
	}
}

// TestInbox_Plans: a carrier drops its plans in inbox/<carrier>/plans/; the folder names the
// uploader, so a plan for a village assigned to another carrier is rejected (not_responsible),
// the file moved to rejected/ with its report, and nothing of it stored.
func TestInbox_Plans(t *testing.T) {
	r, _, db := newRunner(t)
	dir, drop := dropInbox(t, r)
	for _, p := range []string{"registry/assignments", "viettel/plans", "mobifone/plans"} {
		os.MkdirAll(filepath.Join(dir, p), 0o750)
	}
	drop("registry/assignments/a.geojson", `{"type":"FeatureCollection","covmon_schema":"assignments/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","carrier":"viettel","assigned_at":"2025-06-01"}}]}`)
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	plan := `{"type":"FeatureCollection","covmon_schema":"plans/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","program":"vls-2024","site_id":"LCI-1","target_on_air":"2026-06-30","progress":"planned","planned_at":"2025-12-01"}}]}`
	drop("mobifone/plans/p.geojson", plan)
	drop("viettel/plans/p.geojson", plan)
	if err := r.ScanInbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "mobifone", "plans", "rejected", "*-p.geojson.report.json"))
	if len(m) != 1 {
		t.Fatalf("mobifone's report: %v (files %v)", m, files(t, filepath.Join(dir, "mobifone")))
	}
	if b, _ := os.ReadFile(m[0]); !strings.Contains(string(b), "not_responsible") || !strings.Contains(string(b), `assigned to \"viettel\"`) {
		t.Errorf("report: %s", b)
	}
	if ups := uploadsOf(t, db, "viettel"); len(ups) != 1 || ups[0].Kind != geo.KindPlans || ups[0].Result != geo.ResultAccepted {
		t.Errorf("viettel's uploads: %+v, want its plans accepted", ups)
	}
	ps, err := db.Plans(context.Background())
	if err != nil || len(ps) != 1 || ps[0].Carrier != "viettel" {
		t.Errorf("plans %v %+v, want viettel's only", err, ps)
	}
}

// inspectorFile is an inspector's measurements of two carriers (each feature names its
// carrier and who measured), without "source_role": the inspector folder makes it independent.
const inspectorFile = `{"type":"FeatureCollection","covmon_schema":"observations/v1","features":[
{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","carrier":"viettel","technology":"4g","has_signal":false,"rsrp_dbm":-124,"observed_at":"2025-12-05","method":"drive_test","inspector":"Sở TT&TT Lào Cai"}},
{"type":"Feature","geometry":null,"properties":{"village_id":"T-2","carrier":"mobifone","technology":"4g","has_signal":true,"observed_at":"2025-12-05","method":"drive_test","inspector":"Sở TT&TT Lào Cai"}}]}`

// TestInbox_Inspector: inbox/inspector/ takes observations/v1 of any carrier as independent
// measurements, recorded with the source "inbox-inspector" and no token, each in the ledger;
// the same file dropped twice counts once; a file declaring "source_role": "carrier" is
// rejected with a report naming file, feature, field and reason; sub-folders such as areas/
// are not scanned; and a symbolic link as the inspector folder is refused, not followed.
func TestInbox_Inspector(t *testing.T) {
	r, clock, db := newRunner(t)
	ctx := context.Background()
	dir, drop := dropInbox(t, r)
	if fi, err := os.Lstat(filepath.Join(dir, collector.InspectorFolder)); err != nil || !fi.IsDir() || fi.Mode().Perm()&^collector.FolderMode != 0 {
		t.Fatalf("inspector folder not created as a folder of mode %v: %v %v", collector.FolderMode, fi, err)
	}
	drop("inspector/m.geojson", inspectorFile)
	if err := r.ScanInbox(ctx); err != nil {
		t.Fatal(err)
	}
	ups := uploadsOf(t, db, "")
	var got []geo.Upload
	for _, u := range ups {
		if u.Source == collector.InspectorSource {
			got = append(got, u)
		}
	}
	if len(got) != 1 || got[0].Result != geo.ResultAccepted || got[0].TokenID != 0 || got[0].Kind != geo.KindObservations || got[0].Inserted != 2 {
		t.Fatalf("inspector uploads: %+v, want one accepted observations upload of 2 rows, no token", got)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "inspector", "processed", "*-m.geojson.report.json")); len(m) != 1 {
		t.Errorf("processed report: %v", files(t, filepath.Join(dir, "inspector")))
	}
	for village, carrier := range map[string]string{"T-1": "viettel", "T-2": "mobifone"} {
		obs, err := db.Observations(ctx, village)
		if err != nil || len(obs) != 1 {
			t.Fatalf("%s: %v %+v", village, err, obs)
		}
		if o := obs[0]; !o.Independent() || o.Carrier != carrier || o.Inspector != "Sở TT&TT Lào Cai" {
			t.Errorf("%s: %+v, want an independent measurement of %s by Sở TT&TT Lào Cai", village, o, carrier)
		}
	}
	// The ledger's entry for the upload says where it came from.
	var entry string
	if err := db.LedgerEntries(ctx, func(e geo.LedgerEntry) error {
		if e.Ref == got[0].ID && e.Kind == "upload" {
			entry = e.Content
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(entry, `"source":"inbox-inspector"`) || !strings.Contains(entry, `"token_id":null`) {
		t.Errorf("ledger entry: %q", entry)
	}

	// The same bytes again: a duplicate, nothing stored twice.
	clock.Advance(time.Minute)
	drop("inspector/m-again.geojson", inspectorFile)
	if err := r.ScanInbox(ctx); err != nil {
		t.Fatal(err)
	}
	if obs, _ := db.Observations(ctx, "T-1"); len(obs) != 1 {
		t.Errorf("T-1 after the duplicate: %d observations", len(obs))
	}
	m, _ := filepath.Glob(filepath.Join(dir, "inspector", "processed", "*-m-again.geojson.report.json"))
	if len(m) != 1 {
		t.Fatalf("duplicate's report: %v", files(t, filepath.Join(dir, "inspector")))
	}
	if b, _ := os.ReadFile(m[0]); !strings.Contains(string(b), `"result": "duplicate"`) {
		t.Errorf("duplicate's report: %s", b)
	}

	// A carrier claim in the inspectors' folder: rejected, the report names the problem.
	clock.Advance(time.Minute)
	drop("inspector/claim.geojson", strings.Replace(inspectorFile, `"covmon_schema":"observations/v1",`, `"covmon_schema":"observations/v1","source_role":"carrier",`, 1))
	// Registry or areas in the inspectors' folder are not read: a sub-folder is not scanned.
	os.MkdirAll(filepath.Join(dir, "inspector", "areas"), 0o750)
	drop("inspector/areas/a.geojson", `{"type":"FeatureCollection","covmon_schema":"areas/v1","features":[]}`)
	if err := r.ScanInbox(ctx); err != nil {
		t.Fatal(err)
	}
	m, _ = filepath.Glob(filepath.Join(dir, "inspector", "rejected", "*-claim.geojson.report.json"))
	if len(m) != 1 {
		t.Fatalf("rejected report: %v", files(t, filepath.Join(dir, "inspector")))
	}
	b, _ := os.ReadFile(m[0])
	for _, want := range []string{`"result": "rejected"`, `"file": "claim.geojson"`, `"field": "source_role"`, `"feature": -1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rejected report lacks %s: %s", want, b)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "inspector", "areas", "a.geojson")); err != nil {
		t.Errorf("a file under inspector/areas/ was touched: %v", err)
	}

	// The inspector folder as a link (here to viettel's folder) is refused, not followed.
	os.RemoveAll(filepath.Join(dir, "inspector"))
	if err := os.Symlink("viettel", filepath.Join(dir, "inspector")); err != nil {
		t.Fatal(err)
	}
	drop("viettel/.hidden.geojson", inspectorFile) // nothing a scan of viettel would take
	drop("viettel/v.geojson", obsFile("T-2", true, "2025-12-06"))
	clock.Advance(time.Minute)
	err := r.ScanInbox(ctx)
	if err == nil || !strings.Contains(err.Error(), "symbolic link refused") {
		t.Errorf("scan with inspector a link: %v, want the link refused", err)
	}
	n := 0
	for _, u := range uploadsOf(t, db, "") {
		if u.Source == collector.InspectorSource {
			n++
		}
	}
	if n != 3 {
		t.Errorf("inspector uploads after the link: %d, want the 3 before it", n)
	}
	if obs, _ := db.Observations(ctx, "T-2"); len(obs) != 2 || obs[1].Independent() == obs[0].Independent() {
		t.Errorf("T-2: %+v, want mobifone's measurement and viettel's own claim (as a claim)", obs)
	}
}
