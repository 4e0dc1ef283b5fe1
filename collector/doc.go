// Package collector brings carrier and registry files into covmon: it validates a file, records
// the upload, and commits its rows in one transaction through a Store. The same pipeline serves
// the command line, the HTTP API, the drop folder and pulled feeds.
//
// collector depends on geo only; storage, HTTP and metrics live in sub-packages that collector
// never imports.
package collector
