package format

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// decoder holds the configuration and the report of one decode call.
type decoder struct {
	cfg *config
	rep *report
}

// newDecoder applies the option defaults.
func newDecoder(opt *Options) (*decoder, error) {
	cfg, err := newConfig(opt)
	if err != nil {
		return nil, err
	}
	return &decoder{cfg: cfg, rep: &report{file: cfg.file, max: cfg.maxProblems, maxBytes: cfg.maxBytes}}, nil
}

// run streams r through c and turns the outcome into the decoder's return error: a wrapped
// read error, a *ValidationError, or nil.
func (d *decoder) run(r io.Reader, c *collection) error {
	c.rep = d.rep
	if err := c.decode(r); err != nil {
		return fmt.Errorf("read %s: %w", d.cfg.file, err)
	}
	return d.rep.err()
}

// DecodeVillages reads a villages/v1 FeatureCollection (the registry, see docs/formats.md) from
// r, feature by feature. When the file has any problem it returns nil and a *ValidationError
// listing every problem found (up to opt.MaxProblems); an error reading r is returned wrapped.
// A village with an area geometry and no "center" gets the area's centroid as its centre.
func DecodeVillages(r io.Reader, opt Options) ([]geo.Village, error) {
	reg, err := DecodeRegistry(r, opt)
	if err != nil {
		return nil, err
	}
	return reg.Villages, nil
}

// StreamVillages reads a villages/v1 FeatureCollection like DecodeVillages but holds none of
// it: it calls keep (when not nil) with each village, in file order, for as long as the file
// has no problem, and returns the number of features read. When the file has a problem the
// villages already given to keep must be discarded: the error is a *ValidationError listing
// every problem, as for DecodeVillages. Memory does not grow with the file beyond one ID per
// village (kept to find duplicates). keep may retain v.
func StreamVillages(r io.Reader, opt Options, keep func(v geo.Village)) (int, error) {
	info, err := StreamRegistry(r, opt, keep)
	return info.Features, err
}

// RegistryInfo is what a villages/v1 file says besides its villages.
type RegistryInfo struct {
	// Features is the number of features read.
	Features int
	// Effective is the file's top-level "effective" instant (a date is 00:00 in Vietnam),
	// zero when the file has none: the upload then takes effect when it is received.
	Effective time.Time
}

// StreamRegistry is StreamVillages with the file's top-level "effective" (which may not lie in
// the future). A village's "predecessors" must not be villages of the same file, which is
// checked at the end: keep may have been given villages of a file that then has a problem.
func StreamRegistry(r io.Reader, opt Options, keep func(v geo.Village)) (RegistryInfo, error) {
	d, err := newDecoder(&opt)
	if err != nil {
		return RegistryInfo{}, err
	}
	if keep == nil {
		keep = func(geo.Village) {}
	}
	vd := &villageDecoder{decoder: d, seen: map[string]int32{}, keep: keep}
	c := &collection{schema: "villages/v1", kind: geo.KindVillages, feature: vd.feature, wantEffective: true}
	c.rep = d.rep
	if err := c.decode(r); err != nil {
		return RegistryInfo{Features: c.featureCount}, fmt.Errorf("read %s: %w", d.cfg.file, err)
	}
	info := RegistryInfo{Features: c.featureCount}
	if !c.wrongSchema && !d.rep.full() {
		vd.finish()
		top := &featureReport{rep: d.rep, index: -1}
		info.Effective = top.when(d.cfg, "effective", c.effective, false, true, true)
	}
	return info, d.rep.err()
}

// Registry is a decoded villages/v1 file.
type Registry struct {
	RegistryInfo
	Villages []geo.Village
}

// DecodeRegistry reads a villages/v1 file like DecodeVillages, with its top-level "effective".
func DecodeRegistry(r io.Reader, opt Options) (Registry, error) {
	var out chunks[geo.Village]
	info, err := StreamRegistry(r, opt, out.add)
	if err != nil {
		return Registry{}, err
	}
	return Registry{RegistryInfo: info, Villages: out.all()}, nil
}

// DecodeObservations reads an observations/v1 FeatureCollection (carrier per-village reports,
// see docs/formats.md) from r, feature by feature. When the file has any problem it returns
// nil and a *ValidationError listing every problem found (up to opt.MaxProblems); an error
// reading r is returned wrapped. Observations without a "carrier" take the file's top-level
// "carrier", else opt.Carrier; "method" defaults to on_air_report.
func DecodeObservations(r io.Reader, opt Options) ([]geo.Observation, error) {
	spool := &memorySpool{}
	file, err := StreamObservations(r, opt, spool)
	if err != nil {
		return nil, err
	}
	out := make([]geo.Observation, 0, spool.rows.len())
	for i := range spool.rows.len() {
		o := spool.rows.at(i).Observation
		file.Resolve(&o)
		out = append(out, o)
	}
	return out, nil
}

// StreamObservations reads an observations/v1 FeatureCollection like DecodeObservations, but
// keeps its rows in spool instead of in memory: a first pass validates each feature and adds
// its row to the spool; a second reads the spool back for the checks that need the whole file
// (the top-level "carrier" may follow the features; duplicate rows). Beyond the spool it holds
// a 20-byte fingerprint per row. When the file has any problem the error is a
// *ValidationError as for DecodeObservations; otherwise the rows of the spool, each completed
// with the returned file's Resolve, are the file's observations.
func StreamObservations(r io.Reader, opt Options, spool RowSpool) (*ObservationFile, error) {
	d, err := newDecoder(&opt)
	if err != nil {
		return nil, err
	}
	od := &observationDecoder{decoder: d, spool: spool}
	c := &collection{schema: "observations/v1", kind: geo.KindObservations, feature: od.feature, wantCarrier: true}
	c.rep = d.rep
	if err := c.decode(r); err != nil {
		return nil, fmt.Errorf("read %s: %w", d.cfg.file, err)
	}
	var file *ObservationFile
	if !c.wrongSchema && !d.rep.full() {
		if file, err = od.finish(c.carrier, c.sourceRole); err != nil {
			return nil, fmt.Errorf("read %s: %w", d.cfg.file, err)
		}
	}
	if err := d.rep.err(); err != nil {
		return nil, err
	}
	if file == nil { // not reached: a file that did not finish has problems
		file = &ObservationFile{Role: geo.SourceCarrier}
	}
	return file, nil
}

// chunks is an append-only list stored in fixed-size chunks, so that collecting n results
// allocates about n elements' worth instead of the ~5n a growing slice copies through.
type chunks[T any] struct {
	full []([]T)
	n    int
}

// chunkSize is the number of elements per chunk.
const chunkSize = 1024

func (c *chunks[T]) add(v T) {
	if len(c.full) == 0 || len(c.full[len(c.full)-1]) == chunkSize {
		c.full = append(c.full, make([]T, 0, chunkSize))
	}
	last := &c.full[len(c.full)-1]
	*last = append(*last, v)
	c.n++
}

func (c *chunks[T]) len() int { return c.n }

// at returns a pointer to element i.
func (c *chunks[T]) at(i int) *T { return &c.full[i/chunkSize][i%chunkSize] }

// all returns the elements in one slice (empty, not nil, when there are none).
func (c *chunks[T]) all() []T {
	out := make([]T, 0, c.n)
	for _, ch := range c.full {
		out = append(out, ch...)
	}
	return out
}

// newFeatureReport starts the report of feature i; villageID is named in its problems when it
// is a well-formed ID.
func (d *decoder) newFeatureReport(i int, villageID json.RawMessage) *featureReport {
	fr := &featureReport{}
	d.initFeatureReport(fr, i, villageID)
	return fr
}

// initFeatureReport is newFeatureReport into fr, which a decoder may reuse from feature to
// feature. The decoded village ID is kept so that reading the same raw value again (f.id)
// does not decode and copy it a second time.
func (d *decoder) initFeatureReport(fr *featureReport, i int, villageID json.RawMessage) {
	*fr = featureReport{rep: d.rep, index: i}
	s, ok := decodeString(villageID)
	if ok {
		fr.idRaw, fr.idStr = villageID, s
	}
	if ok && validID(s) {
		fr.villageID = s
	}
}

// unmarshalProps reads a feature's properties: dst[i] gets the value of the member named
// exactly names[i]. It returns false when properties is neither an object nor null.
func unmarshalProps(lx *scan.Lexer, raw json.RawMessage, names []string, dst []*json.RawMessage) bool {
	if isNull(raw) {
		return true
	}
	_, ok := splitObject(lx, raw, names, dst)
	return ok
}

// shape checks the Feature's own members: "type" must be "Feature", "id" a string or number,
// "properties" an object or null. It returns false when the value is not a Feature at all and
// should not be checked further.
func (f *featureReport) shape(feat *rawFeature, propsOK bool) bool {
	typ, ok := decodeString(feat.Type)
	switch {
	case len(feat.Type) == 0:
		f.add("type", geo.RuleNotGeoJSON, `missing "type": "Feature"`)
		return false
	case !ok || typ != "Feature":
		f.add("type", geo.RuleNotGeoJSON, `want "Feature", got `+describe(feat.Type))
		return false
	}
	if k := jsonKind(feat.ID); len(feat.ID) > 0 && k != "string" && k != "number" && k != "null" {
		f.add("id", geo.RuleNotGeoJSON, "want a string or number, got "+describe(feat.ID))
	}
	if !propsOK {
		f.add("properties", geo.RuleNotGeoJSON, "want an object or null, got "+describe(feat.Properties))
	}
	if feat.dup != "" {
		f.add("", geo.RuleDuplicateKey, dupReason(feat.dup))
	}
	return true
}
