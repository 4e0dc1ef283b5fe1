package geo

import (
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
	// Deadline overrides the program deadline for this village when non-zero.
	Deadline time.Time
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
	// PoweredOnly limits the program's deadline to villages with grid power (the default scope).
	PoweredOnly bool
}

// DefaultProgram is the Prime Minister's order "hoàn thành trước tháng 12/2024": covmon reads
// "before December 2024" as due before 2024-12-01 00:00 in Vietnam (UTC+7). It is configurable.
func DefaultProgram() Program {
	return Program{
		ID:          "vls-2024",
		Name:        "Xóa vùng lõm sóng (powered villages, due before 12/2024)",
		Deadline:    time.Date(2024, 12, 1, 0, 0, 0, 0, Vietnam),
		PoweredOnly: true,
	}
}

// DeadlineFor returns the deadline that applies to v under p: the village's own override when
// set, otherwise the program's.
func DeadlineFor(v *Village, p *Program) time.Time {
	if !v.Deadline.IsZero() {
		return v.Deadline
	}
	return p.Deadline
}

// VillagePlace is where a village is in the administrative map: what an areas/v1 extent is
// matched against (with the village centre).
type VillagePlace struct {
	ID           string
	ProvinceCode string
	CommuneCode  string
}
