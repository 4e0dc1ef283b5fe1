package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// keys returns the field names of a JSON object and, under "<name>[]." prefixes, of the
// objects in its arrays (the union over all elements), sorted.
func keys(t *testing.T, prefix string, v any) []string {
	t.Helper()
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			out = append(out, prefix+k)
			out = append(out, keys(t, prefix+k+".", x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, keys(t, strings.TrimSuffix(prefix, ".")+"[].", x)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func jsonKeys(t *testing.T, what string, b []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, b)
	}
	return keys(t, "", v)
}

// TestWire_UploadsCLIMatchesAPI pins that covmon uploads --format json and GET /api/v1/uploads
// print the same document (same field names, snake_case), and likewise for one upload.
func TestWire_UploadsCLIMatchesAPI(t *testing.T) {
	db := seededDB(t)
	// One rejected upload, so that the problems' field names are compared too.
	if _, _, err := run(t, db, "ingest", "--carrier", "viettel", writeTemp(t, "bad.geojson",
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"V04-0004","technology":"4g","has_signal":true,"observed_at":"yesterday"}}]}`)); err == nil {
		t.Fatal("a bad file was accepted")
	}
	ministry := createToken(t, db, "--role", "ministry")
	cli := mustRun(t, db, "uploads", "--format", "json", "--limit", "1000")
	cliOne := mustRun(t, db, "uploads", "--format", "json", "1")
	s := startServe(t, db)
	api := do(t, "GET", s.url+"/api/v1/uploads?limit=1000", ministry, "", nil)
	apiOne := do(t, "GET", s.url+"/api/v1/uploads/1", ministry, "", nil)
	if api.status != 200 || apiOne.status != 200 {
		t.Fatalf("API: %d %s / %d %s", api.status, api.body, apiOne.status, apiOne.body)
	}
	for _, c := range []struct {
		name     string
		cli, api []byte
	}{{"list", []byte(cli), api.body}, {"one", []byte(cliOne), apiOne.body}} {
		ck, ak := jsonKeys(t, "covmon uploads", c.cli), jsonKeys(t, "GET /api/v1/uploads", c.api)
		if !slices.Equal(ck, ak) {
			t.Errorf("%s: covmon uploads --format json fields %v\nGET /api/v1/uploads fields %v", c.name, ck, ak)
		}
		for _, k := range ck {
			if k != strings.ToLower(k) {
				t.Errorf("%s: field %q is not snake_case", c.name, k)
			}
		}
	}
	for _, want := range []string{"uploads", "uploads[].upload_id", "uploads[].file", "uploads[].problems[].rule"} {
		if !slices.Contains(jsonKeys(t, "covmon uploads", []byte(cli)), want) {
			t.Errorf("covmon uploads --format json has no field %s:\n%s", want, cli)
		}
	}
}

// writeTemp writes body to a file named name in a fresh temporary folder and returns its path.
func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
