package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/collector/i18n"
)

// TestAlertsCLI_Lang: `covmon alerts` speaks Vietnamese by default, as covmon status does —
// column heads, severities, summaries said again from each alert's labels and annotations,
// chưa giao for no responsible carrier, the as-of line and the synthetic-data notice (then
// the English notice) — and --lang en prints the English heads and each alert's own summary,
// the one its receivers got. The alert names and keys are identifiers in both.
func TestAlertsCLI_Lang(t *testing.T) {
	ctx := context.Background()
	db := seededDB(t)
	h := openHarness(t, ctx, db, clockwork.NewFakeClockAt(day("2024-12-02 09:00")), DefaultAlertsConfig())
	if trs, _ := h.evaluate(ctx, day("2024-12-02 09:00")); len(trs) == 0 {
		t.Fatal("no alert fires on the seeds on 2024-12-02")
	}
	h.close()
	var doc struct {
		Alerts []struct {
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, db, "alerts", "--format", "json", "--lang", "vi")), &doc.Alerts); err != nil {
		t.Fatal(err)
	}
	vi := mustRun(t, db, "alerts")
	en := mustRun(t, db, "alerts", "--lang", "en")
	if vi2 := mustRun(t, db, "alerts", "--lang", "vi"); vi2 != vi {
		t.Error("--lang vi differs from the default")
	}
	t.Logf("vi:\n%s\nen:\n%s", vi, en)
	unassigned := false
	for _, a := range doc.Alerts {
		if !strings.Contains(en, a.Annotations["summary"]) {
			t.Errorf("--lang en lacks the alert's own summary %q", a.Annotations["summary"])
		}
		if !strings.Contains(vi, a.Labels["alertname"]) {
			t.Errorf("vi lacks the alert name %s", a.Labels["alertname"])
		}
		unassigned = unassigned || a.Labels["carrier"] == "unassigned"
	}
	if !unassigned {
		t.Fatal("no alert of an unassigned group on the seeds: the test would not see chưa giao")
	}
	for _, want := range []string{
		"CẢNH BÁO", "MỨC ĐỘ", "TỪ LÚC", "TÓM TẮT", "nghiêm trọng",
		"nhà mạng chịu trách nhiệm: chưa giao", "nhà mạng chịu trách nhiệm: viettel", "thôn ở",
		"cảnh báo đang bật", "Tính đến lần đánh giá gần nhất của covmon serve, 2024-12-02 09:00 (UTC+7).",
		"DỮ LIỆU MẪU TỔNG HỢP", "NOTE: " + alerts.DemoNotice,
	} {
		if !strings.Contains(vi, want) {
			t.Errorf("vi table lacks %q", want)
		}
	}
	// English words of the heads, severities and summaries; "unassigned" may stay only in a
	// key (an identifier).
	for _, unwanted := range []string{"SEVERITY", "SUMMARY", "critical", "warning", "village(s)", "responsible carrier", "As of", "active alert"} {
		if strings.Contains(vi, unwanted) {
			t.Errorf("vi table has the English %q", unwanted)
		}
	}
	if n, k := strings.Count(vi, "unassigned"), strings.Count(vi, "/unassigned"); n != k {
		t.Errorf("vi table says unassigned %d times outside a key", n-k)
	}
	for _, want := range []string{"ALERT", "SEVERITY", "SINCE", "KEY", "SUMMARY", "critical", "active alert(s)",
		"As of covmon serve's last evaluation, 2024-12-02 09:00 (UTC+7).", "NOTE: " + alerts.DemoNotice} {
		if !strings.Contains(en, want) {
			t.Errorf("--lang en table lacks %q", want)
		}
	}
	if strings.Contains(en, "DỮ LIỆU MẪU") || strings.Contains(en, "nghiêm trọng") {
		t.Error("--lang en table has Vietnamese")
	}
	// One more line in Vietnamese: the synthetic-data notice in both languages; the same
	// SINCE instants in both.
	if got, want := strings.Count(vi, "\n"), strings.Count(en, "\n")+1; got != want {
		t.Errorf("vi has %d lines, want %d (en's and the Vietnamese notice)", got, want)
	}
	when := regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d`)
	if v, e := when.FindAllString(vi, -1), when.FindAllString(en, -1); strings.Join(v, " ") != strings.Join(e, " ") {
		t.Errorf("instants differ: vi %v, en %v", v, e)
	}
	if _, _, err := run(t, db, "alerts", "--lang", "fr"); err == nil || !strings.Contains(err.Error(), "--lang") {
		t.Errorf("--lang fr: %v, want an error naming --lang", err)
	}
}

// TestAlertSummary_EveryKind: each kind's Vietnamese summary is said from its labels and
// annotations with no English word and no fmt error left in it; in English it is the alert's
// own summary.
func TestAlertSummary_EveryKind(t *testing.T) {
	ev := time.Date(2024, 11, 20, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		kind   string
		labels map[string]string
		ann    map[string]string
		want   string
	}{
		{alerts.KindOverdue, map[string]string{"program": "vls-2024", "province_code": "14", "province": "14", "carrier": "unassigned"},
			map[string]string{"village_count": "3"}, "3 thôn ở tỉnh 14 vẫn chưa có sóng sau hạn của chương trình vls-2024 (nhà mạng chịu trách nhiệm: chưa giao)"},
		{alerts.KindRegression, map[string]string{"program": "vls-2024", "province_code": "14", "province": "Sơn La", "carrier": "viettel"},
			map[string]string{"village_count": "2"}, "2 thôn ở Sơn La từng có sóng nay lại chưa có sóng (vls-2024, nhà mạng chịu trách nhiệm: viettel)"},
		{alerts.KindDeadlineReminder, map[string]string{"program": "vls-2024", "days_before": "30"},
			map[string]string{"deadline": "2024-12-01T00:00:00+07:00", "open_count": "41", "never_reported_count": "5", "later_deadline_count": "7"},
			"Hạn của chương trình vls-2024 còn 11 ngày: 41 thôn đến hạn vẫn chưa có sóng đạt chuẩn, trong đó 5 thôn chưa từng báo cáo (thêm 7 thôn chưa có sóng có hạn riêng muộn hơn)"},
		{alerts.KindForecastMiss, map[string]string{"program": "vls-2024", "province_code": alerts.National, "province": alerts.National},
			map[string]string{"deadline": "2024-12-01T00:00:00+07:00", "open_count": "40", "never_reported_count": "5", "projected_zero": "+Inf"},
			"vls-2024 sẽ không kịp hạn 2024-12-01 ở cả nước: còn 40 thôn chưa có sóng đạt chuẩn, trong đó 5 thôn chưa từng báo cáo; dự báo về 0: không bao giờ với tốc độ hiện tại"},
		{alerts.KindForecastMiss, map[string]string{"program": "vls-2024", "province_code": "14", "province": "Sơn La"},
			map[string]string{"deadline": "2024-12-01T00:00:00+07:00", "open_count": "4", "never_reported_count": "0", "projected_zero": "2025-03-04T07:00:00+07:00"},
			"vls-2024 sẽ không kịp hạn 2024-12-01 ở Sơn La: còn 4 thôn chưa có sóng đạt chuẩn, trong đó 0 thôn chưa từng báo cáo; dự báo về 0: 2025-03-04"},
		{alerts.KindStaleData, map[string]string{"carrier": "mobifone"}, map[string]string{"last_report": "2024-10-01T12:00:00+07:00"},
			"Không có báo cáo mới của mobifone trong 50 ngày: báo cáo mới nhất là của ngày 2024-10-01"},
		{alerts.KindStaleData, map[string]string{"carrier": "vinaphone"}, map[string]string{}, "Chưa có báo cáo nào của vinaphone"},
		{alerts.KindUploadRejected, map[string]string{"carrier": alerts.SenderInspector, "upload_id": "12"},
			map[string]string{"file": "do-kiem.geojson", "problem_count": "3", "measured_carrier": "viettel"},
			"Lần tải lên 12 (do-kiem.geojson) của đơn vị đo kiểm (đo kiểm viettel) bị từ chối: 3 lỗi"},
		{alerts.KindUploadRejected, map[string]string{"carrier": "viettel", "upload_id": "13"},
			map[string]string{"file": "a.geojson", "problem_count": "1"}, "Lần tải lên 13 (a.geojson) của viettel bị từ chối: 1 lỗi"},
		{alerts.KindPlanLate, map[string]string{"program": "vls-2024", "carrier": "viettel"}, map[string]string{"village_count": "6"},
			"6 thôn của viettel trong vls-2024 chậm so với kế hoạch của chính nhà mạng (đã qua ngày phát sóng dự kiến, chưa có sóng)"},
		{alerts.KindClaimContradicted, map[string]string{"program": "vls-2024", "carrier": "viettel"}, map[string]string{"village_count": "2"},
			"viettel báo có sóng ở 2 thôn của vls-2024 nhưng lần đo kiểm độc lập sau đó không đo được sóng"},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.kind] = true
		c.ann["summary"] = "the English summary"
		a := alerts.Alert{Kind: c.kind, Labels: c.labels, Annotations: c.ann, EvaluatedAt: ev}
		if got := alertSummary(&a, i18n.Vi); got != c.want {
			t.Errorf("%s vi:\n got %q\nwant %q", c.kind, got, c.want)
		}
		if got := alertSummary(&a, i18n.En); got != "the English summary" {
			t.Errorf("%s en: %q, want the alert's own summary", c.kind, got)
		}
	}
	for _, k := range alerts.Kinds {
		if !seen[k] {
			t.Errorf("kind %s has no case", k)
		}
	}
	if got := severityWord("warning", i18n.Vi); got != "cần chú ý" {
		t.Errorf("warning in vi = %q", got)
	}
	if got := severityWord("warning", i18n.En); got != "warning" {
		t.Errorf("warning in en = %q", got)
	}
	if got := timeLeft(30*time.Hour+time.Minute, i18n.Vi); got != "31 giờ" {
		t.Errorf("timeLeft 30h01m = %q, want 31 giờ", got)
	}
}
