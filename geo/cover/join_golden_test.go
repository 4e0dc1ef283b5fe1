package cover_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
	"github.com/covmon/covmon/geo/format"
)

// The -update flag may already be defined by another golden test of this package.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden testdata/*_out.json files")
	}
}

// goldenNow is the upload time the golden files are decoded at.
var goldenNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// goldenVillage is a hand-drawn village in a golden file's "test_villages" member (a
// foreign member, which StreamAreas ignores).
type goldenVillage struct {
	Name   string            `json:"name"`
	Center orb.Point         `json:"center"`
	Area   *geojson.Geometry `json:"area"`
}

// goldenResult is one line of a golden _out.json.
type goldenResult struct {
	Village       string  `json:"village"`
	Layer         string  `json:"layer"`
	CentreCovered bool    `json:"centre_covered"`
	Share         float64 `json:"share"`
	Status        string  `json:"status"`
}

// TestJoin_Golden joins the hand-drawn cases in testdata/areas-*.geojson (boundary
// points, hole edges, islands in holes, half-covered settled areas) and compares with
// testdata/areas-*_out.json. Run with -update to rewrite them, then review the diff.
func TestJoin_Golden(t *testing.T) {
	files, err := filepath.Glob("testdata/areas-*.geojson")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Villages []goldenVillage `json:"test_villages"`
			}
			if err := json.Unmarshal(in, &doc); err != nil {
				t.Fatal(err)
			}
			vs := make([]geo.Village, len(doc.Villages))
			for i, v := range doc.Villages {
				vs[i] = geo.Village{ID: v.Name, Center: v.Center}
				if v.Area != nil {
					vs[i].Area = v.Area.Coordinates
				}
			}
			j := cover.NewJoin(cover.NewIndex(vs))
			err = format.StreamAreas(bytes.NewReader(in), format.Options{File: file, Now: goldenNow}, func(_ int, a *geo.CoverageArea) error {
				j.Add(a)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var out []goldenResult
			for _, r := range j.Results() {
				status := "covered"
				switch {
				case r.Dark():
					status = "trắng sóng"
				case r.Partial():
					status = "lõm sóng"
				}
				out = append(out, goldenResult{vs[r.VillageIndex].ID, r.Carrier + "/" + r.Technology.String(), r.CentreCovered, r.Share, status})
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(file, ".geojson") + "_out.json"
			if updateGolden() {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the join:\ngot\n%s\nwant\n%s", golden, got, want)
			}
		})
	}
}
