// Package i18n is covmon's one table of labels for people: Vietnamese first, English beside
// it. The status page reads it as JSON (GET /api/v1/labels); the command line and the exports
// look labels up here too, so a status is named the same way everywhere.
//
// Keys are stable dotted names: "status.<status>" for the statuses of the API (covered,
// dead_zone, no_power, no_data, overdue) and the page's map categories (lom_song),
// "level.<level>", "area.<area_coverage>", "reason.<reason>", "field.<GeoJSON property>",
// "cli.<text>" (covmon status --lang) and "page.<text>".
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
	"status.covered": {"Đã có sóng", "Covered"},
	// The map's category: covered, less the lõm sóng villages (their own category).
	"status.covered_not_lom_song": {"Đã có sóng, không kể lõm sóng", "Covered, not counting partly covered"},
	"status.dead_zone":            {"Trắng sóng (có điện lưới, chưa có sóng)", "Dead zone (grid power, no signal)"},
	"status.not_due":              {"Trắng sóng, chưa quá hạn", "Dead zone, not yet overdue"},
	"status.no_power":             {"Chưa có điện lưới", "No grid power"},
	"status.no_data":              {"Chưa có số liệu", "No data"},
	// The map's category: never reported and not overdue (not yet due, or out of scope).
	"status.no_data_not_due": {"Chưa có số liệu, không quá hạn", "No data, not overdue"},
	"status.overdue":         {"Quá hạn, chưa có sóng", "Overdue, no signal"}, // dead zones and never-reported villages alike
	"status.lom_song":        {"Lõm sóng (một phần khu dân cư chưa có sóng)", "Partly covered (part of the settled area dark)"},

	// Discrepancies (geo.DiscrepancyKind values) and trust rules (geo.Trust values).
	"discrepancy.overstated":  {"Báo có sóng, đo kiểm không có sóng", "Claims signal, measured none"},
	"discrepancy.understated": {"Báo không có sóng, đo kiểm có sóng", "Claims no signal, measured signal"},
	"trust.claims":            {"Tính theo báo cáo của nhà mạng", "Counts carrier claims"},
	"trust.verified":          {"Chỉ tính khi đã được kiểm tra độc lập xác nhận", "Counts claims confirmed by an independent measurement"},

	// Explanations of a status (Explain): %[1]s carrier, %[2]s technology, %[3]s claim date,
	// %[4]s measurement date.
	"explain.covered":                {"có sóng theo báo cáo của %[1]s (%[2]s) ngày %[3]s", "covered per %[1]s claim (%[2]s) %[3]s"},
	"explain.covered_contradicted":   {"có sóng theo báo cáo của %[1]s (%[2]s) ngày %[3]s, bị kiểm tra ngày %[4]s bác bỏ", "covered per %[1]s claim (%[2]s) %[3]s, contradicted by inspection %[4]s"},
	"explain.covered_confirmed":      {"có sóng theo báo cáo của %[1]s (%[2]s) ngày %[3]s, được kiểm tra ngày %[4]s xác nhận", "covered per %[1]s claim (%[2]s) %[3]s, confirmed by inspection %[4]s"},
	"explain.uncounted_contradicted": {"không tính: %[1]s báo có sóng (%[2]s) ngày %[3]s, bị kiểm tra ngày %[4]s bác bỏ", "not counted: %[1]s claims signal (%[2]s) %[3]s, contradicted by inspection %[4]s"},
	"explain.understated":            {"%[1]s báo không có sóng (%[2]s) ngày %[3]s, kiểm tra ngày %[4]s đo được sóng", "%[1]s claims no signal (%[2]s) %[3]s, inspection %[4]s measured signal"},
	"explain.covered_reclaimed":      {"có sóng theo báo cáo của %[1]s (%[2]s) ngày %[3]s, bị kiểm tra ngày %[4]s bác bỏ; đã khai lại ngày %[5]s, chờ kiểm tra lại", "covered per %[1]s claim (%[2]s) %[3]s, contradicted by inspection %[4]s; re-claimed %[5]s, awaiting re-inspection"},
	"explain.uncounted_reclaimed":    {"không tính: %[1]s báo có sóng (%[2]s) ngày %[3]s, bị kiểm tra ngày %[4]s bác bỏ; đã khai lại ngày %[5]s, chờ kiểm tra lại", "not counted: %[1]s claims signal (%[2]s) %[3]s, contradicted by inspection %[4]s; re-claimed %[5]s, awaiting re-inspection"},
	"explain.understated_reclaimed":  {"%[1]s báo không có sóng (%[2]s) ngày %[3]s, kiểm tra ngày %[4]s đo được sóng; đã khai lại ngày %[5]s, chờ kiểm tra lại", "%[1]s claims no signal (%[2]s) %[3]s, inspection %[4]s measured signal; re-claimed %[5]s, awaiting re-inspection"},
	"explain.uncounted_unconfirmed":  {"không tính: %[1]s báo có sóng (%[2]s) ngày %[3]s, chưa có kiểm tra nào từ ngày đó xác nhận", "not counted: %[1]s claims signal (%[2]s) %[3]s, no inspection since confirms it"},

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
	"field.reason":               {"Lý do chưa xong", "Why it is open"},

	// covmon status, table format (--lang vi|en); the *_value, *_title and *_header labels are
	// fmt formats or tab-separated column headers. The English ones print what the command
	// printed before it had --lang.
	"cli.demo":                   {"LƯU Ý: cơ sở dữ liệu này chứa DỮ LIỆU MẪU TỔNG HỢP của covmon seed: không phải thôn bản thật, không phải báo cáo thật của nhà mạng.", "NOTE: this database holds SYNTHETIC DEMO DATA."},
	"cli.program":                {"Chương trình", "Program"},
	"cli.as_of":                  {"Tính đến", "As of"},
	"cli.view_as_known":          {"Số liệu như đã biết lúc đó (xem để kiểm toán): chỉ tính các tệp covmon đã nhận đến thời điểm trên; báo cáo nhận sau, kể cả báo cáo ghi lùi ngày, không được tính.", "As known then (audit view): only the uploads covmon had received by that instant count; reports received later, back-dated ones included, do not."},
	"cli.geography":              {"Tỉnh và xã theo đơn vị hành chính có hiệu lực ngày %s (theo bảng chuyển đổi đơn vị hành chính).", "Provinces and communes as in force on %s (from the crosswalk of administrative units)."},
	"cli.policy_in_force":        {"Tiêu chí sóng đang áp dụng", "Signal policy in force"},
	"cli.policy_current":         {"Tiêu chí sóng (hiện hành, áp dụng cho mọi ngày)", "Signal policy (today's, applied to every date)"},
	"cli.baseline_covered":       {"Thôn ban đầu đã có sóng", "Baseline villages covered"},
	"cli.baseline_covered_value": {"%d trên %d (%.1f%%)", "%d of %d (%.1f%%)"},
	"cli.deadline":               {"Hạn hoàn thành", "Deadline"},
	"cli.deadline_passed_value":  {"%s (đã quá hạn %d ngày)", "%s (passed %d days ago)"},
	"cli.deadline_left_value":    {"%s (còn %d ngày)", "%s (in %d days)"},
	"cli.forecast":               {"Dự báo hoàn thành (cả nước)", "Completion forecast"},
	"cli.forecast_late":          {"sau hạn", "after the deadline"},
	"cli.forecast_never":         {"không bao giờ với tốc độ hiện tại", "never at this pace"},
	"cli.forecast_done":          {"đã hết thôn chưa xong", "no open village left"},
	"cli.forecast_insufficient":  {"chưa đủ số liệu theo tuần", "not enough weekly history"},
	"cli.forecast_as_known":      {"[như đã biết lúc đó: mỗi số liệu tuần chỉ tính các tệp đã nhận đến tuần đó; %d/%d tuần có số liệu]", "[as known then: each weekly count only from the uploads received by its week; %d of %d weeks known]"},
	"cli.forecast_late_reports":  {"Báo cáo nhận sau tuần mà chúng mô tả: theo số liệu hiện tại, %d/%d số liệu tuần khác đi (dự báo theo số liệu hiện tại: %s); báo cáo của nhà mạng: %s; đo kiểm độc lập: %d", "Reports received after the week they describe: the current view counts %d of the %d weekly points otherwise (its forecast: %s); carrier claims: %s; independent measurements: %d"},
	"cli.forecast_late_none":     {"không có", "none"},
	"cli.forecast_trend":         {"(xu hướng Theil–Sen của %d số liệu tuần: còn %d thôn chưa xong, kể cả thôn chưa từng báo cáo, %+.1f thôn/tuần)", "(Theil–Sen trend of %d weekly counts: %d open villages left nationwide, never-reported included, %+.1f villages/week)"},
	"cli.dead_zones":             {"Thôn trắng sóng (có điện)", "Dead zones (powered, dark)"},
	"cli.open":                   {"Chưa xong (trong phạm vi, chưa có sóng)", "Open (in scope, no signal)"},
	"cli.open_value":             {"%d, trong đó quá hạn: %d (chưa từng báo cáo %d, chưa có sóng %d, trung tâm chưa có sóng theo vùng phủ %d)", "%d, of which overdue: %d (never reported %d, no signal %d, dark centre by coverage areas %d)"},
	"cli.trang_lom":              {"Trắng / lõm sóng", "Trắng / lõm sóng"},
	"cli.trang_lom_value":        {"%d không có sóng ở trung tâm, %d có sóng ở trung tâm nhưng một phần khu dân cư chưa có", "%d dark at the centre, %d covered at the centre with part of the area dark"},
	"cli.no_power":               {"Chưa có điện lưới, chưa có sóng", "No grid power, no signal"},
	"cli.no_data":                {"Chưa có số liệu (chưa từng báo cáo)", "No data (never reported)"},
	"cli.found_later":            {"Phát hiện sau danh sách ban đầu", "Found after the baseline"},
	"cli.not_spots":              {"Không nhà mạng nào có sóng", "Total not-spots"},
	"cli.not_spots_value":        {"%d (có điện, đã báo cáo, không nhà mạng nào có sóng)", "%d (powered, reported, no carrier with signal)"},
	"cli.with_signal":            {"Thôn có điện theo số nhà mạng có sóng: %s (chưa từng báo cáo, tính vào 0: %d)", "Powered villages by carriers with signal: %s (never reported, in 0: %d)"},
	"cli.villages":               {"Tổng số thôn theo dõi", "All villages tracked"},
	"cli.villages_value":         {"%d (%d đã có sóng)", "%d (%d covered)"},
	"cli.trust":                  {"Quy tắc tin cậy", "Trust rule"},
	"cli.trust.claims":           {"claims (tính theo báo cáo mới nhất của nhà mạng; đo kiểm độc lập chỉ đánh dấu chênh lệch)", "claims (a carrier's latest claim counts; independent measurements flag discrepancies)"},
	"cli.trust.verified":         {"verified (báo cáo có sóng chỉ được tính khi một lần đo kiểm độc lập từ ngày báo cáo trở đi xác nhận)", "verified (a carrier's claim of signal counts once an independent measurement at or after it confirms it)"},
	"cli.open_verified_value":    {", báo cáo bị bác bỏ %d, báo cáo chưa được xác nhận %d", ", claim contradicted %d, claim unconfirmed %d"},
	"cli.discrepancies":          {"Chênh lệch báo cáo / đo kiểm độc lập: %d thôn; theo nhà mạng: %s", "Discrepancies (claim vs independent measurement): %d village(s); per carrier: %s"},
	"cli.discrepancy_kinds":      {" (%d báo có sóng nhưng đo không có, %d báo không có nhưng đo có)", " (%d overstated, %d understated)"},
	"cli.discrepancy_reclaimed":  {" (%d báo có sóng nhưng đo không có, %d báo không có nhưng đo có; %d đã khai lại sau kiểm tra, chờ kiểm tra lại)", " (%d overstated, %d understated; %d re-claimed since the inspection, awaiting re-inspection)"},
	"cli.discrepancy_title":      {"Chênh lệch (lần đo kiểm độc lập mới nhất so với báo cáo của nhà mạng có hiệu lực lúc đo, nhà mạng chưa thừa nhận):", "Discrepancies (the latest independent measurement against the carrier's claim in force when measured, not since conceded):"},
	"cli.discrepancy_header":     {"MÃ THÔN\tTÊN\tTRẠNG THÁI\tNHÀ MẠNG\tCÔNG NGHỆ\tLOẠI\tBÁO CÁO\tTỆP BÁO CÁO\tĐO KIỂM\tTỆP ĐO KIỂM\tĐƠN VỊ ĐO\tGIẢI THÍCH", "VILLAGE\tNAME\tSTATUS\tCARRIER\tTECH\tKIND\tCLAIM\tCLAIM_UPLOAD\tMEASURED\tMEASURED_UPLOAD\tINSPECTOR\tWHY"},
	"cli.province_header":        {"MÃ TỈNH\tTỈNH\tSỐ THÔN\tCÓ SÓNG\tLÕM SÓNG\tTRẮNG SÓNG\tQUÁ HẠN\tCHƯA CÓ ĐIỆN\tCHƯA CÓ SỐ LIỆU\t", "PROVINCE\tNAME\tVILLAGES\tCOVERED\tLOM_SONG\tDEAD_ZONE\tOVERDUE\tNO_POWER\tNO_DATA\t"},
	"cli.responsible_title":      {"Theo nhà mạng chịu trách nhiệm (mỗi thôn tính một lần; cộng các dòng bằng tổng):", "Per responsible carrier (each village counted once; rows add up to the totals):"},
	"cli.responsible_header":     {"NHÀ MẠNG\tSỐ THÔN\tCÓ SÓNG\tCHƯA XONG\tQUÁ HẠN\tCHƯA TỪNG BÁO CÁO\tCHƯA CÓ SÓNG\tTRUNG TÂM CHƯA CÓ SÓNG THEO VÙNG PHỦ\tCHẬM KẾ HOẠCH\t", "CARRIER\tVILLAGES\tCOVERED\tOPEN\tOVERDUE\tNEVER_REPORTED\tNO_SIGNAL\tDARK_CENTRE\tLATE_VS_PLAN\t"},
	"cli.total":                  {"tổng", "total"},
	"cli.lifecycle":              {"Bước triển khai (trong phạm vi)", "Lifecycle (in scope)"},
	"cli.late":                   {"Chậm so với kế hoạch của nhà mạng", "Late against own plan"},
	"cli.late_value":             {"%d (đã qua ngày phát sóng dự kiến, chưa có sóng)", "%d (target on-air date passed, no signal)"},
	"cli.village_header":         {"MÃ THÔN\tTÊN\tXÃ\tTỈNH\tTRẠNG THÁI\tKHU DÂN CƯ\tSỐ NGÀY QUÁ HẠN\tCHỊU TRÁCH NHIỆM\tBƯỚC\tTỪ NGÀY\tSỐ NGÀY CHẬM\tNHÀ MẠNG ĐÃ BÁO CÁO\tQUAN SÁT GẦN NHẤT", "VILLAGE\tNAME\tCOMMUNE\tPROVINCE\tSTATUS\tAREA\tDAYS_OVERDUE\tRESPONSIBLE\tSTEP\tSTEP_SINCE\tDAYS_LATE\tCARRIERS_REPORTED\tLAST_OBSERVED"},
	"cli.worklist_value":         {"Chịu trách nhiệm: %s — %d thôn chưa xong, %d quá hạn", "Responsible: %s — %d open village(s), %d overdue"},
	"cli.worklist_header":        {"HẠN\tSỐ NGÀY QUÁ HẠN\tMÃ THÔN\tTÊN\tXÃ\tTỈNH\tTRẠNG THÁI\tLÝ DO\tCĂN CỨ HẠN\tBƯỚC\tTRẠM\tNGÀY PHÁT SÓNG DỰ KIẾN\tSỐ NGÀY CHẬM", "DEADLINE\tDAYS_OVERDUE\tVILLAGE\tNAME\tCOMMUNE\tPROVINCE\tSTATUS\tREASON\tBASIS\tSTEP\tSITE\tTARGET_ON_AIR\tDAYS_LATE"},
	"cli.status.covered":         {"có sóng", "covered"},
	"cli.status.dead_zone":       {"trắng sóng", "dead_zone"},
	"cli.status.no_power":        {"chưa có điện", "no_power"},
	"cli.status.no_data":         {"chưa có số liệu", "no_data"},
	"cli.reason.never_reported":  {"chưa từng báo cáo", "never_reported"},
	"cli.reason.no_signal":       {"chưa có sóng", "no_signal"},
	"cli.reason.dark_centre":     {"trung tâm chưa có sóng theo vùng phủ", "dark_centre"},
	"cli.reason.contradicted":    {"bị kiểm tra bác bỏ", "contradicted"},
	"cli.reason.unconfirmed":     {"chưa được xác nhận", "unconfirmed"},

	// Where a village's deadline comes from (geo.DeadlineBasis), in the work list.
	"cli.basis.village_override":  {"hạn riêng của thôn", "village_override"},
	"cli.basis.registry":          {"hạn theo danh mục thôn", "registry"},
	"cli.basis.registry_legacy":   {"hạn theo danh mục thôn (trường cũ)", "registry_legacy"},
	"cli.basis.province_override": {"hạn riêng của tỉnh", "province_override"},
	"cli.basis.late_entry":        {"vào phạm vi muộn", "late_entry"},
	"cli.basis.program":           {"hạn chương trình", "program"},

	// covmon alerts, table format (--lang vi|en, as covmon status). The alert names and keys
	// stay identifiers. In English the SUMMARY column is the alert's own summary annotation
	// (what Alertmanager and the webhooks receive, written by alerts/evaluate.go); in
	// Vietnamese it is said again from the alert's labels and annotations with the
	// cli.alert.<kind> formats below (their English is the annotation's wording).
	"cli.alerts_header":      {"CẢNH BÁO\tMỨC ĐỘ\tTỪ LÚC\tKHÓA\tTÓM TẮT", "ALERT\tSEVERITY\tSINCE\tKEY\tSUMMARY"},
	"cli.alerts_count":       {"%d cảnh báo đang bật", "%d active alert(s)"},
	"cli.alerts_as_of":       {"Tính đến lần đánh giá gần nhất của covmon serve, %s (UTC+7).", "As of covmon serve's last evaluation, %s (UTC+7)."},
	"cli.alerts_undelivered": {"chưa gửi được tới %s: %d", "undelivered to %s: %d"},
	"cli.severity.critical":  {"nghiêm trọng", "critical"},
	"cli.severity.warning":   {"cần chú ý", "warning"},
	// The parts of a summary: where (a province without a name in the registry, the whole
	// country), who (the responsible carrier, or chưa giao), who sent a rejected file, how
	// long before a deadline.
	"cli.alert.province":       {"tỉnh %s", "province %s"},
	"cli.alert.nationwide":     {"cả nước", "nationwide"},
	"cli.alert.responsible":    {"nhà mạng chịu trách nhiệm: %s", "responsible carrier %s"},
	"cli.alert.inspector":      {"đơn vị đo kiểm", "an inspector"},
	"cli.alert.inspector_of":   {"đơn vị đo kiểm (đo kiểm %s)", "an inspector (measurements of %s)"},
	"cli.alert.registry":       {"bên gửi danh mục thôn (registry)", "registry"},
	"cli.alert.days":           {"%d ngày", "%d days"},
	"cli.alert.hours":          {"%d giờ", "%d hours"},
	"cli.alert.overdue":        {"%[1]s thôn ở %[2]s vẫn chưa có sóng sau hạn của chương trình %[3]s (%[4]s)", "%[1]s village(s) in %[2]s still without signal past their %[3]s deadline (%[4]s)"},
	"cli.alert.regression":     {"%[1]s thôn ở %[2]s từng có sóng nay lại chưa có sóng (%[3]s, %[4]s)", "%[1]s village(s) in %[2]s had signal before and are dark again (%[3]s, %[4]s)"},
	"cli.alert.reminder":       {"Hạn của chương trình %[1]s còn %[2]s: %[3]s thôn đến hạn vẫn chưa có sóng đạt chuẩn, trong đó %[4]s thôn chưa từng báo cáo", "%[1]s deadline in %[2]s: %[3]s village(s) due by then still without signal that counts, %[4]s of them never reported"},
	"cli.alert.reminder_later": {" (thêm %s thôn chưa có sóng có hạn riêng muộn hơn)", " (%s more without signal have a later deadline of their own)"},
	"cli.alert.forecast_miss":  {"%[1]s sẽ không kịp hạn %[2]s ở %[3]s: còn %[4]s thôn chưa có sóng đạt chuẩn, trong đó %[5]s thôn chưa từng báo cáo; dự báo về 0: %[6]s", "%[1]s will miss the %[2]s deadline %[3]s: %[4]s village(s) without signal that counts left, %[5]s of them never reported; projected zero %[6]s"},
	"cli.alert.stale":          {"Không có báo cáo mới của %[1]s trong %[2]d ngày: báo cáo mới nhất là của ngày %[3]s", "No new report from %[1]s for %[2]d days: its newest report is of %[3]s"},
	"cli.alert.stale_never":    {"Chưa có báo cáo nào của %s", "No report from %s on record"},
	"cli.alert.rejected":       {"Lần tải lên %[1]s (%[2]s) của %[3]s bị từ chối: %[4]s lỗi", "Upload %[1]s (%[2]s) from %[3]s was rejected: %[4]s problem(s)"},
	"cli.alert.plan_late":      {"%[1]s thôn của %[2]s trong %[3]s chậm so với kế hoạch của chính nhà mạng (đã qua ngày phát sóng dự kiến, chưa có sóng)", "%[1]s village(s) of %[2]s in %[3]s late against the carrier's own plan (target on-air date passed, no signal)"},
	"cli.alert.contradicted":   {"%[1]s báo có sóng ở %[2]s thôn của %[3]s nhưng lần đo kiểm độc lập sau đó không đo được sóng", "%[1]s claims signal in %[2]s village(s) of %[3]s where a newer independent measurement found none"},

	// Why an open village is open (geo.Reason values), for people.
	"reason.never_reported": {"Chưa nhà mạng nào báo cáo về thôn này", "No carrier has ever reported on this village"},
	"reason.no_signal":      {"Đã có báo cáo nhưng chưa có sóng đạt chuẩn", "Reported, but no signal that counts"},
	"reason.dark_centre":    {"Trung tâm thôn chưa có sóng (theo vùng phủ sóng)", "Dark at the village centre (coverage areas)"},
	"reason.contradicted":   {"Nhà mạng báo có sóng nhưng kiểm tra độc lập sau đó không đo được sóng", "The carrier claims signal; a newer independent measurement found none"},
	"reason.unconfirmed":    {"Nhà mạng báo có sóng nhưng chưa có kiểm tra độc lập nào xác nhận", "The carrier claims signal; no independent measurement confirms it yet"},

	"field.lifecycle_step": {"Bước triển khai", "Lifecycle step"},
	"field.plan":           {"Kế hoạch (trạm, ngày phát sóng dự kiến)", "Plan (site, target on-air date)"},
	"field.days_late":      {"Số ngày chậm so với kế hoạch", "Days late against the plan"},

	// Lifecycle steps (docs/figures.md#lifecycle); the Vietnamese is geo.StepLabel's.
	"step.flagged":  {"Trong danh sách", "Flagged"},
	"step.assigned": {"Đã giao", "Assigned"},
	"step.planned":  {"Có kế hoạch", "Planned"},
	"step.built":    {"Đã xây trạm", "Built"},
	"step.on_air":   {"Đã phát sóng", "On air"},
	"step.verified": {"Đã kiểm chứng", "Verified"},

	// The status page.
	"page.title":                  {"Xóa vùng lõm sóng — tình hình thôn bản", "Mobile dead zones — village status"},
	"page.program":                {"Chương trình", "Program"},
	"page.province":               {"Tỉnh", "Province"},
	"page.status":                 {"Trạng thái", "Status"},
	"page.carrier":                {"Nhà mạng đã báo cáo", "Carrier that reported"},
	"page.responsible":            {"Nhà mạng chịu trách nhiệm", "Responsible carrier"},
	"page.step":                   {"Bước trong vòng đời", "Lifecycle step"},
	"page.unassigned":             {"Chưa giao", "Unassigned"},
	"page.all":                    {"Tất cả", "All"},
	"page.as_of":                  {"Tính đến ngày", "As of"},
	"page.today":                  {"Hôm nay", "Today"},
	"page.as_known":               {"Như đã biết lúc đó (kiểm toán)", "As known then (audit)"},
	"page.view_as_known":          {"Số liệu như đã biết lúc đó: chỉ tính các tệp covmon đã nhận đến thời điểm trên; báo cáo nhận sau, kể cả báo cáo ghi lùi ngày, không được tính", "As known then: only the uploads covmon had received by that instant count; reports received later, back-dated ones included, do not"},
	"page.progress":               {"Thôn trong danh sách ban đầu đã có sóng", "Baseline villages covered"},
	"page.of":                     {"trên", "of"},
	"page.deadline":               {"Hạn hoàn thành", "Deadline"},
	"page.deadline_passed":        {"đã quá hạn {n} ngày", "passed {n} days ago"},
	"page.deadline_left":          {"còn {n} ngày", "in {n} days"},
	"page.dead_zones":             {"Thôn trắng sóng", "Dead zones"},
	"page.baseline_left":          {"Thôn ban đầu chưa có sóng", "Baseline villages not covered"},
	"page.trust":                  {"Quy tắc tin cậy", "Trust rule"},
	"page.discrepancies":          {"Chênh lệch báo cáo / đo kiểm độc lập", "Claim vs inspection discrepancies"},
	"page.found_later":            {"Phát hiện sau danh sách ban đầu", "Found after the baseline"},
	"page.villages":               {"Thôn", "Villages"},
	"page.shown":                  {"thôn trên bản đồ", "villages on the map"},
	"page.burndown":               {"Tiến độ theo thời gian", "Burn-down"},
	"page.burndown_note":          {"Điểm hằng ngày từ khi covmon chạy: số liệu đã ghi lại lúc đó (như đã biết lúc đó). Điểm hằng tháng trước đó (nét đứt): tính lại sau từ các quan sát lưu hiện nay, có thể khác số liệu đã biết lúc đó.", "Daily points since covmon ran: the figures recorded then (as known then). Monthly points before that (dashed): recomputed later from the observations stored now, which can differ from what was known then."},
	"page.forecast":               {"Dự báo hoàn thành", "Completion forecast"},
	"page.forecast_none":          {"Dự báo chỉ có cho hôm nay, không cho ngày đã chọn.", "The forecast is for today only, not for a chosen date."},
	"page.forecast_late":          {"sau hạn", "after the deadline"},
	"page.forecast_never":         {"Không bao giờ với tốc độ hiện tại", "Never at this pace"},
	"page.forecast_done":          {"Đã hết thôn chưa xong", "No open village left"},
	"page.forecast_insufficient":  {"Chưa đủ số liệu theo tuần", "Not enough weekly history"},
	"page.forecast_not_evaluated": {"covmon chưa tính dự báo (vừa khởi động)", "Not computed yet (covmon just started)"},
	"page.forecast_as_known":      {"Như đã biết lúc đó: mỗi số liệu tuần chỉ tính các tệp đã nhận đến tuần đó ({n}/{weeks} tuần có số liệu); báo cáo nhận sau, kể cả ghi lùi ngày, không làm thay đổi.", "As known then: each weekly count only from the uploads received by its week ({n} of {weeks} weeks known); reports received later, back-dated ones included, do not move it."},
	"page.forecast_method":        {"Xu hướng Theil–Sen của {n} số liệu tuần, cả nước: còn {left} thôn chưa xong (trong phạm vi, chưa có sóng, kể cả thôn chưa từng báo cáo), {slope} thôn/tuần.", "Theil–Sen trend of {n} weekly counts, nationwide: {left} open villages left (in scope, no signal, never-reported included), {slope} villages/week."},
	"page.history":                {"Lịch sử quan sát", "Observation history"},
	"page.provenance":             {"Nguồn (lần tải lên · ngày nhận)", "Source (upload · received)"},
	"page.measured":               {"Đo được", "Measured"},
	"page.no_history":             {"Chưa có quan sát nào.", "No observations yet."},
	"page.close":                  {"Đóng", "Close"},
	"page.click_village":          {"Bấm vào một thôn trên bản đồ để xem lịch sử.", "Click a village on the map to see its history."},
	"page.times_note":             {"Giờ Việt Nam (UTC+7)", "Vietnam time (UTC+7)"},
	"page.pending":                {"Đang chờ tính lại: số liệu trên tính đến {as_of}, chưa gồm các báo cáo nhận từ {since}; covmon sẽ tính lại toàn bộ chậm nhất lúc {due}", "Recomputation owed: these figures are as of {as_of} and do not yet count the reports taken up since {since}; covmon recomputes them all by {due}"},
	"page.pending_map":            {"Bản đồ được tính lúc tải trang ({at}) và tệp CSV lúc tải về, từ mọi báo cáo đã lưu", "The map is evaluated when the page loaded ({at}) and the CSV when downloaded, from every stored report"},
	"page.loading":                {"Đang tải…", "Loading…"},
	"page.error":                  {"Lỗi", "Error"},
	"page.demo":                   {"DỮ LIỆU MẪU TỔNG HỢP — không phải thôn bản thật, không phải báo cáo thật của nhà mạng", "SYNTHETIC DEMO DATA — not real villages, not real carrier reports"},
	"page.hoang_sa":               {"Quần đảo Hoàng Sa (Việt Nam)", "Hoàng Sa archipelago (Vietnam)"},
	"page.truong_sa":              {"Quần đảo Trường Sa (Việt Nam)", "Trường Sa archipelago (Vietnam)"},
	"page.base_layer":             {"Nền: đất liền Natural Earth (world-atlas 2.0.2)", "Base: Natural Earth land, no online tiles"},
	"page.legend":                 {"Chú giải", "Legend"},
	"page.yes":                    {"Có", "Yes"},
	"page.no":                     {"Không", "No"},
	"page.download_csv":           {"Tải CSV", "Download CSV"},
}
