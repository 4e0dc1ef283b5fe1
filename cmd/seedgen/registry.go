package main

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
)

// commune is a synthetic post-2025 commune: it merged one to three pre-2025 communes of one
// pre-2025 district, and takes the first one's code, as most real merged communes did.
type commune struct {
	Code, Name string
	Province   *province
	District   int
	Legacy     []string
	Center     orb.Point
	Box        box
	// Names holds the village names used in the commune, to keep them distinct.
	Names map[string]bool
}

// registry generates the village registry: the baseline villages of every province, then the
// villages found later, sorted by ID. Grid power is left on; the story decides it.
func registry(rng *rand.Rand) []geo.Village {
	var villages []geo.Village
	communes := map[string][]*commune{}
	seq := map[string]int{}
	for i := range provinces {
		p := &provinces[i]
		used := map[int]int{} // pre-2025 district → legacy communes handed out
		names := map[string]bool{}
		for left := p.Villages; left > 0; {
			c := newCommune(rng, p, used, names)
			communes[p.Code] = append(communes[p.Code], c)
			n := min(left, 4+rng.IntN(9))
			for range n {
				seq[p.Code]++
				villages = append(villages, newVillage(rng, c, seq[p.Code]))
			}
			left -= n
		}
	}
	for _, code := range foundLaterProvinces {
		c := pick(rng, communes[code])
		seq[code]++
		v := newVillage(rng, c, seq[code])
		v.Baseline = false
		villages = append(villages, v)
	}
	slices.SortFunc(villages, func(a, b geo.Village) int { return cmp.Compare(a.ID, b.ID) })
	return villages
}

// newCommune makes a commune in p with unused legacy codes and a name not yet used in p.
func newCommune(rng *rand.Rand, p *province, used map[int]int, names map[string]bool) *commune {
	c := &commune{Province: p, Box: pick(rng, p.Boxes), Names: map[string]bool{}}
	for {
		s := pick(rng, p.Districts)
		d, k := s.Lo+rng.IntN(s.Hi-s.Lo+1), 1+rng.IntN(3)
		if used[d]+k > 33 {
			continue
		}
		c.District = d
		for range k {
			c.Legacy = append(c.Legacy, fmt.Sprintf("%05d", d*33+used[d]))
			used[d]++
		}
		break
	}
	c.Code = c.Legacy[0]
	for c.Name == "" || names[c.Name] {
		c.Name = communeName(rng, p.Style)
	}
	names[c.Name] = true
	const margin = 0.05
	c.Center = orb.Point{
		uniform(rng, c.Box.MinLon+margin, c.Box.MaxLon-margin),
		uniform(rng, c.Box.MinLat+margin, c.Box.MaxLat-margin),
	}
	return c
}

// newVillage makes the seq-th village of c's province, with a name new to c.
func newVillage(rng *rand.Rand, c *commune, seq int) geo.Village {
	p := c.Province
	v := geo.Village{
		ID:           fmt.Sprintf("V%s-%04d", p.Code, seq),
		CommuneCode:  c.Code,
		CommuneName:  c.Name,
		ProvinceCode: p.Code,
		ProvinceName: p.Name,
		GridPower:    true,
		Households:   20 + rng.IntN(231),
		Programs:     []string{geo.DefaultProgram().ID},
		Baseline:     true,
	}
	for i := 0; v.Name == "" || c.Names[v.Name]; i++ {
		v.Name = villageName(rng, p.Style)
		if i > 20 {
			v.Name = fmt.Sprintf("%s %d", v.Name, seq)
		}
	}
	c.Names[v.Name] = true
	if rng.IntN(100) < 85 {
		v.LegacyDistrictCode = fmt.Sprintf("%03d", c.District)
		v.LegacyCommuneCode = pick(rng, c.Legacy)
	}
	const spread = 0.05 // degrees around the commune centre
	v.Center = orb.Point{
		round5(clamp(c.Center[0]+uniform(rng, -spread, spread), c.Box.MinLon, c.Box.MaxLon)),
		round5(clamp(c.Center[1]+uniform(rng, -spread, spread), c.Box.MinLat, c.Box.MaxLat)),
	}
	if rng.IntN(100) < 20 {
		v.Area = settledArea(rng, v.Center)
	}
	return v
}

// settledArea returns an irregular counter-clockwise polygon of 6–9 vertices around centre,
// 300–800 m across, with positions rounded to 5 decimals.
func settledArea(rng *rand.Rand, centre orb.Point) orb.Polygon {
	const metresPerDegree = 111_320.0
	radius := uniform(rng, 150, 400)
	n := 6 + rng.IntN(4)
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * (float64(i) + uniform(rng, -0.25, 0.25)) / float64(n)
		r := radius * uniform(rng, 0.7, 1)
		ring = append(ring, orb.Point{
			round5(centre[0] + r*math.Cos(a)/(metresPerDegree*math.Cos(centre[1]*math.Pi/180))),
			round5(centre[1] + r*math.Sin(a)/metresPerDegree),
		})
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// uniform returns a uniformly random float64 in [lo, hi).
func uniform(rng *rand.Rand, lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }

// round5 rounds to 5 decimals (about 1 m), the precision the files are written with.
func round5(x float64) float64 { return math.Round(x*1e5) / 1e5 }

// round1 rounds to 1 decimal, the precision of measurements.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

func clamp(x, lo, hi float64) float64 { return max(lo, min(hi, x)) }
