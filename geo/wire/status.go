package wire

import (
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
	Overdue         int `json:"overdue"`
	TotalNotSpot    int `json:"total_not_spot"`
	PartialNotSpot  int `json:"partial_not_spot"`
	// PartialArea counts lõm sóng villages: covered at the centre, part of the settled area
	// dark (from coverage-area uploads). DeadZone villages are trắng sóng.
	PartialArea int `json:"partial_area"`
}

// NewCounts converts c.
func NewCounts(c geo.Counts) Counts {
	return Counts{c.Villages, c.Baseline, c.BaselineCovered, c.FoundLater, c.Covered, c.DeadZone, c.NoPower, c.NoData, c.Overdue, c.TotalNotSpot, c.PartialNotSpot, c.PartialArea}
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
	Notice    string     `json:"notice,omitempty"`
	AsOf      time.Time  `json:"as_of"`
	Program   Program    `json:"program"`
	National  Counts     `json:"national"`
	Provinces []Province `json:"provinces"`
}

// NewSummary converts s; demo adds the synthetic-data notice.
func NewSummary(s geo.Summary, demo bool) Summary {
	out := Summary{AsOf: s.AsOf, National: NewCounts(s.National), Provinces: make([]Province, 0, len(s.Provinces))}
	if s.Program != nil {
		out.Program = NewProgram(s.Program)
	}
	if demo {
		out.Notice = DemoNotice
	}
	for _, p := range s.Provinces {
		out.Provinces = append(out.Provinces, Province{p.ProvinceCode, p.ProvinceName, NewCounts(p.Counts)})
	}
	return out
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
	// AreaCoverage is "full", "partial" (lõm sóng: centre covered, part of the settled area
	// dark) or "dark" (trắng sóng: no signal that counts at the centre); absent for no_data.
	AreaCoverage   string     `json:"area_coverage,omitempty"`
	LastObservedAt *time.Time `json:"last_observed_at,omitempty"`
	Deadline       *time.Time `json:"deadline,omitempty"`
	Overdue        bool       `json:"overdue"`
	DaysOverdue    int        `json:"days_overdue,omitempty"`
}

func opt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

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
		LastObservedAt: opt(vs.LastObservedAt), Deadline: opt(vs.Deadline), Overdue: vs.Overdue, DaysOverdue: vs.DaysOverdue,
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
	fc.ExtraMembers = geojson.Properties{"as_of": asOf.Format(time.RFC3339)}
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
		}
		if v.AreaCoverage != "" {
			f.Properties["area_coverage"] = v.AreaCoverage
		}
		if v.LastObservedAt != nil {
			f.Properties["last_observed_at"] = v.LastObservedAt.Format(time.RFC3339)
		}
		fc.Append(f)
	}
	return fc
}
