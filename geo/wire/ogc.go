package wire

import "github.com/paulmach/orb/geojson"

// The OGC API – Features (Part 1: Core, GeoJSON) documents served under /ogc.

// Link is an OGC API link.
type Link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// OGCLanding is the landing page, GET /ogc.
type OGCLanding struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []Link `json:"links"`
}

// OGCConformance is GET /ogc/conformance.
type OGCConformance struct {
	ConformsTo []string `json:"conformsTo"`
}

// OGCConformsTo are the conformance classes covmon implements.
var OGCConformsTo = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

// CRS84 is WGS 84 longitude, latitude: the only coordinate reference system served.
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// OGCExtent is a collection's spatial and temporal extent.
type OGCExtent struct {
	Spatial struct {
		BBox [][4]float64 `json:"bbox"`
		CRS  string       `json:"crs"`
	} `json:"spatial"`
	Temporal struct {
		Interval [][2]*string `json:"interval"`
	} `json:"temporal"`
}

// OGCCollection describes one collection.
type OGCCollection struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	ItemType    string     `json:"itemType"`
	CRS         []string   `json:"crs"`
	Extent      *OGCExtent `json:"extent,omitempty"`
	Links       []Link     `json:"links"`
}

// OGCCollections is GET /ogc/collections.
type OGCCollections struct {
	Links       []Link          `json:"links"`
	Collections []OGCCollection `json:"collections"`
}

// SetOGCItems adds the OGC members of an items response to a village collection:
// "numberMatched", "numberReturned", "timeStamp" and the links (self, next).
func SetOGCItems(fc *geojson.FeatureCollection, matched int, timeStamp string, links []Link) {
	fc.ExtraMembers["numberMatched"] = matched
	fc.ExtraMembers["numberReturned"] = len(fc.Features)
	fc.ExtraMembers["timeStamp"] = timeStamp
	fc.ExtraMembers["links"] = links
}
