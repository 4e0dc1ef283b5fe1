package format

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// AssignmentSchema is the covmon_schema of an assignments file.
const AssignmentSchema = "assignments/v1"

// assignmentProps are the properties of an assignments/v1 feature, kept raw.
type assignmentProps struct {
	VillageID  json.RawMessage
	Program    json.RawMessage
	Carrier    json.RawMessage
	AssignedAt json.RawMessage
}

// assignmentMembers are the property names, in the order of assignmentProps.members.
var assignmentMembers = []string{"village_id", "program", "carrier", "assigned_at"}

func (p *assignmentProps) members() []*json.RawMessage {
	return []*json.RawMessage{&p.VillageID, &p.Program, &p.Carrier, &p.AssignedAt}
}

// assignmentDecoder turns assignments/v1 features into Assignments.
type assignmentDecoder struct {
	*decoder
	props assignmentProps
	dst   []*json.RawMessage
	lx    scan.Lexer
	seen  map[[3]string]int // program, village, assigned_at → first feature
	out   chunks[geo.Assignment]
}

// DecodeAssignments reads an assignments/v1 FeatureCollection (the ministry's responsible
// carriers, see docs/formats.md) from r: features with a null geometry whose properties name
// a village_id, a program, a carrier (null unassigns) and the date assigned_at from which the
// carrier is responsible. Villages (opt.KnownVillage), programs (opt.KnownProgram) and
// carriers (opt.Carriers) are checked; assigned_at may not be in the future. When the file has
// any problem it returns nil and a *ValidationError listing every problem.
func DecodeAssignments(r io.Reader, opt Options) ([]geo.Assignment, error) {
	d, err := newDecoder(&opt)
	if err != nil {
		return nil, err
	}
	ad := &assignmentDecoder{decoder: d, seen: map[[3]string]int{}}
	c := &collection{schema: AssignmentSchema, kind: geo.KindAssignments, feature: ad.feature}
	if err := d.run(r, c); err != nil {
		return nil, err
	}
	return ad.out.all(), nil
}

func (d *assignmentDecoder) feature(i int, feat *rawFeature) {
	p := &d.props
	*p = assignmentProps{}
	if d.dst == nil {
		d.dst = p.members()
	}
	propsOK := unmarshalProps(&d.lx, feat.Properties, assignmentMembers, d.dst)
	f := d.newFeatureReport(i, p.VillageID)
	if !f.shape(feat, propsOK) {
		return
	}
	if !isNull(feat.Geometry) {
		f.add("geometry", geo.RuleGeometryType, "an assignment has no geometry; want null")
	}
	var a geo.Assignment
	a.VillageID = f.id("village_id", p.VillageID)
	if a.VillageID != "" && d.cfg.knownVillage != nil && !d.cfg.knownVillage(a.VillageID) {
		f.add("village_id", geo.RuleUnknownVillage, "not in the registry: "+quote(a.VillageID))
	}
	if s, ok := f.str("program", p.Program, true); ok {
		if d.cfg.knownProgram != nil && !d.cfg.knownProgram(s) {
			f.add("program", geo.RuleUnknownProgram, "no such program: "+quote(s))
		}
		a.ProgramID = s
	}
	if _, present := rawPresent(p.Carrier); !present {
		f.add("carrier", geo.RuleFieldMissing, `missing: name the responsible carrier, or null to unassign`)
	} else if s, ok := f.str("carrier", p.Carrier, false); ok {
		c, known := knownCarrier(d.cfg.carriers, s)
		if !known {
			f.add("carrier", geo.RuleUnknownCarrier, reasonUnknownCarrier(s, d.cfg.carriers))
		}
		a.Carrier = c
	}
	a.AssignedAt = f.when(d.cfg, "assigned_at", p.AssignedAt, true, true, true)
	if a.VillageID != "" && a.ProgramID != "" && !a.AssignedAt.IsZero() {
		k := [3]string{a.ProgramID, a.VillageID, strconv.FormatInt(a.AssignedAt.UnixNano(), 10)}
		if first, dup := d.seen[k]; dup {
			f.add("", geo.RuleDuplicateRow, "same village_id, program and assigned_at as feature "+strconv.Itoa(first))
		} else {
			d.seen[k] = i
		}
	}
	d.out.add(a)
}

// rawPresent reports whether a property was present in the feature (null included).
func rawPresent(raw json.RawMessage) (json.RawMessage, bool) { return raw, len(raw) > 0 }
