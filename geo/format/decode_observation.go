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
}

// observationMembers are the property names, in the order of observationProps.members.
var observationMembers = []string{"village_id", "carrier", "technology", "has_signal", "rsrp_dbm", "dl_mbps", "observed_at", "method"}

// members returns pointers to p's fields in the order of observationMembers.
func (p *observationProps) members() []*json.RawMessage {
	return []*json.RawMessage{&p.VillageID, &p.Carrier, &p.Technology, &p.HasSignal, &p.RSRPdBm, &p.DLMbps, &p.ObservedAt, &p.Method}
}

// reset empties p for reuse: a property absent from the next feature must read as missing.
func (p *observationProps) reset() { *p = observationProps{} }

// observationMeta is what the end-of-file pass needs to know about an observation: the
// top-level "carrier" may come after the features.
type observationMeta struct {
	feature    int
	ownCarrier bool // the feature names its carrier
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
func (d *observationDecoder) finish(raw json.RawMessage) {
	var top string
	topBad := false
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
