// Package scan is the hand-written JSON scanner under geo/format's areas/v1 decoder, built for
// files of gigabytes: a Splitter cuts a FeatureCollection's top level from a stream into one
// byte slice per member and per feature, tracking only strings and bracket depth, and a Lexer
// reads one such slice in place without allocating (numbers parsed exactly for the common
// short decimals, strings returned as sub-slices unless they hold escapes).
//
// Assumptions: input is strict RFC 8259 JSON; nesting deeper than MaxDepth is an error; a
// single feature fits in memory, the stream as a whole need not. The first syntax error is
// kept (Lexer.Err, or the error a Splitter method returns) with its byte offset, and every
// later call fails fast. It knows nothing of GeoJSON or covmon: geo/format gives the meaning.
package scan
