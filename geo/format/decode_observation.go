package format

import (
	"encoding/json"
	"strconv"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// observationGeometryTypes are the geometries an observations/v1 feature may have (or null).
var observationGeometryTypes = []string{"Point"}

// defaultMethod is the method of an observation that names none.
const defaultMethod = "on_air_report"

// observationProps are the properties of an observations/v1 feature, kept raw.
type observationProps struct {
	VillageID  json.RawMessage `json:"village_id"`
	Carrier    json.RawMessage `json:"carrier"`
	Technology json.RawMessage `json:"technology"`
	HasSignal  json.RawMessage `json:"has_signal"`
	RSRPdBm    json.RawMessage `json:"rsrp_dbm"`
	DLMbps     json.RawMessage `json:"dl_mbps"`
	ObservedAt json.RawMessage `json:"observed_at"`
	Method     json.RawMessage `json:"method"`
	Inspector  json.RawMessage `json:"inspector"`
}

// observationMembers are the property names, in the order of observationProps.members.
var observationMembers = []string{"village_id", "carrier", "technology", "has_signal", "rsrp_dbm", "dl_mbps", "observed_at", "method", "inspector"}

// members returns pointers to p's fields in the order of observationMembers.
func (p *observationProps) members() []*json.RawMessage {
	return []*json.RawMessage{&p.VillageID, &p.Carrier, &p.Technology, &p.HasSignal, &p.RSRPdBm, &p.DLMbps, &p.ObservedAt, &p.Method, &p.Inspector}
}

// reset empties p for reuse: a property absent from the next feature must read as missing.
func (p *observationProps) reset() { *p = observationProps{} }

// observationMeta is what the end-of-file pass needs to know about an observation: the
// top-level "carrier" may come after the features.
type observationMeta struct {
	feature    int
	ownCarrier bool // the feature names its carrier
	inspector  bool // the feature names an inspector
	village    string
}

// observationDecoder turns observations/v1 features into Observations.
type observationDecoder struct {
	*decoder
	props observationProps   // reused for every feature
	dst   []*json.RawMessage // props.members()
	lx    scan.Lexer
	out   chunks[geo.Observation]
	meta  chunks[observationMeta]
}

// feature validates feature i and keeps its Observation for the end-of-file pass. Fields that
// failed are left zero, which keeps the row out of the duplicate check.
func (d *observationDecoder) feature(i int, feat *rawFeature) {
	p := &d.props
	p.reset()
	if d.dst == nil {
		d.dst = p.members()
	}
	propsOK := unmarshalProps(&d.lx, feat.Properties, observationMembers, d.dst)
	f := d.newFeatureReport(i, p.VillageID)
	if !f.shape(feat, propsOK) {
		return
	}
	var o geo.Observation
	m := observationMeta{feature: i, village: f.villageID}
	f.geometry(feat.Geometry, observationGeometryTypes, false, d.cfg.bounds)

	o.VillageID = f.id("village_id", p.VillageID)
	if o.VillageID != "" && d.cfg.knownVillage != nil && !d.cfg.knownVillage(o.VillageID) {
		f.add("village_id", geo.RuleUnknownVillage, "not in the registry: "+quote(o.VillageID))
	}
	m.ownCarrier = !isNull(p.Carrier)
	if s, ok := f.str("carrier", p.Carrier, false); ok {
		c, known := knownCarrier(d.cfg.carriers, s)
		switch {
		case !known:
			f.add("carrier", geo.RuleUnknownCarrier, reasonUnknownCarrier(s, d.cfg.carriers))
		case d.cfg.carrier != "" && c != d.cfg.carrier:
			f.add("carrier", geo.RuleCarrierMismatch, reasonNotUploader(c, d.cfg.carrier, false))
		default:
			o.Carrier = c
		}
	} else if !m.ownCarrier {
		o.Carrier = d.cfg.carrier // "" until the end-of-file pass when no uploader carrier
	}
	if s, ok := f.str("technology", p.Technology, true); ok {
		t, known := geo.ParseTechnology(s)
		if !known {
			f.add("technology", geo.RuleUnknownTechnology, reasonUnknownTechnology(s))
		}
		o.Technology = t
	}
	o.HasSignal, _ = f.boolean("has_signal", p.HasSignal, true)
	if v, ok := f.number("rsrp_dbm", p.RSRPdBm); ok {
		if v < minRSRPdBm || v > maxRSRPdBm {
			f.add("rsrp_dbm", geo.RuleRSRPRange, reasonRSRP(string(p.RSRPdBm)))
		}
		o.RSRPdBm = &v
	}
	if v, ok := f.number("dl_mbps", p.DLMbps); ok {
		if v < 0 {
			f.add("dl_mbps", geo.RuleDLNegative, reasonDLNegative(string(p.DLMbps)))
		}
		o.DLMbps = &v
	}
	o.ObservedAt = f.when(d.cfg, "observed_at", p.ObservedAt, true, true, true)
	o.Method = defaultMethod
	if s, ok := f.str("method", p.Method, false); ok {
		if !geo.ValidMethod(s) {
			f.add("method", geo.RuleUnknownMethod, reasonUnknownMethod(s))
		}
		o.Method = s
	}
	if s, ok := f.str("inspector", p.Inspector, false); ok {
		o.Inspector = s
		m.inspector = true
	}
	d.out.add(o)
	d.meta.add(m)
}

// observationRow identifies a row for the duplicate check.
type observationRow struct {
	village, carrier string
	tech             geo.Technology
	at               int64 // Unix nanoseconds: the same instant in any zone is the same row
}

// finish runs the checks that need the top-level "carrier" (raw, possibly absent): features
// without a carrier take it, features naming another carrier mismatch it, and duplicate rows
// are found.
func (d *observationDecoder) finish(raw, roleRaw json.RawMessage) {
	var top string
	topBad := false
	role := d.sourceRole(roleRaw)
	if s, ok := decodeString(raw); ok {
		c, known := knownCarrier(d.cfg.carriers, s)
		switch {
		case !known:
			d.rep.add(-1, "", "carrier", geo.RuleUnknownCarrier, reasonUnknownCarrier(s, d.cfg.carriers))
			topBad = true
		case d.cfg.carrier != "" && c != d.cfg.carrier:
			d.rep.add(-1, "", "carrier", geo.RuleCarrierMismatch, reasonNotUploader(c, d.cfg.carrier, true))
			topBad = true
		default:
			top = c
		}
	} else if !isNull(raw) {
		d.rep.add(-1, "", "carrier", geo.RuleFieldType, reasonWrongType("a string", raw))
		topBad = true
	}
	seen := map[observationRow]int{}
	for i := range d.out.len() {
		o, m := d.out.at(i), d.meta.at(i)
		switch {
		case m.ownCarrier && top != "" && d.cfg.carrier == "" && o.Carrier != "" && o.Carrier != top:
			d.rep.add(m.feature, m.village, "carrier", geo.RuleCarrierMismatch,
				reasonNotFileCarrier(o.Carrier, top))
			o.Carrier = ""
		case !m.ownCarrier && o.Carrier == "" && top != "":
			o.Carrier = top
		case !m.ownCarrier && o.Carrier == "" && !topBad:
			d.rep.add(m.feature, m.village, "carrier", geo.RuleFieldMissing,
				reasonMissing(false, `the file has no top-level "carrier" either`))
		}
		if role == geo.SourceIndependent {
			o.Source = geo.SourceIndependent
		} else if m.inspector {
			d.rep.add(m.feature, m.village, "inspector", geo.RuleSourceRole,
				`"inspector" names who made an independent measurement; this file is the carrier's own claims (no "source_role": "independent")`)
		}
		if o.VillageID == "" || o.Carrier == "" || o.Technology == 0 || o.ObservedAt.IsZero() {
			continue
		}
		k := observationRow{o.VillageID, o.Carrier, o.Technology, o.ObservedAt.UnixNano()}
		if first, dup := seen[k]; dup {
			d.rep.add(m.feature, m.village, "", geo.RuleDuplicateRow,
				"same village_id, carrier, technology and observed_at as feature "+strconv.Itoa(first))
		} else {
			seen[k] = m.feature
		}
		if d.rep.full() {
			return
		}
	}
}

// sourceRole decides the role of a file's observations from its top-level "source_role" (raw,
// possibly absent) and the uploader: an inspector's file is independent, anyone else's is the
// carrier's claims unless it declares "independent", which an uploader carrier may not.
func (d *observationDecoder) sourceRole(raw json.RawMessage) string {
	declared := ""
	if !isNull(raw) {
		s, ok := decodeString(raw)
		switch {
		case !ok:
			d.rep.add(-1, "", "source_role", geo.RuleFieldType, reasonWrongType("a string", raw))
			return ""
		case s != geo.SourceCarrier && s != geo.SourceIndependent:
			d.rep.add(-1, "", "source_role", geo.RuleFieldInvalid, `want "carrier" or "independent", got `+quote(s))
			return ""
		}
		declared = s
	}
	switch {
	case d.cfg.inspector && declared == geo.SourceCarrier:
		d.rep.add(-1, "", "source_role", geo.RuleSourceRole,
			`an inspector's token uploads independent measurements, not carrier claims: drop "source_role" or send the file with the carrier's token`)
		return ""
	case d.cfg.inspector:
		return geo.SourceIndependent
	case d.cfg.carrier != "" && declared == geo.SourceIndependent:
		d.rep.add(-1, "", "source_role", geo.RuleSourceRole,
			`a carrier's token may not upload independent measurements: they come from an inspector's token (the carrier's own drive tests are its claims: drop "source_role")`)
		return ""
	}
	if declared == "" {
		return geo.SourceCarrier
	}
	return declared
}
