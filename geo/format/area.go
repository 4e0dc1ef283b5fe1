package format

import (
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/paulmach/orb"
)

// AreaSchema is the covmon_schema name of coverage-area files.
const AreaSchema = "areas/v1"

// AreaDefaultMethod is the method of a coverage area whose file names none: areas come from
// carriers' planning tools, so they are modelled, not measured.
const AreaDefaultMethod = "model"

// AreaDefaultMaxProblems is how many problems StreamAreas keeps when AreaOptions.MaxProblems
// is zero.
const AreaDefaultMaxProblems = 1000

// areaDefaultBounds is the country box positions must fall in when AreaOptions.Bounds is
// empty: Vietnam, lon 102…117.9, lat 6…23.5 (the islands included).
var areaDefaultBounds = orb.Bound{Min: orb.Point{102, 6}, Max: orb.Point{117.9, 23.5}}

// AreaOptions configures StreamAreas. The zero value is usable.
type AreaOptions struct {
	// File names the input in problems (e.g. "viettel-4g.geojson").
	File string
	// Bounds is the country box every position must fall in; empty means Vietnam
	// (lon 102…117.9, lat 6…23.5).
	Bounds orb.Bound
	// Carriers is the list of known carriers; nil means DefaultCarriers.
	Carriers []string
	// Carrier is the uploader's carrier. When set, a file or feature naming another carrier
	// is a carrier_mismatch problem, and features of a file without a top-level carrier
	// default to it.
	Carrier string
	// Now is the time of upload: observed_at after it is time_future. Zero means time.Now().
	Now time.Time
	// MaxProblems caps the problems kept (AreaDefaultMaxProblems when zero); the
	// ValidationError says Truncated when more existed.
	MaxProblems int
	// Workers is how many goroutines parse features; zero means GOMAXPROCS.
	Workers int
}

// areaConfig is AreaOptions with defaults filled in, shared read-only by the parse workers.
type areaConfig struct {
	file        string
	bounds      orb.Bound
	carriers    []string
	carrier     string
	now         time.Time
	maxProblems int
	workers     int
}

func newAreaConfig(opt *AreaOptions) *areaConfig {
	c := &areaConfig{
		file:        opt.File,
		bounds:      opt.Bounds,
		carriers:    opt.Carriers,
		carrier:     opt.Carrier,
		now:         opt.Now,
		maxProblems: opt.MaxProblems,
		workers:     opt.Workers,
	}
	if c.bounds.IsEmpty() || c.bounds == (orb.Bound{}) {
		c.bounds = areaDefaultBounds
	}
	if c.carriers == nil {
		c.carriers = geo.DefaultCarriers
	}
	if c.now.IsZero() {
		c.now = time.Now()
	}
	if c.maxProblems <= 0 {
		c.maxProblems = AreaDefaultMaxProblems
	}
	if c.workers <= 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	return c
}

// knownCarrier returns the configured spelling of carrier name b, without allocating.
func (c *areaConfig) knownCarrier(b []byte) (string, bool) {
	// Case-insensitive, as in observations/v1 ("Viettel" is viettel); exact first, without
	// allocating.
	i := slices.IndexFunc(c.carriers, func(s string) bool { return s == string(b) })
	if i < 0 {
		i = slices.IndexFunc(c.carriers, func(s string) bool { return strings.EqualFold(s, string(b)) })
	}
	if i < 0 {
		return "", false
	}
	return c.carriers[i], true
}

// areaMethod returns the canonical spelling of method name b, without allocating.
func areaMethod(b []byte) (string, bool) {
	i := slices.IndexFunc(geo.Methods, func(s string) bool { return s == string(b) })
	if i < 0 {
		return "", false
	}
	return geo.Methods[i], true
}

// areaWGS84 lists the crs names that mean WGS84 longitude/latitude.
var areaWGS84 = []string{
	"urn:ogc:def:crs:OGC:1.3:CRS84",
	"EPSG:4326",
	"urn:ogc:def:crs:EPSG::4326",
}

// areaProblems collects problems up to a cap.
type areaProblems struct {
	list      []geo.Problem
	max       int
	truncated bool
}

func (p *areaProblems) add(pr geo.Problem) {
	if len(p.list) >= p.max {
		p.truncated = true
		return
	}
	p.list = append(p.list, pr)
}

func (p *areaProblems) err(file string) error {
	if len(p.list) == 0 && !p.truncated {
		return nil
	}
	return &geo.ValidationError{File: file, Problems: p.list, Truncated: p.truncated}
}
