package synth

import (
	"bufio"
	"io"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// WriteVillages writes pts as a villages/v1 FeatureCollection (Point geometries), streaming.
func WriteVillages(w io.Writer, pts []orb.Point) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"type":"FeatureCollection","covmon_schema":"villages/v1","features":[` + "\n")
	var b []byte
	for k, p := range pts {
		v := VillageAt(k, p)
		b = b[:0]
		if k > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, `{"type":"Feature","id":`...)
		b = strconv.AppendQuote(b, v.ID)
		b = append(b, `,"geometry":{"type":"Point","coordinates":`...)
		b = appendPoint(b, p)
		b = append(b, `},"properties":{"village_id":`...)
		b = strconv.AppendQuote(b, v.ID)
		b = append(b, `,"name":`...)
		b = strconv.AppendQuote(b, v.Name)
		b = append(b, `,"commune_code":"`...)
		b = append(b, v.CommuneCode...)
		b = append(b, `","province_code":"`...)
		b = append(b, v.ProvinceCode...)
		b = append(b, `","province_name":`...)
		b = strconv.AppendQuote(b, v.ProvinceName)
		b = append(b, `,"grid_power":`...)
		b = strconv.AppendBool(b, v.GridPower)
		b = append(b, `,"households":`...)
		b = strconv.AppendInt(b, int64(v.Households), 10)
		if len(v.Programs) > 0 {
			b = append(b, `,"programs":["vls-2024"]`...)
		}
		b = append(b, `,"baseline":true}}`...)
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// AreaWriter writes an areas/v1 FeatureCollection one feature at a time.
type AreaWriter struct {
	bw    *bufio.Writer
	n     int
	props string
	b     []byte
}

// NewAreaWriter starts a file for carrier with every feature on technology tech (wire name,
// e.g. "4g"), observed at observedAt (a date), method model, with signal tier minRSRP dBm.
func NewAreaWriter(w io.Writer, carrier, tech, observedAt string, minRSRP int) *AreaWriter {
	a := &AreaWriter{bw: bufio.NewWriterSize(w, 1<<16)}
	a.bw.WriteString(`{"type":"FeatureCollection","covmon_schema":"areas/v1","carrier":` + strconv.Quote(carrier) + `,"features":[` + "\n")
	a.props = `"properties":{"technology":` + strconv.Quote(tech) + `,"observed_at":` + strconv.Quote(observedAt) +
		`,"method":"model","min_rsrp_dbm":` + strconv.Itoa(minRSRP) + `}`
	return a
}

// Polygon writes one Polygon feature.
func (a *AreaWriter) Polygon(p orb.Polygon) error {
	a.start("Polygon")
	a.b = appendPolygon(a.b, p)
	return a.end()
}

// MultiPolygon writes one MultiPolygon feature.
func (a *AreaWriter) MultiPolygon(mp orb.MultiPolygon) error {
	a.start("MultiPolygon")
	a.b = append(a.b, '[')
	for i, p := range mp {
		if i > 0 {
			a.b = append(a.b, ',')
		}
		a.b = appendPolygon(a.b, p)
		if len(a.b) > 1<<20 { // a dissolved layer can be large: flush as we go
			if _, err := a.bw.Write(a.b); err != nil {
				return err
			}
			a.b = a.b[:0]
		}
	}
	a.b = append(a.b, ']')
	return a.end()
}

func (a *AreaWriter) start(typ string) {
	a.b = a.b[:0]
	if a.n > 0 {
		a.b = append(a.b, ",\n"...)
	}
	a.n++
	a.b = append(a.b, `{"type":"Feature",`...)
	a.b = append(a.b, a.props...)
	a.b = append(a.b, `,"geometry":{"type":"`...)
	a.b = append(a.b, typ...)
	a.b = append(a.b, `","coordinates":`...)
}

func (a *AreaWriter) end() error {
	a.b = append(a.b, "}}"...)
	_, err := a.bw.Write(a.b)
	return err
}

// Close ends the collection and flushes; it does not close the underlying writer.
func (a *AreaWriter) Close() error {
	a.bw.WriteString("\n]}\n")
	return a.bw.Flush()
}

func appendPolygon(b []byte, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for k, q := range r {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendPoint(b, q)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

func appendPoint(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
	return append(b, ']')
}

// WriteObservations writes an observations/v1 file of n rows from carrier over the villages at
// pts: row i reports village i mod len(pts), technology 2g, 3g, 4g in turn for each pass over
// the villages, a day later after every three passes, so no two rows share a series and an
// instant. Half the rows have signal, with an RSRP; every row is a drive test.
func WriteObservations(w io.Writer, pts []orb.Point, n int, carrier string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":` + strconv.Quote(carrier) + `,"features":[` + "\n")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	techs := []string{"2g", "3g", "4g"}
	var b []byte
	for i := range n {
		k := i % len(pts)
		pass := i / len(pts)
		b = b[:0]
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, `{"type":"Feature","geometry":null,"properties":{"village_id":`...)
		b = strconv.AppendQuote(b, VillageAt(k, pts[k]).ID)
		b = append(b, `,"technology":"`...)
		b = append(b, techs[pass%3]...)
		signal := (i/7)%2 == 0
		b = append(b, `","has_signal":`...)
		b = strconv.AppendBool(b, signal)
		if signal {
			b = append(b, `,"rsrp_dbm":`...)
			b = strconv.AppendFloat(b, -80-float64(i%40), 'f', 1, 64)
		}
		b = append(b, `,"observed_at":"`...)
		b = base.AddDate(0, 0, pass/3).AppendFormat(b, "2006-01-02")
		b = append(b, `","method":"drive_test"}}`...)
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
