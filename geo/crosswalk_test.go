package geo

import (
	"testing"
	"time"
)

func TestCrosswalkUnitAt(t *testing.T) {
	reform := time.Date(2025, 7, 1, 0, 0, 0, 0, Vietnam)
	before := time.Date(2024, 12, 1, 0, 0, 0, 0, Vietnam)
	p := func(o, on, n, nn string) CrosswalkRow {
		return CrosswalkRow{Level: LevelProvince, Effective: reform, OldCode: o, OldName: on, NewCode: n, NewName: nn}
	}
	c := func(o, on, op, n, nn, np string, share float64) CrosswalkRow {
		return CrosswalkRow{Level: LevelCommune, Effective: reform, OldCode: o, OldName: on, OldProvince: op, NewCode: n, NewName: nn, NewProvince: np, Share: share}
	}
	cw := NewCrosswalk([]CrosswalkRow{
		p("02", "Hà Giang", "08", "Tuyên Quang"), p("08", "Tuyên Quang", "08", "Tuyên Quang"),
		p("04", "Cao Bằng", "04", "Cao Bằng"),
		// many-to-one: two old communes of Hà Giang became 00700
		c("00701", "Xã A", "02", "00700", "Xã Mới", "08", 0), c("00702", "Xã B", "02", "00700", "Xã Mới", "08", 0),
		// one-to-many: old 00900 of Tuyên Quang split between 00910 and 00920
		c("00900", "Xã Chia", "08", "00910", "Xã Một", "08", 0.6), c("00900", "Xã Chia", "08", "00920", "Xã Hai", "08", 0.4),
		// a commune merged across the old provinces
		c("00801", "Xã HG", "02", "00800", "Xã Giáp Ranh", "08", 0), c("00802", "Xã TQ", "08", "00800", "Xã Giáp Ranh", "08", 0),
	})
	v := func(prov, commune, legacy string) *Village {
		return &Village{ID: "T", ProvinceCode: prov, ProvinceName: "?", CommuneCode: commune, CommuneName: "?", LegacyCommuneCode: legacy}
	}
	for _, tc := range []struct {
		name string
		v    *Village
		at   time.Time
		want Unit
		ok   bool
	}{
		{"today's units after the reform", v("08", "00700", ""), reform, Unit{"08", "?", "00700", "?"}, true},
		{"merge with legacy code", v("08", "00700", "00702"), before, Unit{"02", "Hà Giang", "00702", "Xã B"}, true},
		{"merge without legacy code: province known, commune not", v("08", "00700", ""), before, Unit{"02", "Hà Giang", "", ""}, true},
		{"split: the sole old commune", v("08", "00920", ""), before, Unit{"08", "Tuyên Quang", "00900", "Xã Chia"}, true},
		{"across provinces with legacy code", v("08", "00800", "00801"), before, Unit{"02", "Hà Giang", "00801", "Xã HG"}, true},
		{"across provinces without legacy code: unresolved", v("08", "00800", ""), before, Unit{}, false},
		{"a legacy code the crosswalk does not pair is ignored", v("08", "00700", "99999"), before, Unit{"02", "Hà Giang", "", ""}, true},
		{"unchanged province, commune not in the crosswalk: commune unknown", v("04", "01485", ""), before, Unit{"04", "Cao Bằng", "", ""}, true},
		{"no commune rows, merged province: unresolved", v("08", "05555", ""), before, Unit{}, false},
		{"a unit no reform touched", v("99", "12345", ""), before, Unit{"99", "?", "12345", "?"}, true},
	} {
		got, ok := cw.UnitAt(tc.v, tc.at)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCrosswalkInGeographyKeepsCounts(t *testing.T) {
	reform := time.Date(2025, 7, 1, 0, 0, 0, 0, Vietnam)
	cw := NewCrosswalk([]CrosswalkRow{
		{Level: LevelProvince, Effective: reform, OldCode: "02", OldName: "Hà Giang", NewCode: "08", NewName: "Tuyên Quang"},
		{Level: LevelProvince, Effective: reform, OldCode: "08", OldName: "Tuyên Quang", NewCode: "08", NewName: "Tuyên Quang"},
		{Level: LevelCommune, Effective: reform, OldCode: "00701", OldName: "Xã A", OldProvince: "02", NewCode: "00700", NewName: "Xã Mới", NewProvince: "08"},
	})
	vs := []Village{
		{ID: "A", ProvinceCode: "08", ProvinceName: "Tuyên Quang", CommuneCode: "00700"},
		{ID: "B", ProvinceCode: "08", ProvinceName: "Tuyên Quang", CommuneCode: "00999"}, // no commune row: unresolved
	}
	sts := []VillageStatus{{Village: &vs[0]}, {Village: &vs[1]}}
	got := cw.InGeography(sts, reform.AddDate(0, -1, 0))
	if len(got) != 2 || got[0].Village.ProvinceCode != "02" || got[1].Village.ProvinceCode != Unresolved {
		t.Errorf("provinces %s, %s; want 02 and %s", got[0].Village.ProvinceCode, got[1].Village.ProvinceCode, Unresolved)
	}
	if vs[0].ProvinceCode != "08" {
		t.Error("InGeography changed the caller's village")
	}
}
