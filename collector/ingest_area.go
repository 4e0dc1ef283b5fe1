package collector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
	"github.com/covmon/covmon/geo/format"
)

// AreaLayerLimit is the most layers (carrier × technology × observed_at) one areas/v1 file may
// hold. Each layer costs one bit per indexed point while the file is joined, so the limit
// bounds memory whatever the file says.
const AreaLayerLimit = 32

// RuleTooManyLayers is the problem rule of an areas file with more than AreaLayerLimit layers.
// It is judged at ingest, not by the decoder, so it is not in geo.Rules.
const RuleTooManyLayers = "too_many_layers"

// areaBatchSize is how many observations go to the store at once.
const areaBatchSize = 4096

// areaLayer is one carrier × technology × observed_at of an areas upload, joined against the
// registry as the file streams by.
type areaLayer struct {
	carrier string
	tech    geo.Technology
	at      time.Time
	join    *cover.Join
	res     []cover.Result // the join's results, once the file is read

	method string
	// minRSRP and minDL are the weakest signal tier of the layer's features (nil as soon as
	// one feature has none): inside the union of the contours, only that much is known.
	minRSRP, minDL *float64
	noRSRP, noDL   bool
	features       int
}

// areaPlan is a decoded and joined areas upload, ready to be written as observations.
type areaPlan struct {
	ids      []string // village IDs in index order; the registry itself is not kept
	ix       *cover.Index
	layers   []*areaLayer
	features int

	// extent is what the file speaks for (nil: the whole registry); inside[i] says whether
	// village ids[i] is inside it (nil: every village is).
	extent *geo.AreaExtent
	inside []bool
}

// decodeAreas streams an areas/v1 file through format.StreamAreas into one cover.Join per
// layer against the whole registry. Only the registry, its index and one bit per indexed
// point per layer are held, never the file. A *geo.ValidationError lists every problem,
// including layers beyond AreaLayerLimit.
func (in *Ingester) decodeAreas(ctx context.Context, r io.Reader, opt format.Options) (*areaPlan, error) {
	reg, err := in.areaRegistry(ctx)
	if err != nil {
		return nil, fmt.Errorf("load village registry: %w", err)
	}
	opt.KnownProvince = func(c string) bool { return reg.provinces[c] }
	opt.KnownCommune = func(c string) bool { return reg.communes[c] }
	p := &areaPlan{ids: reg.ids, ix: reg.ix}
	type key struct {
		carrier string
		tech    geo.Technology
		at      int64
	}
	byKey := map[key]*areaLayer{}
	var extra []geo.Problem
	p.extent, err = format.StreamAreasExtent(r, opt, func(i int, a *geo.CoverageArea) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.features++
		k := key{a.Carrier, a.Technology, a.ObservedAt.UnixMilli()}
		l := byKey[k]
		if l == nil {
			if len(byKey) >= AreaLayerLimit {
				extra = append(extra, geo.Problem{File: opt.File, Feature: i, Field: "observed_at", Rule: RuleTooManyLayers,
					Reason: fmt.Sprintf("more than %d layers (carrier × technology × observed_at) in one file; split it", AreaLayerLimit)})
				return nil
			}
			l = &areaLayer{carrier: a.Carrier, tech: a.Technology, at: time.UnixMilli(k.at).In(geo.Vietnam),
				join: cover.NewJoin(p.ix), method: a.Method}
			byKey[k] = l
			p.layers = append(p.layers, l)
		}
		l.add(a)
		return nil
	})
	var verr *geo.ValidationError
	switch {
	case errors.As(err, &verr):
		verr.Problems = append(verr.Problems, extra...)
		slices.SortStableFunc(verr.Problems, func(a, b geo.Problem) int { return cmp.Compare(a.Feature, b.Feature) })
		return p, verr
	case err != nil:
		return nil, err
	case len(extra) > 0:
		return p, &geo.ValidationError{File: opt.File, Problems: extra}
	}
	// Older layers first, so that each is compared with what the earlier ones wrote.
	slices.SortFunc(p.layers, func(a, b *areaLayer) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.carrier, b.carrier), cmp.Compare(a.tech, b.tech))
	})
	for _, l := range p.layers {
		l.res = l.join.Results()
	}
	if p.extent != nil {
		p.inside = make([]bool, len(reg.ids))
		for i := range reg.ids {
			p.inside[i] = cover.InExtent(p.extent, reg.places[i].ProvinceCode, reg.places[i].CommuneCode, reg.centres[i])
		}
	}
	return p, nil
}

// areaRegistry is what an areas upload needs of the village registry: the IDs in index order,
// the index of centres and settled-area samples, each village's place and centre (for a
// file's extent), and the known province and commune codes. It is read-only once built, so
// the uploads of one registry version share it (see Ingester.areaRegistry).
type areaRegistry struct {
	version             int64
	ids                 []string
	ix                  *cover.Index
	places              []geo.VillagePlace // ID left empty: ids[i] names it
	centres             []orb.Point
	provinces, communes map[string]bool
}

// registryKeep is how long the last registry read for an areas upload is kept after its last
// use: a batch of layers (the CLI's files, a carrier's monthly uploads to a server) reads
// the registry once, and an idle server does not hold it.
const registryKeep = 10 * time.Minute

// areaRegistry returns the registry read for areas uploads: the kept one while the store's
// registry version is the one it was read at, else a fresh read (kept in its place). A
// registry upload in between, from this process or another on the same database, changes
// the version, so an upload never joins against a registry older than the one it would
// read itself.
func (in *Ingester) areaRegistry(ctx context.Context) (*areaRegistry, error) {
	in.regMu.Lock()
	defer in.regMu.Unlock()
	// The version is read before the registry: a registry changed in between leaves a newer
	// registry under an older version, which the next upload reads again.
	v, err := in.Store.RegistryVersion(ctx)
	if err != nil {
		return nil, err
	}
	if in.reg == nil || in.reg.version != v {
		in.reg = nil // the old one is garbage while the new one is read
		if in.reg, err = readAreaRegistry(ctx, in.Store, v); err != nil {
			return nil, err
		}
		in.RegistryReads++
	}
	if in.regDrop == nil {
		in.regDrop = time.AfterFunc(registryKeep, in.dropAreaRegistry)
	} else {
		in.regDrop.Reset(registryKeep)
	}
	return in.reg, nil
}

// dropAreaRegistry forgets the kept registry.
func (in *Ingester) dropAreaRegistry() {
	in.regMu.Lock()
	defer in.regMu.Unlock()
	in.reg = nil
}

func readAreaRegistry(ctx context.Context, st Store, version int64) (*areaRegistry, error) {
	ids, shapes, err := st.VillageShapes(ctx)
	if err != nil {
		return nil, err
	}
	places, err := st.VillagePlaces(ctx)
	if err != nil {
		return nil, err
	}
	if len(places) != len(ids) || (len(ids) > 0 && (places[0].ID != ids[0] || places[len(ids)-1].ID != ids[len(ids)-1])) {
		return nil, errRegistryMoved
	}
	reg := &areaRegistry{version: version, ids: ids, places: places, centres: make([]orb.Point, len(ids)),
		provinces: map[string]bool{}, communes: map[string]bool{}}
	for i := range places {
		reg.provinces[places[i].ProvinceCode], reg.communes[places[i].CommuneCode] = true, true
		places[i].ID = ""
		reg.centres[i] = shapes[i].Center
	}
	// Only the index, the IDs, places and centres are kept: the shapes are garbage once the
	// index is built.
	reg.ix = cover.NewIndexShapes(shapes)
	return reg, nil
}

// errRegistryMoved is returned when the registry changed between the two reads of an areas
// ingest; the upload is not recorded and may be sent again.
var errRegistryMoved = errors.New("the village registry changed while the file was read; send it again")

// in reports whether village index i is inside the file's extent.
func (p *areaPlan) in(i int) bool { return p.inside == nil || p.inside[i] }

// report fills in what the file speaks for: Extent, and how many villages it covers, marks
// dark inside its extent, and leaves alone outside it. A file without an extent gets a note in
// plain words: it is read as the carrier's national layer, marking every registry village
// outside its polygons as without signal.
func (p *areaPlan) report(u *geo.Upload) {
	dark := make([]bool, len(p.ids))
	inside := 0
	for i := range p.ids {
		if p.in(i) {
			inside++
		}
	}
	for _, l := range p.layers {
		for _, r := range l.res {
			if p.in(r.VillageIndex) && !r.CentreCovered {
				dark[r.VillageIndex] = true
			}
		}
	}
	for _, d := range dark {
		if d {
			u.MarkedDark++
		}
	}
	u.Extent = p.extent.String()
	if len(p.layers) == 0 {
		return
	}
	if p.extent == nil {
		u.Notes = append(u.Notes, fmt.Sprintf("This file has no extent, so covmon reads it as the complete national layer of %s: "+
			"%d of the %d registry villages are outside its polygons and are recorded as having no signal from %s on that technology and date. "+
			"If the file covers only part of the country, add an \"extent\" naming its provinces, communes or polygon (docs/formats.md#extent); "+
			"villages outside an extent keep what they had.", p.layersText(), u.MarkedDark, len(p.ids), p.carrierText()))
		return
	}
	u.Notes = append(u.Notes, fmt.Sprintf("This file speaks for %s: %d registry villages are inside it (%d of them outside its polygons, recorded as having no signal); "+
		"the other %d villages are left as they were.", p.extent, inside, u.MarkedDark, len(p.ids)-inside))
}

// layersText names the layers, e.g. "viettel 4G on 2024-11-01".
func (p *areaPlan) layersText() string {
	var parts []string
	for _, l := range p.layers {
		s := fmt.Sprintf("%s %s on %s", l.carrier, strings.ToUpper(l.tech.String()), l.at.Format(time.DateOnly))
		if l.at.Format("15:04:05") != "00:00:00" {
			s = fmt.Sprintf("%s %s at %s", l.carrier, strings.ToUpper(l.tech.String()), l.at.Format(time.RFC3339))
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func (p *areaPlan) carrierText() string {
	if c := p.carrier(); c != "" {
		return c
	}
	return "its carriers"
}

func (l *areaLayer) add(a *geo.CoverageArea) {
	l.join.Add(a)
	if l.method != a.Method {
		l.method = format.AreaDefaultMethod // mixed methods: the areas are a model of coverage
	}
	weakest := func(cur *float64, none *bool, v *float64) *float64 {
		switch {
		case *none:
			return nil
		case v == nil:
			*none = true
			return nil
		case l.features == 0 || *v < *cur:
			x := *v
			return &x
		}
		return cur
	}
	l.minRSRP = weakest(l.minRSRP, &l.noRSRP, a.MinRSRPdBm)
	l.minDL = weakest(l.minDL, &l.noDL, a.MinDLMbps)
	l.features++
}

// carrier returns the carrier of every layer, or "" when they differ or there are none.
// newest is the latest observed_at of the plan's layers (zero without layers).
func (p *areaPlan) newest() time.Time {
	var t time.Time
	for _, l := range p.layers {
		if l.at.After(t) {
			t = l.at
		}
	}
	return t
}

func (p *areaPlan) carrier() string {
	c := ""
	for _, l := range p.layers {
		switch {
		case c == "":
			c = l.carrier
		case c != l.carrier:
			return ""
		}
	}
	return c
}

// observations yields every village's observation of every layer, a batch of at most
// areaBatchSize of one layer at a time (the batch is reused after the yield returns). The
// observation says whether the centre is covered (HasSignal) and, for a village with a
// settled area, the covered share; a covered centre carries the layer's signal tier as its
// RSRP and download speed (lower bounds).
func (p *areaPlan) observations(yield func([]geo.Observation) bool) {
	buf := make([]geo.Observation, 0, areaBatchSize)
	shares := make([]float64, areaBatchSize)
	for _, l := range p.layers {
		res := l.res
		for start := 0; start < len(res); start += areaBatchSize {
			buf = buf[:0]
			for k, r := range res[start:min(start+areaBatchSize, len(res))] {
				if !p.in(r.VillageIndex) {
					continue // outside the file's extent: the village keeps what it had
				}
				o := geo.Observation{VillageID: p.ids[r.VillageIndex], Carrier: l.carrier, Technology: l.tech,
					HasSignal: r.CentreCovered, ObservedAt: l.at, Method: l.method}
				if r.CentreCovered {
					o.RSRPdBm, o.DLMbps = l.minRSRP, l.minDL
				}
				if p.ix.Samples(r.VillageIndex) > 0 {
					shares[k] = r.Share
					o.AreaShare = &shares[k]
				}
				buf = append(buf, o)
			}
			if len(buf) > 0 && !yield(buf) {
				return
			}
		}
	}
}
