package httpapi

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// villagesFormat reads the output format of GET /api/v1/villages: ?f=csv or ?f=geojson
// (also json) wins; otherwise an Accept header naming text/csv before any JSON type asks for
// CSV. An unknown f is an EINVALID error.
func villagesFormat(r *http.Request) (csv bool, err error) {
	switch f := r.URL.Query().Get("f"); f {
	case "csv":
		return true, nil
	case "geojson", "json":
		return false, nil
	case "":
	default:
		return false, Errorf(EINVALID, "f: want csv or geojson, got %q", f)
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/csv":
			return true, nil
		case "application/geo+json", "application/json", "*/*":
			return false, nil
		}
	}
	return false, nil
}

// writeVillagesCSV writes fc as CSV (wire.WriteCSV): UTF-8 with BOM, offered as a download
// named after the instant. The instant the rows describe is in the X-Covmon-As-Of header (the
// GeoJSON's as_of member: the rows are evaluated from the store at it, when asked, so they
// count every stored upload and no computation is ever owed to them) and on every row (the
// as_of column, wire.CSVFileColumns, with the notice of synthetic demo data: a saved file
// keeps no header); the X-Covmon-Notice header flags demo data too.
//
// In the audit view (asKnown) the file is named covmon-villages-<date>-as-known.csv and says
// so in the X-Covmon-View header and its view column.
func writeVillagesCSV(w http.ResponseWriter, fc *geojson.FeatureCollection, asOf time.Time, asKnown, demo bool) error {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8; header=present")
	name := "covmon-villages-" + asOf.In(geo.Vietnam).Format("2006-01-02")
	if asKnown {
		name += "-as-known"
		h.Set("X-Covmon-View", wire.ViewAsKnown)
	}
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, name))
	h.Set("X-Covmon-As-Of", wire.VN(asOf).Format(time.RFC3339))
	h.Set("X-Content-Type-Options", "nosniff")
	if demo {
		h.Set("X-Covmon-Notice", wire.DemoNotice)
	}
	w.WriteHeader(http.StatusOK)
	return wire.WriteCSV(w, fc)
}
