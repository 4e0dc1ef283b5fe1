package httpapi

import (
	"encoding/json"
	"net/http"
)

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
	Report any `json:"report,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, typ, title, detail string) {
	writeProblemDoc(w, Problem{Type: problemBase + typ, Title: title, Status: status, Detail: detail, Instance: r.URL.Path})
}

func writeProblemDoc(w http.ResponseWriter, p Problem) {
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
