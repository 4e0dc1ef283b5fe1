// Package format reads covmon's three file formats, all GeoJSON (RFC 7946) FeatureCollections
// documented in docs/formats.md: the village registry (villages/v1, DecodeVillages), carriers'
// per-village observations (observations/v1, DecodeObservations) and carriers' coverage areas
// (areas/v1, StreamAreas). Their JSON Schemas are embedded beside them (Schema, SchemaNames).
//
// Assumptions: positions are WGS84 longitude/latitude in degrees, in that order; a named crs
// other than WGS84 is refused, not reprojected. Every position must lie in the country bound
// (Vietnam by default, edges inside). A file is all-or-nothing: any problem refuses the whole
// file with a *geo.ValidationError listing every problem found (file, feature, field, rule and
// reason, capped), so callers store nothing from it. Rule codes are geo's Rule* constants.
// Decoding reads its input once and keeps memory bounded by the values returned (StreamAreas:
// by the feature being parsed, whatever the file's size). The package does no file or network
// I/O of its own and no logging.
package format
