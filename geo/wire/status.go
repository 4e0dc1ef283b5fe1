package wire

import (
	"math"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/covmon/covmon/geo"
)

// DemoNotice is shown wherever the synthetic seed data is.
const DemoNotice = "SYNTHETIC DEMO DATA from covmon seed: not real villages, not real carrier reports"

// Counts is geo.Counts in JSON form.
type Counts struct {
	Villages        int `json:"villages"`
	Baseline        int `json:"baseline"`
	BaselineCovered int `json:"baseline_covered"`
	FoundLater      int `json:"found_later"`
	Covered         int `json:"covered"`
	DeadZone        int `json:"dead_zone"`
	NoPower         int `json:"no_power"`
	NoData          int `json:"no_data"`
	// Open is the in-scope villages without signal that counts, reported or not; Overdue those
	// past their own deadline, split by reason in OverdueByReason.
	Open            int            `json:"open"`
	Overdue         int            `json:"overdue"`
	OverdueByReason map[string]int `json:"overdue_by_reason"`
	// TotalNotSpot is the powered villages reported by carriers, none with signal that counts.
	TotalNotSpot int `json:"total_not_spot"`
	// WithSignal[k] is the powered in-scope villages with signal from exactly k carriers;
	// never-reported ones are in WithSignal[0] and also in PoweredNoData.
	WithSignal    []int `json:"with_signal"`
	PoweredNoData int   `json:"powered_no_data"`
	// PartialArea counts lõm sóng villages: covered at the centre, part of the settled area
	// dark (from coverage-area uploads). DeadZone villages are trắng sóng.
	PartialArea int `json:"partial_area"`
	// Lifecycle counts the in-scope villages per lifecycle step (flagged, assigned, planned,
	// built, on_air, verified); LateAgainstPlan the open villages late against their
	// responsible carrier's own plan; TargetSlips the villages whose responsible carrier moved
	// a target on-air date after it had passed (docs/figures.md#lifecycle).
	Lifecycle       map[string]int `json:"lifecycle"`
	LateAgainstPlan int            `json:"late_against_plan"`
	TargetSlips     int            `json:"target_slips"`
	// Discrepancies counts the villages with a carrier's claim contradicted by a newer
	// independent measurement (either way), covered or not.
	Discrepancies int `json:"discrepancies"`
}

// NewCounts converts c.
func NewCounts(c geo.Counts) Counts {
	ws := c.WithSignal
	if ws == nil {
		ws = []int{}
	}
	return Counts{c.Villages, c.Baseline, c.BaselineCovered, c.FoundLater, c.Covered, c.DeadZone, c.NoPower, c.NoData,
		c.Open, c.Overdue, map[string]int{
			string(geo.ReasonNeverReported): c.OverdueNeverReported,
			string(geo.ReasonNoSignal):      c.OverdueNoSignal,
			string(geo.ReasonDarkCentre):    c.OverdueDarkCentre,
			string(geo.ReasonContradicted):  c.OverdueContradicted,
			string(geo.ReasonUnconfirmed):   c.OverdueUnconfirmed,
		}, c.TotalNotSpot, ws, c.PoweredNoData, c.PartialArea, stepCounts(c.Steps), c.Late, c.TargetSlips, c.Discrepancies}
}

func stepCounts(n [geo.NumSteps]int) map[string]int {
	out := make(map[string]int, len(n))
	for i, s := range geo.Steps {
		out[string(s)] = n[i]
	}
	return out
}

// Responsible is the figures of the villages one carrier is responsible for; Carrier is
// "unassigned" (label "chưa giao") for the villages no carrier is.
type Responsible struct {
	Carrier string `json:"carrier"`
	Label   string `json:"label,omitempty"`
	Counts
}

// NewResponsible converts rs.
func NewResponsible(rs []geo.ResponsibleCounts) []Responsible {
	out := make([]Responsible, 0, len(rs))
	for _, r := range rs {
		x := Responsible{Carrier: r.Carrier, Counts: NewCounts(r.Counts)}
		if r.Carrier == geo.Unassigned {
			x.Label = geo.UnassignedLabel
		}
		out = append(out, x)
	}
	return out
}

// Province is one province's counts.
type Province struct {
	Code string `json:"province_code"`
	Name string `json:"province_name"`
	Counts
}

// Program describes a program.
type Program struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Deadline time.Time `json:"deadline"`
}

// Summary is the headline figures.
type Summary struct {
	Notice string    `json:"notice,omitempty"`
	AsOf   time.Time `json:"as_of"`
	// View is what the figures count: ViewCurrent (every upload stored now, each observation
	// from the instant it describes) or ViewAsKnown (only the uploads received by as_of: the
	// figures as they stood then; docs/figures.md, "As known then").
	View string `json:"view"`
	// Geography, when set, is the date whose administrative units the provinces are (a report
	// under a past geography, e.g. the 63 provinces before 2025-07-01); empty: today's units.
	Geography string     `json:"geography,omitempty"`
	Program   Program    `json:"program"`
	Policy    Policy     `json:"policy"`
	National  Counts     `json:"national"`
	Provinces []Province `json:"provinces"`
	// Responsible splits the figures by responsible carrier (rows add up to national).
	Responsible []Responsible `json:"responsible"`
	// Forecast is the program's completion forecast (nationwide, whatever the province);
	// absent from a summary as of a past date.
	Forecast *Forecast `json:"forecast,omitempty"`
	// Trust is the rule the figures count claims under: "claims" (a carrier's claim of signal
	// counts) or "verified" (only once an independent measurement confirms it).
	Trust string `json:"trust"`
	// Discrepancies counts, per carrier whose claim it is, the villages where a newer
	// independent measurement contradicts its latest claim.
	Discrepancies []DiscrepancyCount `json:"discrepancies"`
	// ComputedAt, in a summary of now (the snapshot's), is when its figures were last
	// updated; Pending, that uploads taken up since Pending.Since are not all counted yet: a
	// whole computation, due to start by Pending.Due, counts them (docs/figures.md, "When the
	// figures are computed"). Both absent from a summary evaluated at request time.
	ComputedAt *time.Time `json:"computed_at,omitempty"`
	Pending    *Pending   `json:"pending,omitempty"`
}

// Pending says that a whole computation of the figures is owed to uploads they do not count.
type Pending struct {
	Since time.Time `json:"since"`
	Due   time.Time `json:"due"`
}

// SnapshotTimes sets a summary of the snapshot s's computed_at and pending.
func (out *Summary) SnapshotTimes(s *geo.Snapshot) {
	at := VN(s.ComputedAt)
	out.ComputedAt = &at
	if !s.PendingSince.IsZero() {
		out.Pending = &Pending{Since: VN(s.PendingSince), Due: VN(s.PendingDue)}
	}
}

// Policy is the signal policy a summary's figures were computed under. Basis is "in_force"
// (the program's policy in force at as_of) or "current" (today's policy applied to every
// date, on request); Effective is when the policy took effect (absent: from the beginning);
// Text says it in words.
type Policy struct {
	MinTechnology string     `json:"min_technology"`
	MinRSRPdBm    float64    `json:"min_rsrp_dbm"`
	FastDLMbps    float64    `json:"fast_dl_mbps"`
	Effective     *time.Time `json:"effective,omitempty"`
	Basis         string     `json:"basis"`
	Text          string     `json:"text"`
}

// NewPolicy describes the policy of summary s.
func NewPolicy(s geo.Summary) Policy {
	v := s.Policy
	out := Policy{MinTechnology: v.MinTechnology.String(), MinRSRPdBm: v.MinRSRPdBm, FastDLMbps: v.FastDLMbps, Basis: "in_force", Text: v.String()}
	if !v.Effective.IsZero() {
		out.Effective = opt(v.Effective)
	}
	if s.Program != nil && s.Program.PolicyRecomputed {
		out.Basis = "current"
		out.Text = "today's policy applied to every date: " + out.Text
	}
	return out
}

// NewSummary converts s; demo adds the synthetic-data notice.
func NewSummary(s geo.Summary, demo bool) Summary {
	out := Summary{AsOf: VN(s.AsOf), View: ViewCurrent, National: NewCounts(s.National), Provinces: make([]Province, 0, len(s.Provinces)),
		Responsible: NewResponsible(s.Responsible), Trust: string(s.Trust), Discrepancies: NewDiscrepancyCounts(s.Discrepancies)}
	if out.Trust == "" {
		out.Trust = string(geo.TrustClaims)
	}
	if s.Program != nil {
		out.Program = NewProgram(s.Program)
	}
	out.Policy = NewPolicy(s)
	if demo {
		out.Notice = DemoNotice
	}
	for _, p := range s.Provinces {
		out.Provinces = append(out.Provinces, Province{p.ProvinceCode, p.ProvinceName, NewCounts(p.Counts)})
	}
	return out
}

// The views a summary's figures are in (Summary.View).
const (
	ViewCurrent = "current"  // every upload stored now, by the instant each observation describes
	ViewAsKnown = "as_known" // only the uploads received by as_of: the audit view
)

// SetView marks collection fc as read in the audit view (member "view": "as_known", and a
// view column in its CSV) when asKnown; the current view adds nothing.
func SetView(fc *geojson.FeatureCollection, asKnown bool) {
	if asKnown {
		fc.ExtraMembers["view"] = ViewAsKnown
	}
}

// ViewOf is the view of figures read with the audit view on (asKnown) or off.
func ViewOf(asKnown bool) string {
	if asKnown {
		return ViewAsKnown
	}
	return ViewCurrent
}

// Village is a village with its status.
type Village struct {
	ID                 string     `json:"village_id"`
	Name               string     `json:"name"`
	CommuneCode        string     `json:"commune_code"`
	CommuneName        string     `json:"commune_name,omitempty"`
	ProvinceCode       string     `json:"province_code"`
	ProvinceName       string     `json:"province_name,omitempty"`
	Lon                float64    `json:"lon"`
	Lat                float64    `json:"lat"`
	GridPower          bool       `json:"grid_power"`
	Households         int        `json:"households,omitempty"`
	Baseline           bool       `json:"baseline"`
	FoundAt            *time.Time `json:"found_at,omitempty"`
	Status             geo.Status `json:"status"`
	Level              string     `json:"level"`
	CarriersWithSignal []string   `json:"carriers_with_signal"`
	CarriersReported   []string   `json:"carriers_reported"`
	// AreaCoverage is "full" (an area assessment covers the whole settled area), "partial"
	// (lõm sóng: centre covered, part of the settled area dark), "unknown" (covered at the
	// centre, no area assessment) or "dark" (trắng sóng: no signal that counts at the centre);
	// absent for no_data.
	AreaCoverage   string     `json:"area_coverage,omitempty"`
	LastObservedAt *time.Time `json:"last_observed_at,omitempty"`
	// Deadline is the village's own deadline in the program, DeadlineBasis where it comes
	// from (program, late_entry, province_override, registry, registry_legacy, village_override).
	Deadline      *time.Time `json:"deadline,omitempty"`
	DeadlineBasis string     `json:"deadline_basis,omitempty"`
	// InScope: in the program's scope now; Open: in scope without signal that counts, with
	// the Reason (never_reported, no_signal, dark_centre).
	InScope     bool   `json:"in_scope"`
	Open        bool   `json:"open"`
	Reason      string `json:"reason,omitempty"`
	Overdue     bool   `json:"overdue"`
	DaysOverdue int    `json:"days_overdue,omitempty"`
	// ResponsibleCarrier is the carrier assigned to the village, or "unassigned".
	ResponsibleCarrier string `json:"responsible_carrier"`
	// Lifecycle is the village's step in the program with its evidence; absent out of scope.
	Lifecycle *Lifecycle `json:"lifecycle,omitempty"`
	// Discrepancies lists the carrier claims a newer independent measurement contradicts,
	// with both sides (absent when none); Explanation what the status rests on when an
	// independent measurement bears on it or only verified claims count (absent otherwise).
	Discrepancies []Discrepancy `json:"discrepancies,omitempty"`
	Explanation   *Explanation  `json:"explanation,omitempty"`
}

// Lifecycle is a village's lifecycle step (docs/figures.md#lifecycle): Step and its Vietnamese
// Label, the date (Since) and upload (UploadID) of its evidence, the responsible carrier's plan
// that counts, and whether the village is late against it (DaysLate whole days).
type Lifecycle struct {
	Step     string     `json:"step"`
	Label    string     `json:"label"`
	Since    *time.Time `json:"since,omitempty"`
	UploadID int64      `json:"upload_id,omitempty"`
	Plan     *Plan      `json:"plan,omitempty"`
	Late     bool       `json:"late"`
	DaysLate int        `json:"days_late,omitempty"`
	// MissedTarget (YYYY-MM-DD) is a target of the carrier's that passed before a later plan
	// moved it; Late and DaysLate count from it (docs/figures.md#lifecycle).
	MissedTarget string `json:"missed_target_on_air,omitempty"`
}

// Plan is a carrier's plan for a village (plans/v1): TargetOnAir is a date (YYYY-MM-DD).
type Plan struct {
	Carrier     string     `json:"carrier"`
	SiteID      string     `json:"site_id"`
	TargetOnAir string     `json:"target_on_air"`
	Progress    string     `json:"progress"`
	PlannedAt   time.Time  `json:"planned_at"`
	BuiltAt     *time.Time `json:"built_at,omitempty"`
	OnAirAt     *time.Time `json:"on_air_at,omitempty"`
	UploadID    int64      `json:"upload_id"`
	ReceivedAt  time.Time  `json:"received_at"`
}

// NewLifecycle converts lc; nil for the zero Lifecycle (no step).
func NewLifecycle(lc *geo.Lifecycle) *Lifecycle {
	if lc.Step == "" {
		return nil
	}
	out := &Lifecycle{Step: string(lc.Step), Label: geo.StepLabel(lc.Step), Since: opt(lc.Since), UploadID: lc.UploadID,
		Late: lc.Late, DaysLate: lc.DaysLate}
	if !lc.MissedTarget.IsZero() {
		out.MissedTarget = lc.MissedTarget.In(geo.Vietnam).Format(time.DateOnly)
	}
	if p := lc.Plan; p != nil {
		out.Plan = &Plan{Carrier: p.Carrier, SiteID: p.SiteID, TargetOnAir: p.TargetOnAir.In(geo.Vietnam).Format(time.DateOnly),
			Progress: string(p.Progress), PlannedAt: p.PlannedAt, BuiltAt: opt(p.BuiltAt), OnAirAt: opt(p.OnAirAt),
			UploadID: p.UploadID, ReceivedAt: p.ReceivedAt}
	}
	return out
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = VN(t)
	return &t
}

// VN is t in Vietnam time. Every time a document of this package carries is shown this way
// (RFC 3339 with +07:00, the instant unchanged), whatever zone the store or the clock gave it:
// one rule, docs/api.md.
func VN(t time.Time) time.Time { return t.In(geo.Vietnam) }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewVillage converts vs.
func NewVillage(vs *geo.VillageStatus) Village {
	v := vs.Village
	return Village{
		ID: v.ID, Name: v.Name, CommuneCode: v.CommuneCode, CommuneName: v.CommuneName,
		ProvinceCode: v.ProvinceCode, ProvinceName: v.ProvinceName, Lon: v.Center.Lon(), Lat: v.Center.Lat(),
		GridPower: v.GridPower, Households: v.Households, Baseline: v.Baseline, FoundAt: opt(v.FoundAt),
		Status: vs.Status, Level: vs.Level.String(),
		CarriersWithSignal: nonNil(vs.CarriersWithSignal), CarriersReported: nonNil(vs.CarriersReported),
		AreaCoverage:   vs.AreaCoverage(),
		LastObservedAt: opt(vs.LastObservedAt), Deadline: opt(vs.Deadline), DeadlineBasis: string(vs.DeadlineBasis),
		InScope: vs.InScope, Open: vs.Open, Reason: string(vs.Reason),
		Overdue: vs.Overdue, DaysOverdue: vs.DaysOverdue, ResponsibleCarrier: geo.Bucket(vs.Responsible),
		Lifecycle:     NewLifecycle(&vs.Lifecycle),
		Discrepancies: NewDiscrepancies(vs.Discrepancies), Explanation: NewExplanation(&vs.Assessment),
	}
}

// Status is the summary plus every village.
type Status struct {
	Summary
	Villages []Village `json:"villages"`
}

// NewStatus converts a summary and its villages (those known at the summary's instant).
func NewStatus(s geo.Summary, sts []geo.VillageStatus, demo bool) Status {
	out := Status{Summary: NewSummary(s, demo), Villages: make([]Village, 0, len(sts))}
	for i := range sts {
		if sts[i].Village.KnownAt(s.AsOf) {
			out.Villages = append(out.Villages, NewVillage(&sts[i]))
		}
	}
	return out
}

// FeatureCollection renders villages as GeoJSON points with their status as properties. The
// collection carries "as_of" and, for demo data, "notice" foreign members.
func FeatureCollection(sts []geo.VillageStatus, asOf time.Time, demo bool) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	fc.ExtraMembers = geojson.Properties{"as_of": VN(asOf).Format(time.RFC3339)}
	if demo {
		fc.ExtraMembers["notice"] = DemoNotice
	}
	for i := range sts {
		vs := &sts[i]
		if !vs.Village.KnownAt(asOf) {
			continue
		}
		f := geojson.NewFeature(orb.Point(vs.Village.Center))
		f.ID = vs.Village.ID
		v := NewVillage(vs)
		f.Properties = geojson.Properties{
			"village_id": v.ID, "name": v.Name, "commune_code": v.CommuneCode, "commune_name": v.CommuneName,
			"province_code": v.ProvinceCode, "province_name": v.ProvinceName, "grid_power": v.GridPower,
			"baseline": v.Baseline, "status": v.Status, "level": v.Level, "overdue": v.Overdue,
			"days_overdue": v.DaysOverdue, "carriers_with_signal": v.CarriersWithSignal, "carriers_reported": v.CarriersReported,
			"open": v.Open, "responsible_carrier": v.ResponsibleCarrier,
		}
		if v.Reason != "" {
			f.Properties["reason"] = v.Reason
		}
		if len(vs.Discrepancies) > 0 {
			f.Properties["discrepancies"] = discrepancyProperty(vs.Discrepancies)
		}
		if v.Deadline != nil {
			f.Properties["deadline"] = v.Deadline.Format(time.RFC3339)
		}
		if v.AreaCoverage != "" {
			f.Properties["area_coverage"] = v.AreaCoverage
		}
		if v.LastObservedAt != nil {
			f.Properties["last_observed_at"] = v.LastObservedAt.Format(time.RFC3339)
		}
		if lc := v.Lifecycle; lc != nil {
			f.Properties["lifecycle_step"] = lc.Step
			f.Properties["late_against_plan"] = lc.Late
			if lc.Since != nil {
				f.Properties["lifecycle_since"] = lc.Since.Format(time.RFC3339)
			}
			if lc.Late {
				f.Properties["days_late"] = lc.DaysLate
			}
			if lc.Plan != nil {
				f.Properties["site_id"] = lc.Plan.SiteID
				f.Properties["target_on_air"] = lc.Plan.TargetOnAir
			}
			if lc.MissedTarget != "" {
				f.Properties["missed_target_on_air"] = lc.MissedTarget
			}
		}
		fc.Append(f)
	}
	return fc
}

// WorkList is a carrier's work list: the open villages it is responsible for in a program,
// nearest deadline first, each with its reason. Carrier is "unassigned" for the villages no
// carrier is responsible for.
type WorkList struct {
	Notice   string    `json:"notice,omitempty"`
	AsOf     time.Time `json:"as_of"`
	View     string    `json:"view"` // as Summary.View
	Program  Program   `json:"program"`
	Carrier  string    `json:"carrier"`
	Open     int       `json:"open"`
	Overdue  int       `json:"overdue"`
	Villages []Village `json:"villages"`
}

// NewWorkList converts a work list (geo.WorkList's result).
func NewWorkList(carrier string, prog *geo.Program, asOf time.Time, wl []geo.VillageStatus, demo bool) WorkList {
	out := WorkList{AsOf: VN(asOf), View: ViewCurrent, Program: NewProgram(prog), Carrier: carrier, Open: len(wl), Villages: make([]Village, 0, len(wl))}
	if demo {
		out.Notice = DemoNotice
	}
	for i := range wl {
		if wl[i].Overdue {
			out.Overdue++
		}
		out.Villages = append(out.Villages, NewVillage(&wl[i]))
	}
	return out
}

// SetDistances adds "distance_km" (rounded to metres) to each feature of a point query, in
// order; km is nil for other queries.
func SetDistances(fc *geojson.FeatureCollection, km []float64) {
	for i, d := range km {
		if i < len(fc.Features) {
			fc.Features[i].Properties["distance_km"] = math.Round(d*1000) / 1000
		}
	}
}

// SetGeography says, in each feature's "geography" property and the collection's member, the
// date whose administrative units the features' province and commune are (a report under a
// past geography, ?geography=); nothing when date is empty (today's units).
func SetGeography(fc *geojson.FeatureCollection, date string) {
	if date == "" {
		return
	}
	if fc.ExtraMembers == nil {
		fc.ExtraMembers = geojson.Properties{}
	}
	fc.ExtraMembers["geography"] = date
	for _, f := range fc.Features {
		f.Properties["geography"] = date
	}
}

// SetPaging adds the paging members of a village list: "number_matched" (villages matching
// the query over all pages), "number_returned" and, when more follow, "next" (the URL of the
// next page).
func SetPaging(fc *geojson.FeatureCollection, matched int, next string) {
	fc.ExtraMembers["number_matched"] = matched
	fc.ExtraMembers["number_returned"] = len(fc.Features)
	if next != "" {
		fc.ExtraMembers["next"] = next
	}
}
