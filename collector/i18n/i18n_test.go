package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
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
	for _, st := range geo.Steps {
		l, ok := Lookup("step." + string(st))
		if !ok {
			t.Errorf("no label for lifecycle step %q", st)
		} else if !strings.EqualFold(l.Vi, geo.StepLabel(st)) {
			t.Errorf("step %q: label %q, geo.StepLabel %q", st, l.Vi, geo.StepLabel(st))
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

// TestTable_CLI: covmon status --lang names every status and every reason an open village can
// have, and each cli label has the same fmt verbs and the same number of tab-separated columns
// in both languages (a Vietnamese format with a verb missing would print %!(EXTRA …)).
func TestTable_CLI(t *testing.T) {
	for _, s := range geo.Statuses {
		if _, ok := Lookup("cli.status." + string(s)); !ok {
			t.Errorf("no cli label for status %q", s)
		}
	}
	for _, b := range geo.DeadlineBases {
		if _, ok := Lookup("cli.basis." + string(b)); !ok {
			t.Errorf("no cli label for deadline basis %q", b)
		}
	}
	for _, r := range geo.Reasons {
		for _, k := range []string{"cli.reason.", "reason."} {
			if _, ok := Lookup(k + string(r)); !ok {
				t.Errorf("no label %s%s", k, r)
			}
		}
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for k, l := range Table() {
		if !strings.HasPrefix(k, "cli.") {
			continue
		}
		if v, e := verbs.FindAllString(l.Vi, -1), verbs.FindAllString(l.En, -1); !slices.Equal(v, e) {
			t.Errorf("%s: verbs vi %q, en %q", k, v, e)
		}
		if v, e := strings.Count(l.Vi, "\t"), strings.Count(l.En, "\t"); v != e {
			t.Errorf("%s: %d columns in vi, %d in en", k, v, e)
		}
	}
}

func TestExplain(t *testing.T) {
	at := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, geo.Vietnam); return d }
	claim := &geo.Observation{Carrier: "viettel", Technology: geo.Tech4G, HasSignal: true, ObservedAt: at("2025-03-02")}
	insp := &geo.Observation{Carrier: "viettel", Technology: geo.Tech4G, ObservedAt: at("2025-04-10"), Source: geo.SourceIndependent}
	reclaim := &geo.Observation{Carrier: "viettel", Technology: geo.Tech4G, HasSignal: true, ObservedAt: at("2025-05-01")}
	for _, tc := range []struct {
		e      geo.Explanation
		en, vi string
	}{
		{geo.Explanation{Trust: geo.TrustClaims, Claim: claim, Contradiction: insp},
			"covered per viettel claim (4g) 2025-03-02, contradicted by inspection 2025-04-10",
			"có sóng theo báo cáo của viettel (4g) ngày 2025-03-02, bị kiểm tra ngày 2025-04-10 bác bỏ"},
		{geo.Explanation{Trust: geo.TrustVerified, Claim: claim, Confirmation: insp},
			"covered per viettel claim (4g) 2025-03-02, confirmed by inspection 2025-04-10",
			"có sóng theo báo cáo của viettel (4g) ngày 2025-03-02, được kiểm tra ngày 2025-04-10 xác nhận"},
		{geo.Explanation{Trust: geo.TrustVerified, Claim: claim},
			"not counted: viettel claims signal (4g) 2025-03-02, no inspection since confirms it",
			"không tính: viettel báo có sóng (4g) ngày 2025-03-02, chưa có kiểm tra nào từ ngày đó xác nhận"},
		{geo.Explanation{Trust: geo.TrustClaims, Claim: claim}, "covered per viettel claim (4g) 2025-03-02", "có sóng theo báo cáo của viettel (4g) ngày 2025-03-02"},
		{geo.Explanation{Trust: geo.TrustClaims, Claim: reclaim, Contradiction: insp, Contradicted: claim},
			"covered per viettel claim (4g) 2025-03-02, contradicted by inspection 2025-04-10; re-claimed 2025-05-01, awaiting re-inspection",
			"có sóng theo báo cáo của viettel (4g) ngày 2025-03-02, bị kiểm tra ngày 2025-04-10 bác bỏ; đã khai lại ngày 2025-05-01, chờ kiểm tra lại"},
		{geo.Explanation{Trust: geo.TrustVerified, Claim: reclaim, Contradiction: insp, Contradicted: claim},
			"not counted: viettel claims signal (4g) 2025-03-02, contradicted by inspection 2025-04-10; re-claimed 2025-05-01, awaiting re-inspection",
			"không tính: viettel báo có sóng (4g) ngày 2025-03-02, bị kiểm tra ngày 2025-04-10 bác bỏ; đã khai lại ngày 2025-05-01, chờ kiểm tra lại"},
		{geo.Explanation{Trust: geo.TrustClaims}, "", ""},
	} {
		if got := Explain(tc.e); got.En != tc.en || got.Vi != tc.vi {
			t.Errorf("Explain = %+v\nwant en %q\n     vi %q", got, tc.en, tc.vi)
		}
	}
	d := geo.Discrepancy{Carrier: "viettel", Technology: geo.Tech4G, Kind: geo.Understated, Claim: *claim, Measurement: *insp}
	if got := ExplainDiscrepancy(d, geo.TrustClaims).En; got != "viettel claims no signal (4g) 2025-03-02, inspection 2025-04-10 measured signal" {
		t.Errorf("understated: %q", got)
	}
	d.Kind = geo.Overstated
	if got := ExplainDiscrepancy(d, geo.TrustVerified).En; got != "not counted: viettel claims signal (4g) 2025-03-02, contradicted by inspection 2025-04-10" {
		t.Errorf("overstated under verified: %q", got)
	}
	d.Kind, d.Reclaim = geo.Understated, &geo.Observation{Carrier: "viettel", Technology: geo.Tech4G, ObservedAt: at("2025-05-01")}
	if got := ExplainDiscrepancy(d, geo.TrustClaims); got.En != "viettel claims no signal (4g) 2025-03-02, inspection 2025-04-10 measured signal; re-claimed 2025-05-01, awaiting re-inspection" ||
		got.Vi != "viettel báo không có sóng (4g) ngày 2025-03-02, kiểm tra ngày 2025-04-10 đo được sóng; đã khai lại ngày 2025-05-01, chờ kiểm tra lại" {
		t.Errorf("understated, re-claimed: %+v", got)
	}
	for _, r := range geo.Reasons {
		if _, ok := Lookup("reason." + string(r)); !ok {
			t.Errorf("no label for reason %q", r)
		}
	}
}

// Words covmon defines keep their meaning in every label (README, docs/figures.md): "lõm sóng"
// is a covered village with part of its settled area dark (status.lom_song, area.partial) —
// and the program's own name, "Xóa vùng lõm sóng" —, "trắng sóng" a dead zone (reported,
// powered, no signal). The lifecycle step "flagged" was labelled "lõm sóng", so covmon status
// printed "lõm sóng 4" on its lifecycle line and LÕM SÓNG 0 in its table for the same villages;
// the page's "overdue" category, which counts never-reported villages too, was "Trắng sóng quá
// hạn" / "Overdue dead zone", shown as 5 beside "Thôn trắng sóng" 2.
func TestTable_TermsKeepTheirMeaning(t *testing.T) {
	lomSong := []string{"status.lom_song", "status.covered_not_lom_song", "area.partial", "cli.trang_lom", "cli.province_header", "page.title"}
	for k, l := range Table() {
		if strings.Contains(strings.ToLower(l.Vi), "lõm sóng") && !slices.Contains(lomSong, k) {
			t.Errorf("%s: %q says lõm sóng (partly covered), the English %q does not", k, l.Vi, l.En)
		}
	}
	// Every dead zone is dark at its centre (trắng sóng); the reason dark_centre is only the
	// coverage-area join's, and covmon status printed "2 dark at the centre" beside "dark
	// centre 0" for the same villages.
	for _, k := range []string{"cli.open_value", "reason.dark_centre"} {
		if l, _ := Lookup(k); !strings.Contains(l.En, "coverage areas") || !strings.Contains(l.Vi, "vùng phủ") {
			t.Errorf("%s %+v: the dark_centre reason does not say it is the coverage areas'", k, l)
		}
	}
	if l, _ := Lookup("cli.reason.dark_centre"); !strings.Contains(l.Vi, "vùng phủ") {
		t.Errorf("cli.reason.dark_centre %+v: does not say it is the coverage areas'", l)
	}
	// The per-carrier table's column too: it said "TRUNG TÂM CHƯA CÓ SÓNG 0" beside "CHƯA CÓ
	// SÓNG 9" for a carrier whose 9 dead zones are all dark at their centre.
	if l, _ := Lookup("cli.responsible_header"); strings.Contains(l.Vi, "TRUNG TÂM CHƯA CÓ SÓNG\t") {
		t.Errorf("cli.responsible_header %q: the dark_centre column does not say it is the coverage areas'", l.Vi)
	}
	// The forecast counts every open village, never-reported ones included (the figure "Open"
	// / "Chưa xong"), not only the dead zones: both forecast labels say what is left in the
	// open figure's words, and that never-reported villages are in it; neither calls them dead
	// zones (trắng sóng), which the never-reported ones are not.
	for _, k := range []string{"cli.forecast_trend", "page.forecast_method"} {
		l, _ := Lookup(k)
		if !strings.Contains(l.En, "open villages left") || !strings.Contains(l.En, "never-reported included") ||
			!strings.Contains(l.Vi, "thôn chưa xong") || !strings.Contains(l.Vi, "kể cả thôn chưa từng báo cáo") ||
			strings.Contains(l.Vi, "trắng sóng") || strings.Contains(l.En, "dead zone") {
			t.Errorf("%s %+v: does not say the forecast counts the open villages, never-reported included", k, l)
		}
	}
	for _, k := range []string{"cli.forecast_done", "page.forecast_done"} {
		if l, _ := Lookup(k); strings.Contains(l.Vi, "trắng sóng") || strings.Contains(strings.ToLower(l.En), "dead zone") {
			t.Errorf("%s %+v: the forecast is done when no open village is left, not only no dead zone", k, l)
		}
	}
	// covmon alerts' summaries: the overdue villages, those due by a deadline and those the
	// forecast counts include never-reported ones (not dead zones, trắng sóng), and "chưa
	// giao" is geo.UnassignedLabel's, not said again here (the responsible carrier's label
	// takes it as its argument).
	for _, k := range []string{"cli.alert.overdue", "cli.alert.reminder", "cli.alert.forecast_miss"} {
		l, _ := Lookup(k)
		if strings.Contains(l.Vi, "trắng sóng") || strings.Contains(strings.ToLower(l.En), "dead zone") || !strings.Contains(l.Vi, "chưa có sóng") {
			t.Errorf("%s %+v: counts open villages without signal, never-reported included, not dead zones", k, l)
		}
	}
	for k, l := range Table() {
		if strings.HasPrefix(k, "cli.alert") && strings.Contains(l.Vi, "chưa giao") {
			t.Errorf("%s %q: says chưa giao itself", k, l.Vi)
		}
	}
	for _, sev := range []string{"critical", "warning"} {
		if l, ok := Lookup("cli.severity." + sev); !ok || l.En != sev {
			t.Errorf("cli.severity.%s %+v: the English is the severity label's value", sev, l)
		}
	}
	if l, _ := Lookup("status.overdue"); strings.Contains(strings.ToLower(l.Vi), "trắng sóng") || strings.Contains(strings.ToLower(l.En), "dead zone") {
		t.Errorf("status.overdue %+v: overdue villages include never-reported ones, not only dead zones", l)
	}
}
