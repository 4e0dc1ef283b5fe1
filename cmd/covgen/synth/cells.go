package synth

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/paulmach/orb"
)

// CellSides is the number of sides of a generated cell-coverage polygon.
const CellSides = 32

// blockDeg is the size of the blocks left wholly without cells (dark valleys), in degrees.
const blockDeg = 0.25

// Cell is one generated cell-coverage polygon: a 32-gon of radius RadiusKm around Center.
type Cell struct {
	Center   orb.Point
	RadiusKm float64
	Polygon  orb.Polygon
}

// Cells calls fn with m cell polygons for one carrier × technology layer (seed picks the
// layer). Radii are uniform in 1…8 km; each cell is centred within half its radius of a
// village. Whole 0.25° blocks get no cell and no cell reaches into them; they are chosen
// until they hold 16–24% of the villages (darkShare), so that 16–24% of villages, plus any
// the cells miss, stay uncovered. Cells are produced one at a time: nothing but the villages is held, and c is
// reused after fn returns.
func Cells(pts []orb.Point, m int, seed uint64, fn func(c *Cell) error) (darkShare float64, err error) {
	if len(pts) == 0 || m <= 0 {
		return 0, nil
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	blockOf := func(p orb.Point) int {
		return int((p[1]-6)/blockDeg)*256 + int((p[0]-100)/blockDeg)
	}
	count := map[int]int{}
	for _, p := range pts {
		count[blockOf(p)]++
	}
	blocks := make([]int, 0, len(count))
	for b := range count {
		blocks = append(blocks, b)
	}
	// Map order is random: sort before shuffling so the seed alone decides.
	slices.Sort(blocks)
	rng.Shuffle(len(blocks), func(i, j int) { blocks[i], blocks[j] = blocks[j], blocks[i] })
	target := (0.16 + 0.08*rng.Float64()) * float64(len(pts))
	dark := map[int]bool{}
	n := 0
	for _, b := range blocks {
		if float64(n) >= target {
			break
		}
		dark[b] = true
		n += count[b]
	}
	lit := make([]int32, 0, len(pts)-n)
	for i, p := range pts {
		if !dark[blockOf(p)] {
			lit = append(lit, int32(i))
		}
	}
	if len(lit) == 0 {
		return 1, nil
	}
	c := Cell{Polygon: orb.Polygon{make(orb.Ring, CellSides+1)}}
	kmLat := 1 / 111.32
	for range m {
		// Cells never reach into a dark block (the box around a cell is smaller than a block,
		// so its corners name every block it touches); after 20 tries, a 1 km cell on the
		// village itself.
		for try := 0; ; try++ {
			v := pts[lit[rng.IntN(len(lit))]]
			c.RadiusKm = 1 + 7*rng.Float64()
			a := 2 * math.Pi * rng.Float64()
			d := 0.5 * c.RadiusKm * rng.Float64()
			if try == 20 {
				c.RadiusKm, d = 1, 0
			}
			kmLon := kmLat / math.Cos(v[1]*math.Pi/180)
			c.Center = orb.Point{round6(v[0] + d*math.Cos(a)*kmLon), round6(v[1] + d*math.Sin(a)*kmLat)}
			rx, ry := c.RadiusKm*kmLon, c.RadiusKm*kmLat
			if try == 20 || !dark[blockOf(orb.Point{c.Center[0] - rx, c.Center[1] - ry})] &&
				!dark[blockOf(orb.Point{c.Center[0] + rx, c.Center[1] - ry})] &&
				!dark[blockOf(orb.Point{c.Center[0] - rx, c.Center[1] + ry})] &&
				!dark[blockOf(orb.Point{c.Center[0] + rx, c.Center[1] + ry})] {
				break
			}
		}
		kmLon := kmLat / math.Cos(c.Center[1]*math.Pi/180)
		ring := c.Polygon[0]
		for k := range CellSides {
			b := 2 * math.Pi * float64(k) / CellSides
			ring[k] = orb.Point{
				round6(c.Center[0] + c.RadiusKm*math.Cos(b)*kmLon),
				round6(c.Center[1] + c.RadiusKm*math.Sin(b)*kmLat),
			}
		}
		ring[CellSides] = ring[0]
		if err := fn(&c); err != nil {
			return 0, err
		}
	}
	return float64(n) / float64(len(pts)), nil
}
