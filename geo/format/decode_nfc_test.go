package format_test

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/covmon/covmon/geo/format"
)

// TestDecodeVillagesNFC: a registry written in decomposed Unicode (NFD), raw or as JSON \u
// escapes, is stored in composed form (NFC), so it aligns in tables and matches searches.
func TestDecodeVillagesNFC(t *testing.T) {
	nfd := func(s string) string { return `"` + norm.NFD.String(s) + `"` }
	escaped := `"T\u1ea3 Ph\u00ecn"` // composed, escaped: unchanged
	escapedNFD := `"Ta\u0309 Phi\u0300n"`
	in := fc(
		village(pointGeom, "name", nfd("Bản Khoang"), "commune_name", nfd("Xã Tả Phìn"), "province_name", nfd("Hà Giang")),
		village(pointGeom, "village_id", `"LC-0002"`, "name", escapedNFD, "commune_name", escaped),
	)
	if !strings.Contains(in, "\u0309") {
		t.Fatal("test data: no combining mark in the input")
	}
	vs, err := format.DecodeVillages(strings.NewReader(in), format.Options{File: testFile})
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]string{{"Bản Khoang", "Xã Tả Phìn", "Hà Giang"}, {"Tả Phìn", "Tả Phìn", ""}}
	for i, v := range vs {
		got := [3]string{v.Name, v.CommuneName, v.ProvinceName}
		if got != want[i] {
			t.Errorf("village %d: got %q, want %q", i, got, want[i])
		}
		for _, s := range got {
			if !norm.NFC.IsNormalString(s) {
				t.Errorf("village %d: %q is not NFC", i, s)
			}
		}
	}
}
