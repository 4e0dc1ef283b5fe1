// Package i18n is covmon's one table of labels for people: Vietnamese first, English beside
// it. The status page reads it as JSON (GET /api/v1/labels); the command line and the exports
// look labels up here too, so a status is named the same way everywhere.
//
// Keys are stable dotted names: "status.<status>" for the statuses of the API (covered,
// dead_zone, no_power, no_data, overdue) and the page's map categories (lom_song),
// "level.<level>", "area.<area_coverage>", "field.<GeoJSON property>" and "page.<text>".
// Machine-readable output (JSON, GeoJSON and CSV column names) stays in English snake_case;
// labels are for people.
package i18n

import (
	"slices"
	"strings"
)

// Label is one text in both languages.
type Label struct {
	Vi string `json:"vi"`
	En string `json:"en"`
}

// Lang is a language: Vi or En.
type Lang string

// The languages, Vietnamese first.
const (
	Vi Lang = "vi"
	En Lang = "en"
)

// ParseLang reads "vi" or "en" (case-insensitive); ok is false for anything else.
func ParseLang(s string) (Lang, bool) {
	switch strings.ToLower(s) {
	case "vi":
		return Vi, true
	case "en":
		return En, true
	}
	return "", false
}

// In returns the label in lang (Vietnamese for anything but En).
func (l Label) In(lang Lang) string {
	if lang == En {
		return l.En
	}
	return l.Vi
}

// Both returns "Vietnamese / English", or one text when both are the same.
func (l Label) Both() string {
	if l.Vi == l.En {
		return l.Vi
	}
	return l.Vi + " / " + l.En
}

// Lookup returns the label of key; ok is false when the table has none.
func Lookup(key string) (Label, bool) {
	l, ok := labels[key]
	return l, ok
}

// Text returns key's label in lang, or key itself when the table has none (so a missing
// label shows as its key rather than as nothing).
func Text(key string, lang Lang) string {
	if l, ok := labels[key]; ok {
		return l.In(lang)
	}
	return key
}

// Table returns a copy of every label, keyed by name.
func Table() map[string]Label {
	out := make(map[string]Label, len(labels))
	for k, v := range labels {
		out[k] = v
	}
	return out
}

// Keys returns every key, sorted.
func Keys() []string {
	out := make([]string, 0, len(labels))
	for k := range labels {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var labels = map[string]Label{
	// Statuses (geo.Status values) and the page's map categories.
	"status.covered":   {"Đã có sóng", "Covered"},
	"status.dead_zone": {"Trắng sóng (có điện lưới, chưa có sóng)", "Dead zone (grid power, no signal)"},
	"status.not_due":   {"Trắng sóng, chưa quá hạn", "Dead zone, not yet overdue"},
	"status.no_power":  {"Chưa có điện lưới", "No grid power"},
	"status.no_data":   {"Chưa có số liệu", "No data"},
	"status.overdue":   {"Trắng sóng quá hạn", "Overdue dead zone"},
	"status.lom_song":  {"Lõm sóng (một phần khu dân cư chưa có sóng)", "Partly covered (part of the settled area dark)"},

	// Coverage levels (geo.Level values).
	"level.none":    {"Không có sóng", "No signal"},
	"level.voice":   {"Thoại 2G/3G", "Voice 2G/3G"},
	"level.4g":      {"4G", "4G"},
	"level.4g_fast": {"4G đạt tốc độ", "4G at the speed threshold"},

	// Area coverage (area_coverage values).
	"area.full":    {"Phủ toàn bộ", "Fully covered"},
	"area.partial": {"Lõm sóng", "Partly covered"},
	"area.dark":    {"Trắng sóng", "Dark at the centre"},

	// GeoJSON properties and CSV columns.
	"field.village_id":           {"Mã thôn", "Village ID"},
	"field.name":                 {"Tên thôn", "Village"},
	"field.commune_code":         {"Mã xã", "Commune code"},
	"field.commune_name":         {"Xã", "Commune"},
	"field.province_code":        {"Mã tỉnh", "Province code"},
	"field.province_name":        {"Tỉnh", "Province"},
	"field.grid_power":           {"Có điện lưới", "Grid power"},
	"field.baseline":             {"Trong danh sách ban đầu", "On the baseline list"},
	"field.status":               {"Trạng thái", "Status"},
	"field.level":                {"Mức phủ sóng", "Coverage level"},
	"field.overdue":              {"Quá hạn", "Overdue"},
	"field.days_overdue":         {"Số ngày quá hạn", "Days overdue"},
	"field.carriers_with_signal": {"Nhà mạng có sóng", "Carriers with signal"},
	"field.carriers_reported":    {"Nhà mạng đã báo cáo", "Carriers that reported"},
	"field.area_coverage":        {"Phủ sóng khu dân cư", "Area coverage"},
	"field.last_observed_at":     {"Lần quan sát gần nhất", "Last observed"},
	"field.lon":                  {"Kinh độ", "Longitude"},
	"field.lat":                  {"Vĩ độ", "Latitude"},
	"field.deadline":             {"Hạn hoàn thành", "Deadline"},
	"field.households":           {"Số hộ", "Households"},
	"field.found_at":             {"Ngày phát hiện", "Found on"},
	"field.technology":           {"Công nghệ", "Technology"},
	"field.has_signal":           {"Có sóng", "Signal"},
	"field.rsrp_dbm":             {"RSRP (dBm)", "RSRP (dBm)"},
	"field.dl_mbps":              {"Tải xuống (Mbit/s)", "Download (Mbit/s)"},
	"field.observed_at":          {"Thời điểm quan sát", "Observed at"},
	"field.method":               {"Phương pháp", "Method"},
	"field.upload_id":            {"Lần tải lên", "Upload"},
	"field.carrier":              {"Nhà mạng", "Carrier"},
	"field.responsible_carrier":  {"Nhà mạng chịu trách nhiệm", "Responsible carrier"},

	// The status page.
	"page.title":           {"Xóa vùng lõm sóng — tình hình thôn bản", "Mobile dead zones — village status"},
	"page.program":         {"Chương trình", "Program"},
	"page.province":        {"Tỉnh", "Province"},
	"page.status":          {"Trạng thái", "Status"},
	"page.carrier":         {"Nhà mạng đã báo cáo", "Carrier that reported"},
	"page.responsible":     {"Nhà mạng chịu trách nhiệm", "Responsible carrier"},
	"page.unassigned":      {"Chưa giao", "Unassigned"},
	"page.all":             {"Tất cả", "All"},
	"page.as_of":           {"Tính đến ngày", "As of"},
	"page.today":           {"Hôm nay", "Today"},
	"page.progress":        {"Thôn trong danh sách ban đầu đã có sóng", "Baseline villages covered"},
	"page.of":              {"trên", "of"},
	"page.deadline":        {"Hạn hoàn thành", "Deadline"},
	"page.deadline_passed": {"đã quá hạn {n} ngày", "passed {n} days ago"},
	"page.deadline_left":   {"còn {n} ngày", "in {n} days"},
	"page.dead_zones":      {"Thôn trắng sóng", "Dead zones"},
	"page.baseline_left":   {"Thôn ban đầu chưa có sóng", "Baseline villages not covered"},
	"page.found_later":     {"Phát hiện sau danh sách ban đầu", "Found after the baseline"},
	"page.villages":        {"Thôn", "Villages"},
	"page.shown":           {"thôn trên bản đồ", "villages on the map"},
	"page.burndown":        {"Tiến độ theo thời gian", "Burn-down"},
	"page.burndown_note":   {"Điểm hằng ngày từ khi covmon chạy; điểm hằng tháng trước đó được tính lại từ các quan sát đã lưu.", "Daily points since covmon ran; monthly points before that recomputed from the stored observations."},
	"page.forecast":        {"Dự báo hoàn thành", "Completion forecast"},
	"page.forecast_none":   {"API chưa cung cấp dự báo.", "The API does not expose a forecast yet."},
	"page.history":         {"Lịch sử quan sát", "Observation history"},
	"page.provenance":      {"Nguồn (lần tải lên)", "Source (upload)"},
	"page.measured":        {"Đo được", "Measured"},
	"page.no_history":      {"Chưa có quan sát nào.", "No observations yet."},
	"page.close":           {"Đóng", "Close"},
	"page.click_village":   {"Bấm vào một thôn trên bản đồ để xem lịch sử.", "Click a village on the map to see its history."},
	"page.times_note":      {"Giờ Việt Nam (UTC+7)", "Vietnam time (UTC+7)"},
	"page.loading":         {"Đang tải…", "Loading…"},
	"page.error":           {"Lỗi", "Error"},
	"page.demo":            {"DỮ LIỆU MẪU TỔNG HỢP — không phải thôn bản thật, không phải báo cáo thật của nhà mạng", "SYNTHETIC DEMO DATA — not real villages, not real carrier reports"},
	"page.hoang_sa":        {"Quần đảo Hoàng Sa (Việt Nam)", "Hoàng Sa archipelago (Vietnam)"},
	"page.truong_sa":       {"Quần đảo Trường Sa (Việt Nam)", "Trường Sa archipelago (Vietnam)"},
	"page.base_layer":      {"Nền: đất liền Natural Earth (world-atlas 2.0.2)", "Base: Natural Earth land, no online tiles"},
	"page.legend":          {"Chú giải", "Legend"},
	"page.yes":             {"Có", "Yes"},
	"page.no":              {"Không", "No"},
	"page.download_csv":    {"Tải CSV", "Download CSV"},
}
