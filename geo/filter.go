package geo

import "time"

// VillageFilter narrows a village query. Zero fields do not filter.
type VillageFilter struct {
	ProvinceCode string
	ProgramID    string
	IDs          []string
	// Name keeps the villages whose name or commune name contains every word of it, ignoring
	// case and diacritics (the rule of NameMatches): "ban khoang" finds "Bản Khoang".
	Name string
	// AsOf reads the registry as it was at that instant (each village's version then in force,
	// villages retired by then or created later left out); zero reads today's registry.
	AsOf time.Time
	// WithRetired, with AsOf zero, lists retired villages too (their last version): what a
	// walk over the registry's whole history needs.
	WithRetired bool
	// AsKnown reads only what had been received by the instant the read is as of (AsOf, or the
	// asOf a store method takes): the observations and independent measurements of uploads
	// received at or before it, and the registry as known then (each village's version from
	// the newest registry upload received by then; a village first imported later, or a
	// change or retirement received later, left out, whatever its effective date). It is the
	// audit view of docs/figures.md ("As known then"); false counts everything stored now.
	AsKnown bool
	// KnownAt, with AsKnown, is the instant the uploads must have been received by when it is
	// not the instant the read is as of: a village retired since is shown at its last instant
	// in the registry, as known at the instant asked (docs/api.md). Zero: the as-of instant.
	KnownAt time.Time
}

// KnownBy returns the instant the audit view counts the uploads received by, for a read as of
// asOf: f.KnownAt when set, else asOf.
func (f VillageFilter) KnownBy(asOf time.Time) time.Time {
	if !f.KnownAt.IsZero() {
		return f.KnownAt
	}
	return asOf
}

// SearchKey is the text a Name filter searches for village v: its folded name and commune name.
func SearchKey(name, communeName string) string {
	return Fold(name) + " | " + Fold(communeName)
}
