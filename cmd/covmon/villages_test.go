package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/covmon/covmon/collector/sqlite"
)

// TestMain_VillagesFindNFD: a registry written in decomposed Unicode (as some Windows and macOS
// tools write Vietnamese) is stored in composed form, and a search without diacritics or case
// finds it by village or commune name.
func TestMain_VillagesFindNFD(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	body := norm.NFD.String(`{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[103.91,22.40]},"properties":{"village_id":"T-1","name":"Bản Khoang","commune_code":"02710","commune_name":"Xã Tả Phìn","province_code":"15","province_name":"Lào Cai","grid_power":true}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[105.31,22.83]},"properties":{"village_id":"T-2","name":"Thôn Đồng Tâm","commune_code":"00790","commune_name":"Xã Đường Hồng","province_code":"08","province_name":"Tuyên Quang","grid_power":true}}]}`)
	if !strings.Contains(body, "\u0300") {
		t.Fatal("test data: no combining mark in the NFD file")
	}
	mustRun(t, db, "villages", "import", writeFile(t, "nfd.geojson", body))

	store := sqlite.NewDB(db)
	if err := store.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	v, err := store.Village(t.Context(), "T-1")
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Bản Khoang" || v.CommuneName != "Xã Tả Phìn" || v.ProvinceName != "Lào Cai" {
		t.Errorf("stored %q, %q, %q; want the NFC names", v.Name, v.CommuneName, v.ProvinceName)
	}
	if !norm.NFC.IsNormalString(v.Name) {
		t.Errorf("stored name %q is not NFC", v.Name)
	}

	for _, tc := range []struct {
		q    []string
		want []string // village IDs found
	}{
		{[]string{"ban khoang"}, []string{"T-1"}},
		{[]string{"BAN", "KHOANG"}, []string{"T-1"}},
		{[]string{"Bản Khoang"}, []string{"T-1"}},
		{[]string{norm.NFD.String("Bản Khoang")}, []string{"T-1"}},
		{[]string{"ta phin"}, []string{"T-1"}},  // by commune
		{[]string{"dong tam"}, []string{"T-2"}}, // đ as d
		{[]string{"duong hong"}, []string{"T-2"}},
		{[]string{"thon", "xa"}, []string{"T-2"}},
		{[]string{"khoang", "hong"}, nil},
	} {
		out := mustRun(t, db, append([]string{"villages", "find"}, tc.q...)...)
		for _, id := range []string{"T-1", "T-2"} {
			if got, want := strings.Contains(out, id+" "), slices.Contains(tc.want, id); got != want {
				t.Errorf("find %q: %s found=%v, want %v\n%s", tc.q, id, got, want, out)
			}
		}
		if len(tc.want) == 0 && !strings.Contains(out, "No village matches") {
			t.Errorf("find %q: no 'No village matches' line:\n%s", tc.q, out)
		}
	}
	if _, _, err := run(t, db, "villages", "find", "--", "--"); err == nil {
		t.Error("find with no letters: want an error")
	}
}
