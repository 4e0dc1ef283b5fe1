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
