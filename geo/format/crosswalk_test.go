package format_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

const cwHeader = "level,effective,old_code,old_name,new_code,new_name,old_province,new_province,share\n"

func TestDecodeCrosswalk(t *testing.T) {
	in := "\ufeff# a comment\n" + cwHeader +
		"province,2025-07-01,02,Hà Giang,08,Tuyên Quang,,,\n" +
		"commune,2025-07-01,00900," + norm.NFD.String("Xã Chia") + ",00910,Xã Một,08,08,0.6\n" +
		"commune,2025-07-01,00900,Xã Chia,00920,Xã Hai,08,08,0.4\n"
	rows, err := format.DecodeCrosswalk(strings.NewReader(in), format.Options{File: "cw.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].OldCode != "02" || rows[0].NewCode != "08" || rows[1].Share != 0.6 || rows[1].OldName != "Xã Chia" || rows[2].NewProvince != "08" {
		t.Errorf("rows: %+v", rows)
	}
	if !rows[0].Effective.Equal(mustDate("2025-07-01")) {
		t.Errorf("effective %v", rows[0].Effective)
	}
}

func mustDate(s string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02", s, geo.Vietnam)
	return t
}

func TestDecodeCrosswalkProblems(t *testing.T) {
	in := cwHeader +
		"district,01/07/2025,002,X,008,Y,,,\n" + // level, date
		"province,2025-07-01,2,Hà Giang,08,Tuyên Quang,,,\n" + // code width
		"commune,2025-07-01,00900,Xã Chia,00910,Xã Một,,08,0.7\n" + // old_province
		"commune,2025-07-01,00900,Xã Chia,00920,,08,08,0.4\n" + // new_name; shares 1.1
		"province,2025-07-01,04,Cao Bằng,04,Cao Bằng,,,\n" +
		"province,2025-07-01,04,Cao Bằng,04,Cao Bằng,,,\n" // duplicate
	_, err := format.DecodeCrosswalk(strings.NewReader(in), format.Options{File: "cw.csv"})
	var ve *geo.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error", err)
	}
	want := []struct {
		feature int
		field   string
		rule    string
	}{
		{-1, "share", geo.RuleFieldInvalid},
		{0, "level", geo.RuleFieldInvalid},
		{0, "effective", geo.RuleTimeUnparsable},
		{1, "old_code", geo.RuleFieldInvalid},
		{2, "old_province", geo.RuleFieldMissing},
		{3, "new_name", geo.RuleFieldMissing},
		{5, "new_code", geo.RuleDuplicateRow},
	}
	got := ve.Problems
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), fmtProblems(got))
	}
	for i, w := range want {
		if got[i].Feature != w.feature || got[i].Field != w.field || got[i].Rule != w.rule || got[i].File != "cw.csv" {
			t.Errorf("problem %d: %s; want feature %d field %s rule %s", i, got[i], w.feature, w.field, w.rule)
		}
	}
	if !strings.Contains(got[1].Reason, "line 2:") {
		t.Errorf("reason %q does not name the line", got[1].Reason)
	}
}
