package i18n

import (
	"testing"
	"unicode/utf8"

	"github.com/covmon/covmon/geo"
)

func TestTable_CoversStatusesAndLevels(t *testing.T) {
	for _, s := range geo.Statuses {
		if _, ok := Lookup("status." + string(s)); !ok {
			t.Errorf("no label for status %q", s)
		}
	}
	for l := geo.Level(0); l <= geo.Level(3); l++ {
		if _, ok := Lookup("level." + l.String()); !ok {
			t.Errorf("no label for level %q", l)
		}
	}
	for _, a := range []string{geo.AreaFull, geo.AreaPartial, geo.AreaDark} {
		if _, ok := Lookup("area." + a); !ok {
			t.Errorf("no label for area coverage %q", a)
		}
	}
}

func TestTable_BothLanguages(t *testing.T) {
	for k, l := range Table() {
		if l.Vi == "" || l.En == "" || !utf8.ValidString(l.Vi) {
			t.Errorf("%s: %+v", k, l)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name, key string
		lang      Lang
		want      string
	}{
		{"Vietnamese", "field.overdue", Vi, "Quá hạn"},
		{"English", "field.overdue", En, "Overdue"},
		{"MissingKey", "status.bogus", En, "status.bogus"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.key, tc.lang); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got, ok := ParseLang("EN"); !ok || got != En {
		t.Errorf("ParseLang(EN) = %q, %v", got, ok)
	}
	if _, ok := ParseLang("fr"); ok {
		t.Error("ParseLang(fr) accepted")
	}
	if got := (Label{"Quá hạn", "Overdue"}).Both(); got != "Quá hạn / Overdue" {
		t.Errorf("Both = %q", got)
	}
}
