package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// Error codes. Each names one kind of failure a client can act on and maps, through the table
// below, to one HTTP status and one problem type (urn:covmon:problem:<code>, documented in
// docs/api.md). Anything else is EINTERNAL: logged once, and answered without its text, so no
// SQL or internal detail reaches a client.
const (
	EINVALID      = "invalid-request"    // the request is malformed: a parameter, the body's encoding
	EUNAUTHORIZED = "unauthorized"       // no valid bearer token
	EFORBIDDEN    = "forbidden"          // the token's role may not do this
	ENOTFOUND     = "not-found"          // no such endpoint, upload, village or schema
	EMETHOD       = "method-not-allowed" // a known path, a method it does not take (Allow lists those it does)
	ETOOLARGE     = "too-large"          // the upload is over the size limits
	ETOOSLOW      = "too-slow"           // the upload's body did not keep up the minimum rate
	EBUSY         = "too-many-uploads"   // the uploader already has the most uploads in flight
	ELISTS        = "too-many-lists"     // the most whole village lists are being written already
	EREJECTED     = "invalid-upload"     // the file was read and rejected; the report lists why
	ECONFLICT     = "conflict"           // the upload contradicts the stored registry (its history)
	ENOTREADY     = "not-ready"          // the database or the first evaluation is not ready
	EINTERNAL     = "internal"           // covmon failed
)

// codes is the one map from error code to HTTP status and problem title.
var codes = map[string]struct {
	status int
	title  string
}{
	EINVALID:      {http.StatusBadRequest, "Invalid request"},
	EUNAUTHORIZED: {http.StatusUnauthorized, "Unauthorized"},
	EFORBIDDEN:    {http.StatusForbidden, "Forbidden"},
	ENOTFOUND:     {http.StatusNotFound, "Not found"},
	EMETHOD:       {http.StatusMethodNotAllowed, "Method not allowed"},
	ETOOLARGE:     {http.StatusRequestEntityTooLarge, "Upload too large"},
	ETOOSLOW:      {http.StatusRequestTimeout, "Upload too slow"},
	EBUSY:         {http.StatusTooManyRequests, "Too many uploads in flight"},
	ELISTS:        {http.StatusServiceUnavailable, "Too many village lists being written"},
	EREJECTED:     {http.StatusUnprocessableEntity, "Upload rejected"},
	ECONFLICT:     {http.StatusConflict, "Conflicts with the stored registry"},
	ENOTREADY:     {http.StatusServiceUnavailable, "Not ready"},
	EINTERNAL:     {http.StatusInternalServerError, "Internal error"},
}

// sentinels maps errors from other packages to codes when no handler said more.
var sentinels = []struct {
	err  error
	code string
}{
	{geo.ErrNotFound, ENOTFOUND},
	{collector.ErrTooLarge, ETOOLARGE},
	{collector.ErrUnknownCarrier, EINVALID},
	{collector.ErrUnknownKind, EINVALID},
	{errUnauthorized, EUNAUTHORIZED},
}

// Error is an API error whose Message is meant for the client.
type Error struct {
	Code    string
	Message string
	// Report is the upload report of a rejected upload (EREJECTED), sent as the problem's
	// "report" member.
	Report *wire.Upload
}

func (e *Error) Error() string { return fmt.Sprintf("httpapi: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and client-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns err's code: an *Error's own, a known sentinel's, else EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	return EINTERNAL
}

// problemBase prefixes problem type names (a URN: they name the kind of problem, documented
// in docs/api.md, and are not meant to be fetched).
const problemBase = "urn:covmon:problem:"

// Problem is an RFC 9457 problem document, with covmon's extension members.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Report is the upload report of a rejected upload (extension member).
	Report *wire.Upload `json:"report,omitempty"`
}

// writeError answers r with err as a problem document. This is where API errors are logged,
// once: an internal error with its text (which the client does not see), nothing else.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := ErrorCode(err)
	c := codes[code]
	p := Problem{Type: problemBase + code, Title: c.title, Status: c.status, Instance: r.URL.Path}
	var e *Error
	switch {
	case code == EINTERNAL:
		s.logger().Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "the server failed; the error is logged"
	case errors.As(err, &e):
		p.Detail, p.Report = e.Message, e.Report
	default: // a sentinel: its text may name internals, so only the title is sent
	}
	if code == EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="covmon"`)
		if p.Detail == "" {
			p.Detail = "a valid bearer token is required (covmon token create)"
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
