// Package cover answers which villages a carrier's coverage areas cover: an index of village
// points (NewIndex), the join of coverage areas against it (NewJoin, Join.Add, Join.Results)
// and the boundary rule they share (Covers).
//
// Assumptions: coordinates are WGS84 longitude/latitude in degrees (orb.Point{lon, lat}) and
// every test is planar in those degrees, as PostGIS ST_Intersects on geometry in EPSG:4326
// decides; no geodesic correction is made (coverage areas are a few kilometres across). A point
// on a ring, outer or hole, is covered: a village on a coverage boundary is covered. A point
// strictly inside a hole is not. Rings are closed, as geo/format's decoders guarantee; invalid
// polygons are read with the even-odd rule. A village is its centre plus up to MaxSamples
// sample points over its settled area; a Result says whether the centre is covered and which
// share of the samples is. Index and the geometry handed to a Join are read-only and may be
// shared between goroutines.
package cover
