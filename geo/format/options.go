package format

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// ErrInvalidOptions is returned (wrapped) when Options contradict themselves, such as an
// uploader carrier that is not among the allowed carriers. It is a caller bug, not a file
// problem.
var ErrInvalidOptions = errors.New("format: invalid options")

// DefaultMaxProblems is how many problems a ValidationError keeps when Options.MaxProblems is
// zero.
const DefaultMaxProblems = 1000

// DefaultMaxReportBytes is how many bytes of problem text a ValidationError keeps when
// Options.MaxReportBytes is zero: with 1000 problems of bounded length this is never the first
// limit hit by an honest file, and it keeps a hostile file's report (the 422 body, the uploads
// row) small.
const DefaultMaxReportBytes = 256 << 10

// DefaultMinTime is the earliest date or instant any file may name when Options.MinTime is
// zero: 2000-01-01 00:00 in Vietnam, before any mobile broadband in the country and before any
// programme covmon tracks. An earlier value is a tool's zero date or a typo, and one such row
// used to make the backfill write a daily row per day since year 1.
var DefaultMinTime = time.Date(2000, 1, 1, 0, 0, 0, 0, geo.Vietnam)

// DefaultFutureSkew is how far after the time of upload an observed_at may lie when
// Options.FutureSkew is zero: carriers' clocks drift and a file may be stamped on a device a
// few minutes ahead, but never more.
const DefaultFutureSkew = 10 * time.Minute

// VietnamBounds is the default country bound for positions: longitude 102…117.9 and latitude
// 6…23.5, which covers the mainland and the islands. Edges count as inside.
var VietnamBounds = orb.Bound{Min: orb.Point{102, 6}, Max: orb.Point{117.9, 23.5}}

// Options configures DecodeVillages, DecodeObservations and StreamAreas alike. The zero value
// is usable: every field has a documented default, the same for every format.
type Options struct {
	// File names the input in problems and errors (e.g. "viettel-4g.geojson").
	File string
	// Bounds is the country bound every position must lie in (edges inside); the zero Bound
	// means VietnamBounds.
	Bounds orb.Bound
	// Carriers are the allowed carriers, matched case-insensitively and stored as spelled
	// here; nil means geo.DefaultCarriers.
	Carriers []string
	// Carrier, when set, is the uploader's carrier: a file or feature naming another is a
	// carrier_mismatch, and features without a carrier take this one. It must be one of
	// Carriers (ErrInvalidOptions otherwise).
	Carrier string
	// Inspector says the uploader is an inspector (an inspector token): its observations/v1
	// file is independent measurements of any carrier, and a file declaring "source_role":
	// "carrier" is refused. Without it, a file's own "source_role" decides, except that an
	// uploader carrier (Carrier set) may not declare "independent".
	Inspector bool
	// KnownVillage reports whether a village ID is in the registry; nil skips the
	// unknown_village check (observations/v1).
	KnownVillage func(id string) bool
	// KnownProgram reports whether a program ID is configured; nil skips the unknown_program
	// check (villages/v1).
	KnownProgram func(id string) bool
	// Responsible returns the carrier responsible for a village in a program at the time of
	// upload ("" for none): a plans/v1 feature for a village of another carrier is
	// not_responsible. nil skips the check.
	Responsible func(programID, villageID string) string
	// KnownProvince and KnownCommune report whether a 2025 province or commune code has a
	// village in the registry; nil skips the unknown_province and unknown_commune checks of an
	// areas/v1 extent.
	KnownProvince func(code string) bool
	KnownCommune  func(code string) bool
	// Now is the time of upload: an observed_at after it is time_future. Zero means the time
	// the decoding starts (time.Now()): a file is never checked against no clock at all.
	Now time.Time
	// MinTime is the earliest date or instant a file may name (any time field); earlier is
	// time_too_old. Zero means DefaultMinTime.
	MinTime time.Time
	// FutureSkew is how far after Now an observed_at may lie before it is time_future. Zero
	// means DefaultFutureSkew; a negative value means none.
	FutureSkew time.Duration
	// MaxProblems is how many problems to keep before giving up (ValidationError.Truncated);
	// 0 or less means DefaultMaxProblems.
	MaxProblems int
	// MaxReportBytes bounds the problem text kept (file, village, field, rule and reason of
	// every problem); 0 or less means DefaultMaxReportBytes.
	MaxReportBytes int
	// Workers is how many goroutines StreamAreas parses features on; 0 or less means
	// GOMAXPROCS. The other decoders read on the calling goroutine.
	Workers int
}

// config is Options with the defaults applied, shared read-only by every parse worker.
type config struct {
	file          string
	bounds        orb.Bound
	carriers      []string
	carrier       string // canonical spelling, "" when unset
	inspector     bool
	knownVillage  func(id string) bool
	knownProgram  func(id string) bool
	responsible   func(programID, villageID string) string
	knownProvince func(code string) bool
	knownCommune  func(code string) bool
	now           time.Time
	minTime       time.Time
	latest        time.Time // now + the future skew: the latest observed_at accepted
	maxProblems   int
	maxBytes      int
	workers       int
}

// newConfig applies the defaults of opt and checks it.
func newConfig(opt *Options) (*config, error) {
	c := &config{
		file:          opt.File,
		bounds:        opt.Bounds,
		carriers:      opt.Carriers,
		knownVillage:  opt.KnownVillage,
		knownProgram:  opt.KnownProgram,
		responsible:   opt.Responsible,
		knownProvince: opt.KnownProvince,
		knownCommune:  opt.KnownCommune,
		now:           opt.Now,
		inspector:     opt.Inspector,
		maxProblems:   opt.MaxProblems,
		workers:       opt.Workers,
	}
	if c.bounds == (orb.Bound{}) {
		c.bounds = VietnamBounds
	}
	if c.carriers == nil {
		c.carriers = geo.DefaultCarriers
	}
	if c.now.IsZero() {
		c.now = time.Now()
	}
	c.minTime = opt.MinTime
	if c.minTime.IsZero() {
		c.minTime = DefaultMinTime
	}
	skew := opt.FutureSkew
	switch {
	case skew == 0:
		skew = DefaultFutureSkew
	case skew < 0:
		skew = 0
	}
	c.latest = c.now.Add(skew)
	if c.maxProblems <= 0 {
		c.maxProblems = DefaultMaxProblems
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxReportBytes
	}
	if c.workers <= 0 {
		c.workers = runtime.GOMAXPROCS(0)
	}
	if opt.Carrier != "" {
		name, ok := knownCarrier(c.carriers, opt.Carrier)
		if !ok {
			return nil, fmt.Errorf("%w: uploader carrier %q is not one of %s", ErrInvalidOptions, opt.Carrier,
				strings.Join(c.carriers, ", "))
		}
		c.carrier = name
	}
	return c, nil
}

// timeBounds checks a parsed time against the floor and, for observed_at (future true),
// against the time of upload plus the skew. It returns the rule broken and its reason, or "".
// s is the value as written, quoted in the reason.
func (c *config) timeBounds(t time.Time, s string, future bool) (rule, reason string) {
	switch {
	case t.Before(c.minTime):
		return geo.RuleTimeTooOld, reasonTooOld(s, c.minTime)
	case future && t.After(c.latest):
		return geo.RuleTimeFuture, reasonFuture(s, c.now, c.latest.Sub(c.now))
	}
	return "", ""
}

// knownCarrier returns the configured spelling of carrier name, matched case-insensitively
// ("Viettel" is viettel), exact spelling first. It does not allocate for a []byte name.
func knownCarrier[S string | []byte](carriers []string, name S) (string, bool) {
	i := slices.IndexFunc(carriers, func(s string) bool { return s == string(name) })
	if i < 0 {
		i = slices.IndexFunc(carriers, func(s string) bool { return strings.EqualFold(s, string(name)) })
	}
	if i < 0 {
		return "", false
	}
	return carriers[i], true
}

// isWGS84 reports whether a named crs means WGS84 longitude/latitude.
func isWGS84(name string) bool { return slices.Contains(wgs84Names, name) }

// wgs84Names are the crs names accepted as WGS84 longitude/latitude.
var wgs84Names = []string{"urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"}
