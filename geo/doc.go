// Package geo is covmon's domain, the language every other package speaks: villages, carrier
// observations and coverage areas, programs with deadlines, upload records and their problems
// (with the Rule* codes), the rules that turn observations into a village's status, summaries
// and history as of a date.
//
// The file formats that produce these values live in geo/format, the spatial index and the
// coverage join in geo/cover; geo imports neither. geo does no file or network I/O of its own,
// no SQL and no logging: callers hand it values, and it returns values and errors.
// Coordinates are WGS84 longitude/latitude in degrees, in that order, as orb and GeoJSON use
// them. All instants are time.Time; dates without a time of day are read in Vietnam's time zone
// (Asia/Ho_Chi_Minh, UTC+7, no daylight saving).
package geo

import (
	"errors"
	"time"
)

// Vietnam is the fixed UTC+7 zone in which covmon reads dates without a time of day.
// Vietnam has had no daylight saving since 1975, so a fixed zone needs no tzdata.
var Vietnam = time.FixedZone("ICT", 7*60*60)

// Sentinel errors. Callers check them with errors.Is.
var (
	// ErrDuplicateUpload means the same bytes (by SHA-256) were already accepted.
	ErrDuplicateUpload = errors.New("geo: duplicate upload")
	// ErrNotFound means a requested village, upload or program does not exist.
	ErrNotFound = errors.New("geo: not found")
	// ErrConflict means a change contradicts what is stored, such as a registry change dated
	// before the version it would replace, or a change to a retired village.
	ErrConflict = errors.New("geo: conflict")
)
