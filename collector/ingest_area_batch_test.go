package collector_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// TestIngester_AreasBatch: several areas files through one Ingester (covmon ingest --areas
// F1 F2 …, or a server's uploads) are each their own upload — a bad file is rejected alone,
// the same bytes twice count once, the reports come in the files' order — while the
// registry is read once per registry version: a registry upload in between is joined by the
// next areas file (its new village gets a result).
func TestIngester_AreasBatch(t *testing.T) {
	ctx := context.Background()
	in, db := newAreaIngester(t)
	viettel := areasFile("viettel", area(westHalf, "4g", "2025-06-01", ""), area(fullSq, "4g", "2025-06-01", ""))
	bad := areasFile("vinaphone", area(fullSq, "6g", "2025-06-01", ""))
	mobifone := areasFile("mobifone", area(darkSq, "4g", "2025-06-01", ""))
	var got []*geo.Upload
	for i, body := range []string{viettel, bad, viettel, mobifone} {
		got = append(got, ingestAreas(t, in, collector.File{Name: []string{"viettel.geojson", "bad.geojson", "again.geojson", "mobifone.geojson"}[i]}, body))
	}
	want := []geo.UploadResult{geo.ResultAccepted, geo.ResultRejected, geo.ResultDuplicate, geo.ResultAccepted}
	for i, u := range got {
		if u.Result != want[i] {
			t.Fatalf("file %d (%s): %s, want %s", i, u.FileName, u.Result, want[i])
		}
		if i > 0 && u.ID <= got[i-1].ID {
			t.Errorf("upload IDs %d then %d: not in the files' order", got[i-1].ID, u.ID)
		}
	}
	if got[0].Inserted != 3 || got[3].Inserted != 3 || got[2].DuplicateOf != got[0].ID {
		t.Errorf("inserted %d and %d (want 3 each), duplicate of %d (want %d)", got[0].Inserted, got[3].Inserted, got[2].DuplicateOf, got[0].ID)
	}
	if len(got[1].Problems) == 0 || got[1].Problems[0].File != "bad.geojson" || got[1].Problems[0].Field != "technology" {
		t.Errorf("bad file's problems %+v, want one naming bad.geojson's technology", got[1].Problems)
	}
	for _, id := range []string{"HALF", "DARK", "FULL"} {
		obs, err := db.Observations(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var carriers []string
		for _, o := range obs {
			carriers = append(carriers, o.Carrier)
		}
		if strings.Join(carriers, ",") != "viettel,mobifone" && strings.Join(carriers, ",") != "mobifone,viettel" {
			t.Errorf("%s: results of %v, want viettel's and mobifone's once each, none of the bad file", id, carriers)
		}
	}
	if in.RegistryReads != 1 {
		t.Fatalf("registry read %d times for 4 areas files of one registry, want once", in.RegistryReads)
	}

	// A new village: the next areas file is joined against the registry that holds it.
	more := strings.TrimSuffix(areaVillages, "]}") + `,
{"type":"Feature","geometry":{"type":"Point","coordinates":[104.505,21.505]},"properties":{"village_id":"NEW","name":"Bản Mới","commune_code":"02710","province_code":"15","grid_power":true,"programs":["vls-2024"]}}]}`
	u, err := in.Ingest(ctx, collector.File{Name: "villages2.geojson", Kind: geo.KindVillages, Source: "cli"}, strings.NewReader(more))
	if err != nil || u.Result != geo.ResultAccepted {
		t.Fatalf("registry with NEW: %v %+v", err, u)
	}
	u = ingestAreas(t, in, collector.File{Name: "vietnamobile.geojson"}, areasFile("vietnamobile", area(darkSq, "4g", "2025-06-01", "")))
	if u.Result != geo.ResultAccepted || u.Inserted != 4 {
		t.Fatalf("after the registry upload: %+v, want accepted with 4 results (NEW's included)", u)
	}
	obs, err := db.Observations(ctx, "NEW")
	if err != nil || len(obs) != 1 || !obs[0].HasSignal || obs[0].Carrier != "vietnamobile" {
		t.Fatalf("NEW's observations %+v (%v), want vietnamobile's covered result", obs, err)
	}
	if in.RegistryReads != 2 {
		t.Fatalf("registry read %d times, want twice (once per registry version)", in.RegistryReads)
	}
}

// TestIngester_AreasConcurrent: areas uploads at once through one Ingester share the
// registry read (run with -race).
func TestIngester_AreasConcurrent(t *testing.T) {
	in, db := newAreaIngester(t)
	var wg sync.WaitGroup
	carriers := []string{"viettel", "vinaphone", "mobifone", "vietnamobile"}
	ups := make([]*geo.Upload, len(carriers))
	errs := make([]error, len(carriers))
	for i, c := range carriers {
		wg.Go(func() {
			ups[i], errs[i] = in.Ingest(context.Background(), collector.File{Name: c + ".geojson", Kind: geo.KindAreas, Source: "api"},
				strings.NewReader(areasFile(c, area(fullSq, "4g", "2025-06-01", ""))))
		})
	}
	wg.Wait()
	for i := range carriers {
		if errs[i] != nil || ups[i].Result != geo.ResultAccepted || ups[i].Inserted != 3 {
			t.Fatalf("%s: %v %+v", carriers[i], errs[i], ups[i])
		}
	}
	if in.RegistryReads != 1 {
		t.Errorf("registry read %d times by 4 concurrent uploads, want once", in.RegistryReads)
	}
	obs, err := db.Observations(context.Background(), "FULL")
	if err != nil || len(obs) != 4 {
		t.Errorf("FULL: %d observations (%v), want one per carrier", len(obs), err)
	}
}
