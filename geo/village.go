package geo

import (
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// Village is one thôn/bản in the ministry's registry. covmon owns the ID because villages have
// no national code. Codes follow the 2025 reform: 2-digit province codes and 5-digit commune
// codes; the pre-reform district and commune codes are kept where known.
type Village struct {
	ID           string
	Name         string
	CommuneCode  string
	CommuneName  string
	ProvinceCode string
	ProvinceName string

	// LegacyDistrictCode and LegacyCommuneCode are the pre-2025 codes, empty when unknown.
	LegacyDistrictCode string
	LegacyCommuneCode  string

	// Center is the village centre. Area is the settled area (orb.Polygon or orb.MultiPolygon),
	// nil when the registry has none.
	Center orb.Point
	Area   orb.Geometry

	// GridPower says whether the village has national grid power; GridPowerSince, when set,
	// is the date power arrived (status before it counts the village as unpowered).
	GridPower      bool
	GridPowerSince time.Time

	Households int

	// Programs lists the IDs of the programs the village belongs to.
	Programs []string
	// Baseline is true when the village was on the program's original list; FoundAt is the
	// date a village found later was added (zero for baseline villages).
	Baseline bool
	FoundAt  time.Time
	// Deadline is the registry's legacy per-village deadline (villages/v1 "deadline",
	// deprecated): when non-zero it applies to every program the village is in, unless
	// Deadlines names that program.
	Deadline time.Time
	// Deadlines holds the registry's per-program deadlines (villages/v1 "deadlines"), by
	// program ID; nil when none.
	Deadlines map[string]time.Time

	// Predecessors are the villages this one succeeds (villages/v1 "predecessors"): they are
	// retired at the registry's effective instant, a merge naming two or more, each half of a
	// split naming the same one. Nil when none.
	Predecessors []string
	// RetiredAt is when the village was retired (it names the successors' effective
	// instant); zero for a village in today's registry. Only a read of one village by ID
	// (Village) returns retired villages.
	RetiredAt time.Time
}

// VillageVersion is one version of a village in the registry's history: its content during
// [ValidFrom, ValidTo). A zero ValidFrom means since always, a zero ValidTo until now.
type VillageVersion struct {
	Village
	ValidFrom time.Time
	ValidTo   time.Time
	// Retired is true when ValidTo is the village's retirement (not a later version).
	Retired bool
	// UploadID is the registry upload that made this version.
	UploadID int64
}

// ValidAt reports whether the version was in force at instant t.
func (v *VillageVersion) ValidAt(t time.Time) bool {
	return (v.ValidFrom.IsZero() || !v.ValidFrom.After(t)) && (v.ValidTo.IsZero() || t.Before(v.ValidTo))
}

// Succession is a retirement recorded in the registry: from Effective on, Predecessor is
// retired and Successor carries on.
type Succession struct {
	Predecessor string
	Successor   string
	Effective   time.Time
	UploadID    int64
}

// PoweredAt reports whether the village had grid power at instant t.
func (v *Village) PoweredAt(t time.Time) bool {
	if !v.GridPower {
		return false
	}
	return v.GridPowerSince.IsZero() || !v.GridPowerSince.After(t)
}

// KnownAt reports whether the village was on the registry at instant t: baseline villages
// always are, villages found later from their FoundAt date on.
func (v *Village) KnownAt(t time.Time) bool {
	return v.Baseline || v.FoundAt.IsZero() || !v.FoundAt.After(t)
}

// Program is a coverage program with a deadline, such as the Prime Minister's order to cover
// every powered village before December 2024.
type Program struct {
	ID       string
	Name     string
	Deadline time.Time
	// PoweredOnly limits the program's scope to villages with grid power at the instant.
	PoweredOnly bool
	// LateEntryGrace is the time a village that enters the program's scope late (grid power
	// arrived, or found, after the cut-off) has from its entry date: its deadline is the later
	// of Deadline and entry + LateEntryGrace (see DeadlineFor).
	LateEntryGrace time.Duration
	// ProvinceDeadlines and VillageDeadlines override the computed deadline for every village
	// of a province (by 2-digit code) and for single villages (by village ID) in this program
	// only. A village override beats a province override.
	ProvinceDeadlines map[string]time.Time
	VillageDeadlines  map[string]time.Time
	// Policies are the program's signal policies by effective date, ascending (see
	// PolicyAt); empty means DefaultPolicy throughout. PolicyRecomputed is true for a copy
	// made by UnderPolicyAt: every instant under one policy, not the one then in force.
	Policies         []PolicyVersion
	PolicyRecomputed bool
	// Trust is how far the program trusts carrier claims: TrustClaims ("" means it too) or
	// TrustVerified. EvidenceMaxAge is how old an independent measurement may be at the as-of
	// instant and still flag a discrepancy (0: DefaultEvidenceMaxAge).
	Trust          Trust
	EvidenceMaxAge time.Duration
}

// DefaultLateEntryGrace is the grace a village entering a program late gets: 365 days.
const DefaultLateEntryGrace = 365 * 24 * time.Hour

// DefaultProgram is the Prime Minister's order "hoàn thành trước tháng 12/2024": covmon reads
// "before December 2024" as due before 2024-12-01 00:00 in Vietnam (UTC+7). It is configurable.
func DefaultProgram() Program {
	return Program{
		ID:             "vls-2024",
		Name:           "Xóa vùng lõm sóng (powered villages, due before 12/2024)",
		Deadline:       time.Date(2024, 12, 1, 0, 0, 0, 0, Vietnam),
		PoweredOnly:    true,
		LateEntryGrace: DefaultLateEntryGrace,
	}
}

// DeadlineBasis says where a village's deadline comes from.
type DeadlineBasis string

// Deadline bases, from the strongest to the weakest.
const (
	BasisVillageOverride  DeadlineBasis = "village_override"  // the program's overrides.villages
	BasisRegistry         DeadlineBasis = "registry"          // the registry's per-program "deadlines"
	BasisRegistryLegacy   DeadlineBasis = "registry_legacy"   // the registry's deprecated "deadline"
	BasisProvinceOverride DeadlineBasis = "province_override" // the program's overrides.provinces
	BasisLateEntry        DeadlineBasis = "late_entry"        // entry date + the program's grace
	BasisProgram          DeadlineBasis = "program"           // the program's deadline
)

// DeadlineBases lists the deadline bases, from the strongest to the weakest.
var DeadlineBases = []DeadlineBasis{BasisVillageOverride, BasisRegistry, BasisRegistryLegacy, BasisProvinceOverride, BasisLateEntry, BasisProgram}

// EntryDate is when v entered p's scope: the later of the date it was found (villages added
// after the baseline) and, for a powered-only program, the date grid power arrived. It is zero
// when neither is known (a baseline village powered since before records).
func EntryDate(v *Village, p *Program) time.Time {
	var e time.Time
	if !v.Baseline {
		e = v.FoundAt
	}
	if p.PoweredOnly && v.GridPowerSince.After(e) {
		e = v.GridPowerSince
	}
	return e
}

// DeadlineFor returns the deadline that applies to v under p and where it comes from. The
// first that exists wins: the program's override for the village, the registry's deadline for
// this program, the registry's legacy deadline (every program), the program's override for the
// village's province, and otherwise the rule: the later of the program deadline and the
// village's entry date (EntryDate) plus the program's LateEntryGrace.
func DeadlineFor(v *Village, p *Program) (time.Time, DeadlineBasis) {
	if d, ok := p.VillageDeadlines[v.ID]; ok {
		return d, BasisVillageOverride
	}
	if d, ok := v.Deadlines[p.ID]; ok {
		return d, BasisRegistry
	}
	if !v.Deadline.IsZero() {
		return v.Deadline, BasisRegistryLegacy
	}
	if d, ok := p.ProvinceDeadlines[v.ProvinceCode]; ok {
		return d, BasisProvinceOverride
	}
	if e := EntryDate(v, p); !e.IsZero() && e.Add(p.LateEntryGrace).After(p.Deadline) {
		return e.Add(p.LateEntryGrace), BasisLateEntry
	}
	return p.Deadline, BasisProgram
}

// InScope reports whether v is in p's scope at t: listed in the program, known at t (found
// villages from their FoundAt date), and powered at t if the program is powered-only.
func InScope(v *Village, p *Program, t time.Time) bool {
	return slices.Contains(v.Programs, p.ID) && v.KnownAt(t) && (!p.PoweredOnly || v.PoweredAt(t))
}

// VillagePlace is where a village is in the administrative map: what an areas/v1 extent is
// matched against (with the village centre).
type VillagePlace struct {
	ID           string
	ProvinceCode string
	CommuneCode  string
}
