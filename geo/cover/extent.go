package cover

import (
	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// InExtent reports whether a village (its province and commune codes and its centre) is
// inside extent e: its province or commune is listed, or its centre is covered by e's
// geometry under the boundary rule of Covers (a centre on the extent's edge is inside). A nil
// extent is the whole registry.
func InExtent(e *geo.AreaExtent, province, commune string, centre orb.Point) bool {
	if e == nil {
		return true
	}
	return e.Names(province, commune) || (len(e.Geometry) > 0 && Covers(e.Geometry, centre))
}
