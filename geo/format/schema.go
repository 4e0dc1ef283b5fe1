package format

import (
	"embed"
	"slices"
	"strings"
)

// schemaFS holds the JSON Schemas (draft 2020-12) of covmon's file formats, one file per
// format version: "villages/v1" is schema/villages-v1.schema.json.
//
//go:embed schema/*.json
var schemaFS embed.FS

// schemaFile maps a format name such as "villages/v1" to its embedded file name.
func schemaFile(name string) string {
	return "schema/" + strings.ReplaceAll(name, "/", "-") + ".schema.json"
}

// SchemaNames lists the names of the formats with a JSON Schema ("observations/v1",
// "villages/v1"), sorted. They are the values of a file's "covmon_schema" member.
func SchemaNames() []string {
	entries, _ := schemaFS.ReadDir("schema") // embedded: cannot fail
	var names []string
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".schema.json")
		if !ok {
			continue
		}
		i := strings.LastIndexByte(base, '-')
		if i < 0 {
			continue
		}
		names = append(names, base[:i]+"/"+base[i+1:])
	}
	slices.Sort(names)
	return names
}

// Schema returns the JSON Schema (draft 2020-12) of the format name, such as "villages/v1".
// ok is false for an unknown name. The schema checks structure only; DecodeVillages and
// DecodeObservations check more (bounds, rings, registry, duplicates, future instants).
func Schema(name string) (schema []byte, ok bool) {
	if name == "" || strings.Contains(name, "..") {
		return nil, false
	}
	b, err := schemaFS.ReadFile(schemaFile(name))
	if err != nil {
		return nil, false
	}
	return b, true
}
