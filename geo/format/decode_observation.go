package format

import (
	"encoding/json"
	"hash"
	"hash/fnv"
	"iter"
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

// ObservationRow is one feature of an observations/v1 file as the first pass of
// StreamObservations saw it: its observation (the carrier left empty when neither the feature
// nor the uploader names one; the file's top-level "carrier" may come after the features) and
// what the end-of-file checks need to know about it.
type ObservationRow struct {
	Observation geo.Observation
	Feature     int
	OwnCarrier  bool // the feature names its carrier
	Inspector   bool // the feature names an inspector
}

// RowSpool keeps an observations file's rows between the passes of StreamObservations: Add
// gets every feature's row in file order (it must copy what it keeps: the row is reused);
// Rows reads them back in the same order (each row may be reused), any number of times.
type RowSpool interface {
	Add(row *ObservationRow)
	Rows() iter.Seq2[*ObservationRow, error]
}

// memorySpool keeps the rows in memory (DecodeObservations).
type memorySpool struct{ rows chunks[ObservationRow] }

func (m *memorySpool) Add(row *ObservationRow) { m.rows.add(*row) }

func (m *memorySpool) Rows() iter.Seq2[*ObservationRow, error] {
	return func(yield func(*ObservationRow, error) bool) {
		for i := range m.rows.len() {
			if !yield(m.rows.at(i), nil) {
				return
			}
		}
	}
}

// ObservationFile is what the end of an accepted observations file decides for all its rows:
// the file's carrier and source role.
type ObservationFile struct {
	Carrier string // the top-level "carrier" ("" when absent)
	Role    string // geo.SourceCarrier or geo.SourceIndependent
}

// Resolve completes an observation of the file as stored: one without a carrier takes the
// file's, and an independent file's observations are independent.
func (f *ObservationFile) Resolve(o *geo.Observation) {
	if o.Carrier == "" {
		o.Carrier = f.Carrier
	}
	if f.Role == geo.SourceIndependent {
		o.Source = geo.SourceIndependent
	}
}

// observationDecoder turns observations/v1 features into Observations.
type observationDecoder struct {
	*decoder
	props observationProps   // reused for every feature
	dst   []*json.RawMessage // props.members()
	lx    scan.Lexer
	spool RowSpool
	row   ObservationRow // reused
	fr    featureReport  // reused
	// floats holds the rows' RSRP and DL values, handed out a block at a time rather than
	// one allocation each: a row keeps pointers into it, so a block is never reused.
	floats []float64
}

// float returns a pointer to a new float64 holding v.
func (d *observationDecoder) float(v float64) *float64 {
	if len(d.floats) == 0 {
		d.floats = make([]float64, 512)
	}
	p := &d.floats[0]
	d.floats = d.floats[1:]
	*p = v
	return p
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
	f := &d.fr
	d.initFeatureReport(f, i, p.VillageID)
	if !f.shape(feat, propsOK) {
		return
	}
	d.row = ObservationRow{Feature: i}
	o, m := &d.row.Observation, &d.row
	f.geometry(feat.Geometry, observationGeometryTypes, false, d.cfg.bounds)

	o.VillageID = f.id("village_id", p.VillageID)
	if o.VillageID != "" && d.cfg.knownVillage != nil && !d.cfg.knownVillage(o.VillageID) {
		f.add("village_id", geo.RuleUnknownVillage, "not in the registry: "+quote(o.VillageID))
	}
	m.OwnCarrier = !isNull(p.Carrier)
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
	} else if !m.OwnCarrier {
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
		o.RSRPdBm = d.float(v)
	}
	if v, ok := f.number("dl_mbps", p.DLMbps); ok {
		if v < 0 {
			f.add("dl_mbps", geo.RuleDLNegative, reasonDLNegative(string(p.DLMbps)))
		}
		o.DLMbps = d.float(v)
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
		m.Inspector = true
	}
	d.spool.Add(&d.row)
}

// rowKey identifies a row for the duplicate check: a 128-bit fingerprint of village,
// carrier, technology and instant (Unix nanoseconds: the same instant in any zone is the same
// row), so that the check holds 20 bytes per row whatever the lengths of the IDs; two
// different rows share a fingerprint with a probability of about n²/2¹²⁹.
type rowKey [16]byte

// fingerprint computes o's rowKey with h (reset first). The strings are written with their
// lengths before them, so that no two rows write the same bytes.
func fingerprint(h hash.Hash, o *geo.Observation, buf []byte) (rowKey, []byte) {
	buf = buf[:0]
	buf = strconv.AppendInt(buf, int64(len(o.VillageID)), 10)
	buf = append(buf, ':')
	buf = append(buf, o.VillageID...)
	buf = strconv.AppendInt(buf, int64(len(o.Carrier)), 10)
	buf = append(buf, ':')
	buf = append(buf, o.Carrier...)
	buf = strconv.AppendInt(buf, int64(o.Technology), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, o.ObservedAt.UnixNano(), 10)
	h.Reset()
	h.Write(buf)
	n := len(buf)
	buf = h.Sum(buf) // into buf, not into k: k would escape through the interface
	var k rowKey
	copy(k[:], buf[n:])
	return k, buf
}

// finish runs the checks that need the top-level "carrier" (raw, possibly absent) over every
// row of the spool: features without a carrier take it, features naming another carrier
// mismatch it, and duplicate rows are found. It returns what the file decided, or an error
// reading the spool.
func (d *observationDecoder) finish(raw, roleRaw json.RawMessage) (*ObservationFile, error) {
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
	file := &ObservationFile{Carrier: top, Role: role}
	seen := map[rowKey]int32{}
	h := fnv.New128a()
	var buf []byte
	for row, err := range d.spool.Rows() {
		if err != nil {
			return nil, err
		}
		o, village := row.Observation, row.Observation.VillageID
		switch {
		case row.OwnCarrier && top != "" && d.cfg.carrier == "" && o.Carrier != "" && o.Carrier != top:
			d.rep.add(row.Feature, village, "carrier", geo.RuleCarrierMismatch,
				reasonNotFileCarrier(o.Carrier, top))
			o.Carrier = ""
		case !row.OwnCarrier && o.Carrier == "" && top != "":
			o.Carrier = top
		case !row.OwnCarrier && o.Carrier == "" && !topBad:
			d.rep.add(row.Feature, village, "carrier", geo.RuleFieldMissing,
				reasonMissing(false, `the file has no top-level "carrier" either`))
		}
		if role != geo.SourceIndependent && row.Inspector {
			d.rep.add(row.Feature, village, "inspector", geo.RuleSourceRole,
				`"inspector" names who made an independent measurement; this file is the carrier's own claims (no "source_role": "independent")`)
		}
		if o.VillageID == "" || o.Carrier == "" || o.Technology == 0 || o.ObservedAt.IsZero() {
			continue
		}
		var k rowKey
		k, buf = fingerprint(h, &o, buf)
		if first, dup := seen[k]; dup {
			d.rep.add(row.Feature, village, "", geo.RuleDuplicateRow,
				"same village_id, carrier, technology and observed_at as feature "+strconv.Itoa(int(first)))
		} else {
			seen[k] = int32(row.Feature)
		}
		if d.rep.full() {
			break
		}
	}
	return file, nil
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
