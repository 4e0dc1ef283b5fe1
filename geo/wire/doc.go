// Package wire defines covmon's public JSON and GeoJSON documents once: what the HTTP API
// serves and what the command line prints with --format json are the same types, built by the
// same New… functions from geo values.
//
// Field names are snake_case and stable: they are part of covmon's public interface, pinned
// by the golden files in testdata (regenerate with go test ./geo/wire -update, and review the
// diff). Times are RFC 3339; absent optional values are left out rather than null; lists are
// [] rather than null.
//
// wire imports geo (and orb's GeoJSON) only, so every adapter (collector, httpapi, alerts,
// cmd) can use it.
package wire
