package format

import (
	"slices"

	"github.com/covmon/covmon/geo"
)

// AreaSchema is the covmon_schema name of coverage-area files.
const AreaSchema = "areas/v1"

// AreaDefaultMethod is the method of a coverage area whose file names none: areas come from
// carriers' planning tools, so they are modelled, not measured.
const AreaDefaultMethod = "model"

// areaGeometryTypes are the geometries an areas/v1 feature may have.
var areaGeometryTypes = []string{"Polygon", "MultiPolygon"}

// coordsField is the Problem field of every problem with a geometry's coordinates.
const coordsField = "geometry.coordinates"

// knownMethod returns the canonical spelling of method name b, without allocating.
func knownMethod(b []byte) (string, bool) {
	i := slices.IndexFunc(geo.Methods, func(s string) bool { return s == string(b) })
	if i < 0 {
		return "", false
	}
	return geo.Methods[i], true
}
