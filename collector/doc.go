// Package collector brings carrier and registry files into covmon and keeps the national picture
// current. The Ingester validates a file (through geo/format; coverage areas are joined to the
// registry through geo/cover), records the upload, and commits its rows in one transaction
// through a Store; the same pipeline serves the command line, the HTTP API, the drop folder
// (Inbox) and pulled feeds (Feed). The Runner owns the scheduled jobs (drop folder, feeds,
// refresh) and the latest geo.Snapshot, which it rebuilds off the request path after accepted
// uploads, coalescing a burst into one refresh.
//
// collector imports only geo and geo/... (format, cover, wire); storage (collector/sqlite), HTTP
// (collector/httpapi) and metrics (collector/metrics) live in sub-packages that collector never
// imports.
package collector
