package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// TestServer_WriteError pins the one map from error to status and problem type, that an
// internal error's text (here, SQL) never reaches the client, and that it is logged once.
func TestServer_WriteError(t *testing.T) {
	sqlErr := errors.New(`SQL logic error: no such column: secret_hash (SELECT secret_hash FROM tokens)`)
	for _, tt := range []struct {
		name       string
		err        error
		status     int
		typ        string
		detail     string // substring of the detail
		logs       int    // log lines
		authHeader bool
	}{
		{"Invalid", Errorf(EINVALID, "limit: want 1..1000"), 400, "invalid-request", "limit: want 1..1000", 0, false},
		{"NotFoundWrapped", fmt.Errorf("get upload: %w", Errorf(ENOTFOUND, "no upload 7")), 404, "not-found", "no upload 7", 0, false},
		{"SentinelNotFound", fmt.Errorf("get village: %w", geo.ErrNotFound), 404, "not-found", "", 0, false},
		{"Unauthorized", fmt.Errorf("authenticate: %w", errUnauthorized), 401, "unauthorized", "bearer token", 0, true},
		{"Forbidden", Errorf(EFORBIDDEN, "ministry only"), 403, "forbidden", "ministry only", 0, false},
		{"TooLarge", fmt.Errorf("ingest: %w", collector.ErrTooLarge), 413, "too-large", "", 0, false},
		{"UnknownCarrier", collector.ErrUnknownCarrier, 400, "invalid-request", "", 0, false},
		{"NotReady", Errorf(ENOTREADY, "database unavailable"), 503, "not-ready", "database unavailable", 0, false},
		{"Rejected", &Error{Code: EREJECTED, Message: "bad.geojson has 1 problem(s)"}, 422, "invalid-upload", "1 problem", 0, false},
		{"Internal", fmt.Errorf("list uploads: %w", sqlErr), 500, "internal", "the error is logged", 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logb bytes.Buffer
			s := &Server{Logger: slog.New(slog.NewTextHandler(&logb, nil))}
			w := httptest.NewRecorder()
			s.writeError(w, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil), tt.err)
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || p.Status != tt.status || p.Type != problemBase+tt.typ || p.Title == "" || p.Instance != "/api/v1/x" {
				t.Errorf("got %d %+v, want %d %s", w.Code, p, tt.status, tt.typ)
			}
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", p.Detail, tt.detail)
			}
			if strings.Contains(w.Body.String(), "SQL") || strings.Contains(w.Body.String(), "secret_hash") {
				t.Errorf("internal text reached the client: %s", w.Body)
			}
			if got := strings.Count(logb.String(), "\n"); got != tt.logs {
				t.Errorf("%d log lines, want %d:\n%s", got, tt.logs, logb.String())
			}
			if tt.logs > 0 && !strings.Contains(logb.String(), "no such column") {
				t.Errorf("the log lacks the internal error: %s", logb.String())
			}
			if got := w.Header().Get("WWW-Authenticate") != ""; got != tt.authHeader {
				t.Errorf("WWW-Authenticate set=%v, want %v", got, tt.authHeader)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestErrorCode_EveryCodeHasAStatus guards the table: a code without a row would answer 0.
func TestErrorCode_EveryCodeHasAStatus(t *testing.T) {
	for _, c := range []string{EINVALID, EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND, ETOOLARGE, EREJECTED, ENOTREADY, EINTERNAL} {
		if codes[c].status == 0 || codes[c].title == "" {
			t.Errorf("code %s has no status or title", c)
		}
	}
	for _, s := range sentinels {
		if _, ok := codes[s.code]; !ok {
			t.Errorf("sentinel %v maps to unknown code %s", s.err, s.code)
		}
	}
}
