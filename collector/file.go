package collector

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/covmon/covmon/geo"
)

// ErrUnknownKind is returned for a file kind other than villages, observations, areas, plans,
// assignments or crosswalk.
var ErrUnknownKind = errors.New("collector: unknown file kind")

// Kinds lists the kinds of file covmon ingests.
var Kinds = []geo.UploadKind{geo.KindObservations, geo.KindAreas, geo.KindPlans, geo.KindVillages, geo.KindAssignments, geo.KindCrosswalk}

// ErrMinistryOnly is returned when a carrier sends a file only the ministry may send (a
// crosswalk of administrative units).
var ErrMinistryOnly = errors.New("collector: only the ministry sends this kind of file")

// ParseKind reads a file kind as a person or a client names it (the API's ?kind=, a feed's
// kind, a drop folder's layout): empty means observations, the carriers' usual file.
func ParseKind(s string) (geo.UploadKind, error) {
	if s == "" {
		return geo.KindObservations, nil
	}
	k := geo.UploadKind(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Kinds, k) {
		return "", fmt.Errorf("%w %q: want observations, areas, plans, villages, assignments or crosswalk", ErrUnknownKind, s)
	}
	return k, nil
}

// resolve decides f's kind and uploading carrier, the one way for every path (API, drop
// folder, feed, command line): the kind as ParseKind reads it; a registry file has no
// carrier; any other file's carrier, when the path knows it, must be configured. When the
// path does not know it, Ingest takes the carrier the file names (see Ingest).
func (in *Ingester) resolve(f File) (File, error) {
	k, err := ParseKind(string(f.Kind))
	if err != nil {
		return f, fmt.Errorf("ingest %s: %w", f.Name, err)
	}
	f.Kind = k
	if MinistryOnly(f.Kind) {
		f.Carrier = ""
	}
	if f.Kind == geo.KindCrosswalk && f.Carrier != "" {
		return f, fmt.Errorf("ingest %s: %w: a crosswalk from carrier %q", f.Name, ErrMinistryOnly, f.Carrier)
	}
	if f.Carrier != "" && !slices.Contains(in.carriers(), f.Carrier) {
		return f, fmt.Errorf("ingest %s: %w: %q (configured: %s)", f.Name, ErrUnknownCarrier, f.Carrier, strings.Join(in.carriers(), ", "))
	}
	return f, nil
}

// MinistryOnly reports whether only the ministry may upload files of kind k: the village
// registry and the assignments of responsible carriers.
func MinistryOnly(k geo.UploadKind) bool {
	return k == geo.KindVillages || k == geo.KindAssignments
}
