package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestStatus_Lang: the table is Vietnamese by default (labels, headers, status and reason
// words from collector/i18n), with the same figures as --lang en, which prints the English
// labels and the API's status values; the synthetic-data notice is in both; JSON keeps its
// English keys whatever --lang says; an unknown language is refused.
func TestStatus_Lang(t *testing.T) {
	db := seededDB(t)
	s := statusJSON(t, db, "--as-of", "2025-01-01")
	n := s.National
	vi := mustRun(t, db, "status", "--as-of", "2025-01-01", "--villages")
	en := mustRun(t, db, "status", "--as-of", "2025-01-01", "--villages", "--lang", "en")
	if vi2 := mustRun(t, db, "status", "--as-of", "2025-01-01", "--villages", "--lang", "vi"); vi2 != vi {
		t.Error("--lang vi differs from the default")
	}
	for _, want := range []string{
		"DỮ LIỆU MẪU TỔNG HỢP", "SYNTHETIC DEMO DATA",
		"Tính đến 2025-01-01 00:00 (UTC+7)",
		"Thôn ban đầu đã có sóng:",
		fmt.Sprintf(" %d trên %d (", n.BaselineCovered, n.Baseline),
		fmt.Sprintf(" %d, trong đó quá hạn: %d (", n.Open, n.Overdue),
		"MÃ TỈNH", "SỐ NGÀY QUÁ HẠN", "trắng sóng", "chưa giao", "tổng",
	} {
		if !strings.Contains(vi, want) {
			t.Errorf("default (vi) table lacks %q:\n%s", want, vi)
		}
	}
	for _, unwanted := range []string{"Baseline villages covered", "PROVINCE", "dead_zone", "unassigned"} {
		if strings.Contains(vi, unwanted) {
			t.Errorf("vi table has the English %q", unwanted)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("Baseline villages covered:   %d of %d (", n.BaselineCovered, n.Baseline),
		fmt.Sprintf("Open (in scope, no signal):  %d, of which overdue: %d (", n.Open, n.Overdue),
		"PROVINCE", "DAYS_OVERDUE", "dead_zone",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("--lang en table lacks %q:\n%s", want, en)
		}
	}
	// One more line in Vietnamese: the synthetic-data notice in both languages.
	if got, want := strings.Count(vi, "\n"), strings.Count(en, "\n")+1; got != want {
		t.Errorf("vi has %d lines, want %d (en's and the Vietnamese notice)", got, want)
	}

	wl := mustRun(t, db, "status", "--as-of", "2025-01-01", "--carrier", "viettel", "--villages")
	for _, want := range []string{"Chịu trách nhiệm: viettel", "LÝ DO", "chưa có sóng"} {
		if !strings.Contains(wl, want) {
			t.Errorf("vi work list lacks %q:\n%s", want, wl)
		}
	}

	if js := mustRun(t, db, "status", "--as-of", "2025-01-01", "--format", "json", "--lang", "vi"); !strings.Contains(js, `"baseline_covered"`) || !strings.Contains(js, `"dead_zone"`) {
		t.Errorf("--lang vi changed the JSON keys or values:\n%.400s", js)
	}
	if _, _, err := run(t, db, "status", "--lang", "fr"); err == nil || !strings.Contains(err.Error(), "--lang") {
		t.Errorf("--lang fr: %v", err)
	}
}

// TestStatus_Forecast: covmon status gives the program's completion forecast as of --as-of,
// with its method, in JSON and in the table (the same date in both, Vietnam time); the seeds
// close dead zones every week before the deadline, so the trend converges; --forecast=false
// leaves it out. What it projects is the open figure, never-reported villages included: its
// remaining is the headline's Open (106 on the seeds as of 2024-06-01), not the dead zones (102).
func TestStatus_Forecast(t *testing.T) {
	db := seededDB(t)
	s := statusJSON(t, db, "--as-of", "2024-06-01")
	f := s.Forecast
	if s.National.Open == s.National.DeadZone {
		t.Fatalf("as of 2024-06-01 the seeds have as many open villages as dead zones (%d): the check below cannot tell them apart", s.National.Open)
	}
	if f == nil || f.Status != "converging" || f.ZeroAt == nil || f.Points != 12 || f.Remaining != s.National.Open ||
		f.SlopePerWeek >= 0 || !strings.Contains(f.Method, "Theil–Sen") {
		t.Fatalf("forecast as of 2024-06-01: %+v", f)
	}
	if !f.ZeroAt.After(s.AsOf) || f.ZeroAt.Format("-07:00") != "+07:00" {
		t.Errorf("zero_at %v: want after as_of %v, in +07:00", f.ZeroAt, s.AsOf)
	}
	en := mustRun(t, db, "status", "--as-of", "2024-06-01", "--lang", "en")
	if want := fmt.Sprintf("Completion forecast:         %s, after the deadline (Theil–Sen trend of 12 weekly counts: %d open villages left nationwide, never-reported included,", f.ZeroAt.Format("2006-01-02"), s.National.Open); !strings.Contains(en, want) {
		t.Errorf("table lacks %q:\n%s", want, en)
	}
	vi := mustRun(t, db, "status", "--as-of", "2024-06-01")
	if !strings.Contains(vi, "Dự báo hoàn thành (cả nước):") || !strings.Contains(vi, f.ZeroAt.Format("2006-01-02")) ||
		!strings.Contains(vi, fmt.Sprintf("còn %d thôn chưa xong, kể cả thôn chưa từng báo cáo", s.National.Open)) {
		t.Errorf("vi table lacks the forecast:\n%s", vi)
	}
	if out := mustRun(t, db, "status", "--as-of", "2024-06-01", "--forecast=false", "--format", "json"); strings.Contains(out, `"forecast"`) {
		t.Error("--forecast=false still computes the forecast")
	}
}
