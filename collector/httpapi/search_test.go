package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// TestServer_VillagesSearch: GET /api/v1/villages?q= matches names without case or diacritics.
func TestServer_VillagesSearch(t *testing.T) {
	srv, _ := newServer(t, nil) // one village, "Bản Một"
	for _, tc := range []struct {
		q    string
		code int
		n    int
	}{
		{"ban mot", 200, 1},
		{"BẢN", 200, 1},
		{"mot", 200, 1},
		{"ban hai", 200, 0},
		{"--", 400, 0},
	} {
		resp, err := http.Get(srv.URL + "/api/v1/villages?q=" + url.QueryEscape(tc.q))
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Features []json.RawMessage `json:"features"`
		}
		json.NewDecoder(resp.Body).Decode(&fc)
		resp.Body.Close()
		if resp.StatusCode != tc.code || len(fc.Features) != tc.n {
			t.Errorf("q=%q: status %d with %d features, want %d with %d", tc.q, resp.StatusCode, len(fc.Features), tc.code, tc.n)
		}
	}
}
