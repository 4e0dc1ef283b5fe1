package geo

// Validation rule codes, as listed in docs/formats.md. Every Problem carries exactly one of them
// in its Rule field; they are stable and safe to use as metric labels.
const (
	RuleNotJSON           = "not_json"
	RuleNotGeoJSON        = "not_geojson"
	RuleSchema            = "schema"
	RuleCRS               = "crs"
	RuleGeometryType      = "geometry_type"
	RuleGeometryEmpty     = "geometry_empty"
	RulePositionRange     = "position_range"
	RulePositionSwapped   = "position_swapped"
	RulePositionOutside   = "position_outside"
	RuleRingUnclosed      = "ring_unclosed"
	RuleRingShort         = "ring_short"
	RuleFieldMissing      = "field_missing"
	RuleFieldType         = "field_type"
	RuleFieldInvalid      = "field_invalid"
	RuleUnknownCarrier    = "unknown_carrier"
	RuleCarrierMismatch   = "carrier_mismatch"
	RuleUnknownTechnology = "unknown_technology"
	RuleUnknownMethod     = "unknown_method"
	RuleUnknownVillage    = "unknown_village"
	RuleUnknownProgram    = "unknown_program"
	RuleUnknownProvince   = "unknown_province"
	RuleUnknownCommune    = "unknown_commune"
	RuleDuplicateRow      = "duplicate_row"
	RuleTimeUnparsable    = "time_unparsable"
	RuleTimeFuture        = "time_future"
	RuleRSRPRange         = "rsrp_range"
	RuleDLNegative        = "dl_negative"

	// Hardening rules (issue 15): one parsing rule for all formats, time and geometry sanity,
	// bounded text, and the summary that ends a capped report.
	RuleDuplicateKey      = "duplicate_key"
	RuleTimeTooOld        = "time_too_old"
	RuleRingDegenerate    = "ring_degenerate"
	RuleRingSelfIntersect = "ring_self_intersection"
	RuleCenterFar         = "center_far"
	RuleTextTooLong       = "text_too_long"
	RuleTextControl       = "text_control"
	RuleNoFeatures        = "no_features"
	RuleTooManyProblems   = "too_many_problems"

	// RuleSourceRole: a file's declared source role does not match its uploader (a carrier
	// declaring independent measurements, an inspector declaring carrier claims), or an
	// inspector named on a carrier claim (issue 11).
	RuleSourceRole = "source_role"

	// RuleNotResponsible: a plans/v1 feature plans a village the carrier is not responsible
	// for in the program at the time of upload (issue 11).
	RuleNotResponsible = "not_responsible"
)

// Rules lists every validation rule code in the order docs/formats.md documents them.
var Rules = []string{
	RuleNotJSON, RuleNotGeoJSON, RuleSchema, RuleCRS,
	RuleGeometryType, RuleGeometryEmpty, RulePositionRange, RulePositionSwapped, RulePositionOutside,
	RuleRingUnclosed, RuleRingShort,
	RuleFieldMissing, RuleFieldType, RuleFieldInvalid,
	RuleUnknownCarrier, RuleCarrierMismatch, RuleUnknownTechnology, RuleUnknownMethod, RuleUnknownVillage,
	RuleUnknownProgram, RuleUnknownProvince, RuleUnknownCommune, RuleDuplicateRow, RuleTimeUnparsable, RuleTimeFuture, RuleRSRPRange, RuleDLNegative,
	RuleDuplicateKey, RuleTimeTooOld, RuleRingDegenerate, RuleRingSelfIntersect, RuleCenterFar,
	RuleTextTooLong, RuleTextControl, RuleNoFeatures, RuleTooManyProblems,
	RuleSourceRole, RuleNotResponsible,
}
