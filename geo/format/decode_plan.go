package format

import (
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// PlanSchema is the covmon_schema of a plans file.
const PlanSchema = "plans/v1"

// planProps are the properties of a plans/v1 feature, kept raw.
type planProps struct {
	VillageID   json.RawMessage
	Program     json.RawMessage
	Carrier     json.RawMessage
	SiteID      json.RawMessage
	TargetOnAir json.RawMessage
	Progress    json.RawMessage
	PlannedAt   json.RawMessage
	BuiltAt     json.RawMessage
	OnAirAt     json.RawMessage
}

// planMembers are the property names, in the order of planProps.members.
var planMembers = []string{"village_id", "program", "carrier", "site_id", "target_on_air", "progress", "planned_at", "built_at", "on_air_at"}

func (p *planProps) members() []*json.RawMessage {
	return []*json.RawMessage{&p.VillageID, &p.Program, &p.Carrier, &p.SiteID, &p.TargetOnAir, &p.Progress, &p.PlannedAt, &p.BuiltAt, &p.OnAirAt}
}

// planDecoder turns plans/v1 features into Plans.
type planDecoder struct {
	*decoder
	props planProps
	dst   []*json.RawMessage
	lx    scan.Lexer
	seen  map[[2]string]int // program, village → first feature
	out   chunks[geo.Plan]
}

// DecodePlans reads a plans/v1 FeatureCollection (a carrier's plans and build progress for its
// villages, see docs/formats.md) from r: features with a null geometry whose properties name
// a village_id, a program, the carrier (default: the uploader, opt.Carrier), a site_id, the
// target_on_air date, the progress (planned, built or on_air) and the date of each step
// reached (planned_at; built_at from built on; on_air_at for on_air). Villages
// (opt.KnownVillage), programs (opt.KnownProgram), carriers (opt.Carriers, opt.Carrier) and
// responsibility at the time of upload (opt.Responsible) are checked; step dates may not lie
// in the future and must be in order. A village may be planned once per program and file.
// When the file has any problem it returns nil and a *ValidationError listing every problem.
func DecodePlans(r io.Reader, opt Options) ([]geo.Plan, error) {
	d, err := newDecoder(&opt)
	if err != nil {
		return nil, err
	}
	pd := &planDecoder{decoder: d, seen: map[[2]string]int{}}
	c := &collection{schema: PlanSchema, kind: geo.KindPlans, feature: pd.feature}
	if err := d.run(r, c); err != nil {
		return nil, err
	}
	return pd.out.all(), nil
}

func (d *planDecoder) feature(i int, feat *rawFeature) {
	p := &d.props
	*p = planProps{}
	if d.dst == nil {
		d.dst = p.members()
	}
	propsOK := unmarshalProps(&d.lx, feat.Properties, planMembers, d.dst)
	f := d.newFeatureReport(i, p.VillageID)
	if !f.shape(feat, propsOK) {
		return
	}
	if !isNull(feat.Geometry) {
		f.add("geometry", geo.RuleGeometryType, "a plan has no geometry; want null")
	}
	var pl geo.Plan
	pl.VillageID = f.id("village_id", p.VillageID)
	if pl.VillageID != "" && d.cfg.knownVillage != nil && !d.cfg.knownVillage(pl.VillageID) {
		f.add("village_id", geo.RuleUnknownVillage, "not in the registry: "+quote(pl.VillageID))
		pl.VillageID = ""
	}
	if s, ok := f.str("program", p.Program, true); ok {
		if d.cfg.knownProgram != nil && !d.cfg.knownProgram(s) {
			f.add("program", geo.RuleUnknownProgram, "no such program: "+quote(s))
		} else {
			pl.ProgramID = s
		}
	}
	carrierOK := true
	if isNull(p.Carrier) {
		if d.cfg.carrier == "" {
			f.add("carrier", geo.RuleFieldMissing, "missing: name the carrier whose plan this is")
			carrierOK = false
		}
		pl.Carrier = d.cfg.carrier
	} else if s, ok := f.str("carrier", p.Carrier, true); ok {
		c, known := knownCarrier(d.cfg.carriers, s)
		switch {
		case !known:
			f.add("carrier", geo.RuleUnknownCarrier, reasonUnknownCarrier(s, d.cfg.carriers))
			carrierOK = false
		case d.cfg.carrier != "" && c != d.cfg.carrier:
			f.add("carrier", geo.RuleCarrierMismatch, reasonNotUploader(c, d.cfg.carrier, false))
			carrierOK = false
		default:
			pl.Carrier = c
		}
	} else {
		carrierOK = false
	}
	if s, ok := f.str("site_id", p.SiteID, true); ok {
		if s == "" || len(s) > 64 {
			f.add("site_id", geo.RuleFieldInvalid, "want 1 to 64 bytes, got "+quote(s))
		}
		pl.SiteID = s
	}
	// The target may lie ahead (it is a plan); the steps reached may not.
	pl.TargetOnAir = f.when(d.cfg, "target_on_air", p.TargetOnAir, true, false, false)
	if s, ok := f.str("progress", p.Progress, true); ok {
		if !slices.Contains(geo.Progresses, geo.Progress(s)) {
			f.add("progress", geo.RuleFieldInvalid, "want planned, built or on_air, got "+quote(s))
		} else {
			pl.Progress = geo.Progress(s)
		}
	}
	pl.PlannedAt = f.when(d.cfg, "planned_at", p.PlannedAt, true, true, true)
	reached := slices.Index(geo.Progresses, pl.Progress) // -1 when bad
	steps := []struct {
		field string
		raw   json.RawMessage
		dst   *time.Time
		step  int
	}{{"built_at", p.BuiltAt, &pl.BuiltAt, 1}, {"on_air_at", p.OnAirAt, &pl.OnAirAt, 2}}
	prev, prevField := pl.PlannedAt, "planned_at"
	for _, s := range steps {
		switch {
		case reached < 0:
			// progress is bad: say nothing more about the step dates
		case reached >= s.step:
			*s.dst = f.when(d.cfg, s.field, s.raw, true, true, true)
		case !isNull(s.raw):
			f.add(s.field, geo.RuleFieldInvalid, "progress is "+quote(string(pl.Progress))+": a step not reached has no date (null or absent)")
		}
		if t := *s.dst; !t.IsZero() && !prev.IsZero() && t.Before(prev) {
			f.add(s.field, geo.RuleFieldInvalid, "before "+prevField+" ("+t.In(geo.Vietnam).Format(time.DateOnly)+" < "+prev.In(geo.Vietnam).Format(time.DateOnly)+")")
		}
		if !s.dst.IsZero() {
			prev, prevField = *s.dst, s.field
		}
	}
	if carrierOK && pl.Carrier != "" && pl.VillageID != "" && pl.ProgramID != "" && d.cfg.responsible != nil {
		if r := d.cfg.responsible(pl.ProgramID, pl.VillageID); r != pl.Carrier {
			f.add("village_id", geo.RuleNotResponsible, reasonNotResponsible(pl.VillageID, pl.ProgramID, pl.Carrier, r))
		}
	}
	if pl.VillageID != "" && pl.ProgramID != "" {
		k := [2]string{pl.ProgramID, pl.VillageID}
		if first, dup := d.seen[k]; dup {
			f.add("", geo.RuleDuplicateRow, "same village_id and program as feature "+strconv.Itoa(first)+"; a file holds one plan per village and program")
		} else {
			d.seen[k] = i
		}
	}
	d.out.add(pl)
}

// reasonNotResponsible is not_responsible: carrier plans a village another carrier (or none)
// is responsible for.
func reasonNotResponsible(village, program, carrier, responsible string) string {
	who := "no carrier is responsible for it"
	if responsible != "" {
		who = "it is assigned to " + quote(responsible)
	}
	return "carrier " + quote(carrier) + " may plan only its own villages: in program " + quote(program) + " at the time of upload " + who
}
