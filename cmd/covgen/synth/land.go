// Package synth makes deterministic synthetic covmon data for tests and benchmarks: village
// points inside an approximation of Vietnam's land, and carrier cell-coverage polygons
// clustered near them, optionally dissolved into one MultiPolygon per layer. The data is
// synthetic (no real village, commune or cell); the same seed always gives the same bytes.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// region is a hand-drawn box along Vietnam's S-shape, tagged with a synthetic province.
type region struct {
	name         string
	provinceCode string
	box          orb.Bound
}

// land approximates Vietnam's land with boxes from the northern mountains to Cà Mau. The
// boxes do not overlap, so sampling by area is uniform over their union.
var land = []region{
	{"Miền núi phía Bắc (synthetic)", "04", orb.Bound{Min: orb.Point{102.2, 21.0}, Max: orb.Point{105.6, 22.8}}},
	{"Đông Bắc (synthetic)", "08", orb.Bound{Min: orb.Point{105.6, 21.0}, Max: orb.Point{107.8, 22.9}}},
	{"Đồng bằng sông Hồng (synthetic)", "01", orb.Bound{Min: orb.Point{105.2, 20.0}, Max: orb.Point{106.8, 21.0}}},
	{"Thanh Hóa – Nghệ An (synthetic)", "38", orb.Bound{Min: orb.Point{104.3, 18.6}, Max: orb.Point{106.0, 20.0}}},
	{"Hà Tĩnh – Quảng Bình (synthetic)", "42", orb.Bound{Min: orb.Point{105.3, 17.2}, Max: orb.Point{106.8, 18.6}}},
	{"Quảng Trị – Huế (synthetic)", "46", orb.Bound{Min: orb.Point{106.4, 16.0}, Max: orb.Point{107.9, 17.2}}},
	{"Đà Nẵng – Quảng Ngãi (synthetic)", "48", orb.Bound{Min: orb.Point{107.4, 14.8}, Max: orb.Point{109.0, 16.0}}},
	{"Tây Nguyên (synthetic)", "66", orb.Bound{Min: orb.Point{107.5, 11.8}, Max: orb.Point{109.2, 14.8}}},
	{"Đông Nam Bộ (synthetic)", "79", orb.Bound{Min: orb.Point{106.0, 10.5}, Max: orb.Point{108.6, 11.8}}},
	{"Đồng bằng sông Cửu Long (synthetic)", "92", orb.Bound{Min: orb.Point{104.8, 8.7}, Max: orb.Point{106.8, 10.5}}},
}

// Village is a synthetic registry entry.
type Village struct {
	ID           string
	Name         string
	CommuneCode  string
	ProvinceCode string
	ProvinceName string
	Center       orb.Point
	GridPower    bool
	Households   int
	Programs     []string
}

// VillagePoints returns n village centres, uniform over the land boxes, from seed.
func VillagePoints(n int, seed uint64) []orb.Point {
	rng := rand.New(rand.NewPCG(seed, 1))
	area := make([]float64, len(land))
	total := 0.0
	for i, r := range land {
		total += (r.box.Max[0] - r.box.Min[0]) * (r.box.Max[1] - r.box.Min[1])
		area[i] = total
	}
	pts := make([]orb.Point, n)
	for k := range pts {
		u := rng.Float64() * total
		i := 0
		for area[i] < u {
			i++
		}
		b := land[i].box
		pts[k] = orb.Point{
			round6(b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0])),
			round6(b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])),
		}
	}
	return pts
}

// VillageAt describes the k-th village at centre p (its attributes derive from k and p only).
func VillageAt(k int, p orb.Point) Village {
	r := land[0]
	for _, l := range land {
		if l.box.Contains(p) {
			r = l
			break
		}
	}
	h := uint64(k)*0x9E3779B97F4A7C15 + 1
	h ^= h >> 29
	v := Village{
		ID:           fmt.Sprintf("SY-%s-%07d", r.provinceCode, k),
		Name:         fmt.Sprintf("Thôn %d (synthetic)", k),
		CommuneCode:  fmt.Sprintf("%05d", h%100000),
		ProvinceCode: r.provinceCode,
		ProvinceName: r.name,
		Center:       p,
		GridPower:    h%100 >= 8,
		Households:   int(20 + h%300),
	}
	if h%10 == 0 {
		v.Programs = []string{"vls-2024"}
	}
	return v
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
