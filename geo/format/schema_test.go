package format_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

func TestSchemaNames(t *testing.T) {
	if got, want := format.SchemaNames(), []string{"areas/v1", "assignments/v1", "observations/v1", "plans/v1", "villages/v1"}; !slices.Equal(got, want) {
		t.Errorf("SchemaNames()=%v, want %v", got, want)
	}
	if _, ok := format.Schema("areas/v9"); ok {
		t.Error(`Schema("areas/v9") ok, want not found`)
	}
	if _, ok := format.Schema("../schema"); ok {
		t.Error(`Schema("../schema") ok, want not found`)
	}
}

// loadSchema returns the named schema, parsed.
func loadSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	b, ok := format.Schema(name)
	if !ok {
		t.Fatalf("Schema(%q) not found", name)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return s
}

func TestSchema_Header(t *testing.T) {
	for _, name := range format.SchemaNames() {
		s := loadSchema(t, name)
		if got, want := s["$schema"], "https://json-schema.org/draft/2020-12/schema"; got != want {
			t.Errorf("%s: $schema=%v, want %v", name, got, want)
		}
		file := strings.ReplaceAll(name, "/", "-") + ".schema.json"
		if got, want := s["$id"], "https://github.com/covmon/covmon/geo/format/schema/"+file; got != want {
			t.Errorf("%s: $id=%v, want %v", name, got, want)
		}
		props := s["properties"].(map[string]any)
		if got, want := props["covmon_schema"], map[string]any{"const": name}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: covmon_schema=%v, want %v", name, got, want)
		}
	}
}

// TestSchema_RequiredMatchesDecoder checks that the properties the schema requires are exactly
// those whose removal makes the decoder report field_missing.
func TestSchema_RequiredMatchesDecoder(t *testing.T) {
	tests := []struct {
		schema string
		base   []string
		build  func(overrides ...string) string
		decode decodeFunc
	}{
		{"villages/v1", villageBase, func(o ...string) string { return fc(village(pointGeom, o...)) }, decodeVillages},
		{"observations/v1", observationBase, func(o ...string) string { return fc(observation("null", o...)) }, decodeObservations},
	}
	for _, tc := range tests {
		t.Run(tc.schema, func(t *testing.T) {
			s := loadSchema(t, tc.schema)
			props := s["$defs"].(map[string]any)["properties"].(map[string]any)
			var schemaRequired []string
			for _, r := range props["required"].([]any) {
				schemaRequired = append(schemaRequired, r.(string))
			}
			if tc.schema == "observations/v1" {
				schemaRequired = append(schemaRequired, "carrier") // required unless top-level, see "else"
			}
			var decoderRequired []string
			for name := range props["properties"].(map[string]any) {
				_, err := tc.decode(tc.build(name, ""), format.Options{File: testFile})
				for _, p := range problemsOf(t, err) {
					if p.Rule == geo.RuleFieldMissing && p.Field == name {
						decoderRequired = append(decoderRequired, name)
					}
				}
			}
			slices.Sort(schemaRequired)
			slices.Sort(decoderRequired)
			if !slices.Equal(schemaRequired, decoderRequired) {
				t.Errorf("schema requires %v, decoder requires %v", schemaRequired, decoderRequired)
			}
			for i := 0; i < len(tc.base); i += 2 {
				if !slices.Contains(decoderRequired, tc.base[i]) {
					continue
				}
				if _, ok := props["properties"].(map[string]any)[tc.base[i]]; !ok {
					t.Errorf("schema does not describe %q", tc.base[i])
				}
			}
		})
	}
}

// TestSchema_ValidFiles checks every valid testdata file, and the rule cases the decoder
// accepts, against the schema with a small validator of the keywords the schemas use.
func TestSchema_ValidFiles(t *testing.T) {
	villages, _ := filepath.Glob("testdata/valid-villages*.geojson")
	observations, _ := filepath.Glob("testdata/valid-observations*.geojson")
	for _, p := range slices.Concat(villages, observations) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := "observations/v1"
		if strings.Contains(p, "villages") {
			name = "villages/v1"
		}
		checkAgainstSchema(t, filepath.Base(p), name, b)
	}
	for _, tc := range villageRuleCases {
		if tc.want == nil {
			checkAgainstSchema(t, "villages "+tc.name, "villages/v1", []byte(tc.in))
		}
	}
	for _, ext := range []string{`{"provinces":["08"]}`, `{"communes":["02710"],"provinces":["15"]}`, `{"geometry":` + areaSquare + `}`, `null`} {
		checkAgainstSchema(t, "areas extent "+ext, "areas/v1", []byte(withExtent(ext)))
	}
}

// TestSchema_InvalidFiles checks that the schema rejects the structural defects it can see.
func TestSchema_InvalidFiles(t *testing.T) {
	for _, in := range []string{
		fc(village(pointGeom, "commune_code", `"2710"`)),
		fc(village(`{"type":"Polygon","coordinates":[[[104.0,22.0],[104.02,22.0],[104.0,22.0]]]}`)),
		fc(village(pointGeom, "name", "")),
		`{"type":"FeatureCollection","features":[],"crs":{"type":"name","properties":{"name":"EPSG:3857"}}}`,
	} {
		s := loadSchema(t, "villages/v1")
		var doc any
		if err := json.Unmarshal([]byte(in), &doc); err != nil {
			t.Fatal(err)
		}
		if errs := (&miniValidator{root: s}).validate(s, doc, "$"); len(errs) == 0 {
			t.Errorf("schema accepts %s", in)
		}
	}
	for _, in := range []string{
		withExtent(`{"provinces":["8"]}`),
		withExtent(`{"provinces":[]}`),
		withExtent(`{"geometry":{"type":"Point","coordinates":[105,21]}}`),
		withExtent(`"08"`),
	} {
		s := loadSchema(t, "areas/v1")
		var doc any
		if err := json.Unmarshal([]byte(in), &doc); err != nil {
			t.Fatal(err)
		}
		if errs := (&miniValidator{root: s}).validate(s, doc, "$"); len(errs) == 0 {
			t.Errorf("schema accepts %s", in)
		}
	}
	s := loadSchema(t, "observations/v1")
	var doc any
	_ = json.Unmarshal([]byte(fc(observation("null", "carrier", ""))), &doc)
	if errs := (&miniValidator{root: s}).validate(s, doc, "$"); len(errs) == 0 {
		t.Error("schema accepts an observation without any carrier")
	}
}

func checkAgainstSchema(t *testing.T, label, name string, in []byte) {
	t.Helper()
	s := loadSchema(t, name)
	var doc any
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(in, []byte("\xEF\xBB\xBF"))))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	for _, e := range (&miniValidator{root: s}).validate(s, doc, "$") {
		t.Errorf("%s: %s", label, e)
	}
}

// miniValidator implements the JSON Schema keywords covmon's schemas use: type, const, enum,
// required, properties, items, minItems, maxItems, pattern, minimum, maximum, $ref (local),
// anyOf, oneOf and if/then/else. Annotations (format, description, default) are ignored.
type miniValidator struct{ root map[string]any }

func (v *miniValidator) validate(s map[string]any, doc any, at string) []string {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if ref, ok := s["$ref"].(string); ok {
		def := v.root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		errs = append(errs, v.validate(def, doc, at)...)
	}
	if ts, ok := s["type"]; ok {
		var types []any
		if s, ok := ts.(string); ok {
			types = []any{s}
		} else {
			types = ts.([]any)
		}
		if !slices.ContainsFunc(types, func(t any) bool { return jsonTypeIs(doc, t.(string)) }) {
			fail("want type %v, got %T", ts, doc)
			return errs
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(doc) {
		fail("want %v, got %v", c, doc)
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(doc) }) {
		fail("%v not in %v", doc, e)
	}
	switch d := doc.(type) {
	case map[string]any:
		for _, r := range asSlice(s["required"]) {
			if _, ok := d[r.(string)]; !ok {
				fail("missing %q", r)
			}
		}
		if ps, ok := s["properties"].(map[string]any); ok {
			for k, sub := range ps {
				if val, ok := d[k]; ok {
					errs = append(errs, v.validate(sub.(map[string]any), val, at+"."+k)...)
				}
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range d {
				errs = append(errs, v.validate(items, it, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
		if n, ok := s["minItems"].(float64); ok && float64(len(d)) < n {
			fail("%d items, want at least %v", len(d), n)
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(d)) > n {
			fail("%d items, want at most %v", len(d), n)
		}
	case string:
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(d) {
			fail("%q does not match %s", d, p)
		}
	case json.Number, float64:
		f, _ := strconvNumber(d)
		if m, ok := s["minimum"].(float64); ok && f < m {
			fail("%v below minimum %v", f, m)
		}
		if m, ok := s["maximum"].(float64); ok && f > m {
			fail("%v above maximum %v", f, m)
		}
	}
	if subs, ok := s["anyOf"].([]any); ok && v.matching(subs, doc) == 0 {
		fail("matches none of anyOf")
	}
	if one, ok := s["oneOf"].([]any); ok && v.matching(one, doc) != 1 {
		fail("matches %d of oneOf, want 1", v.matching(one, doc))
	}
	if cond, ok := s["if"].(map[string]any); ok {
		branch := "else"
		if len(v.validate(cond, doc, at)) == 0 {
			branch = "then"
		}
		if sub, ok := s[branch].(map[string]any); ok {
			errs = append(errs, v.validate(sub, doc, at)...)
		}
	}
	return errs
}

// matching counts the subschemas doc is valid against.
func (v *miniValidator) matching(subs []any, doc any) int {
	n := 0
	for _, sub := range subs {
		if len(v.validate(sub.(map[string]any), doc, "")) == 0 {
			n++
		}
	}
	return n
}

func asSlice(x any) []any { s, _ := x.([]any); return s }

func strconvNumber(x any) (float64, bool) {
	switch n := x.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// jsonTypeIs reports whether a decoded JSON value has JSON Schema type t.
func jsonTypeIs(doc any, t string) bool {
	switch doc.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case string:
		return t == "string"
	case []any:
		return t == "array"
	case map[string]any:
		return t == "object"
	}
	f, _ := strconvNumber(doc)
	return t == "number" || (t == "integer" && f == math.Trunc(f))
}
