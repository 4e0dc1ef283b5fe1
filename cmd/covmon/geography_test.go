package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// TestMain_Geography: with the shipped crosswalk, the seeds show Hà Giang's villages under
// Tuyên Quang (08) today and under Hà Giang (02) with --geography 2024-12-01, with the same
// village counts, nationally and for the merged province.
func TestMain_Geography(t *testing.T) {
	db := seededDB(t)
	byCode := func(s wire.Status) map[string]wire.Province {
		m := map[string]wire.Province{}
		for _, p := range s.Provinces {
			m[p.Code] = p
		}
		return m
	}
	for _, asOf := range []string{"2024-12-01", "2026-11-01"} {
		today := statusJSON(t, db, "--as-of", asOf)
		old := statusJSON(t, db, "--as-of", asOf, "--geography", "2024-12-01")
		if old.Geography != "2024-12-01" || today.Geography != "" {
			t.Errorf("geography member: %q and %q", old.Geography, today.Geography)
		}
		if !reflect.DeepEqual(today.National, old.National) {
			t.Errorf("as of %s: national figures differ by geography:\n today %+v\n 2024 %+v", asOf, today.National, old.National)
		}
		tp, op := byCode(today), byCode(old)
		if _, ok := tp["02"]; ok {
			t.Errorf("today's units include Hà Giang (02)")
		}
		hg, tq := op["02"], op["08"]
		if hg.Name != "Hà Giang" || tq.Name != "Tuyên Quang" || hg.Villages == 0 || tq.Villages == 0 {
			t.Fatalf("2024 units: 02=%+v 08=%+v", hg, tq)
		}
		if got, want := hg.Villages+tq.Villages, tp["08"].Villages; got != want {
			t.Errorf("as of %s: Hà Giang %d + Tuyên Quang %d = %d villages, today's Tuyên Quang %d", asOf, hg.Villages, tq.Villages, got, want)
		}
		if got, want := hg.DeadZone+tq.DeadZone, tp["08"].DeadZone; got != want {
			t.Errorf("as of %s: dead zones %d under the 2024 units, %d today", asOf, got, want)
		}
		if len(op) <= len(tp) {
			t.Errorf("2024 geography has %d provinces, today %d: want more before the merger", len(op), len(tp))
		}
		if _, ok := op[geo.Unresolved]; ok {
			t.Errorf("some seed villages are unresolved under the 2024 geography")
		}
	}
	// Every Hà Giang village of 2024 is in today's Tuyên Quang, and --province names a 2024 unit.
	hg := statusJSON(t, db, "--geography", "2024-12-01", "--province", "02")
	if len(hg.Villages) == 0 {
		t.Fatal("no village under province 02 in the 2024 geography")
	}
	for _, v := range hg.Villages {
		if v.ProvinceCode != "02" || !strings.HasPrefix(v.ID, "V08-") {
			t.Errorf("village %s: province %s under the 2024 units, want 02 and a today's-08 village", v.ID, v.ProvinceCode)
		}
	}
	out := mustRun(t, db, "status", "--geography", "2024-12-01", "--lang", "en")
	if !strings.Contains(out, "Hà Giang") || !strings.Contains(out, "in force on 2024-12-01") {
		t.Errorf("table under the 2024 geography:\n%s", out)
	}
}
