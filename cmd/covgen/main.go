// Command covgen writes deterministic synthetic test data for covmon's coverage-area
// benchmarks: N villages inside an approximation of Vietnam's land (villages/v1) and, per
// carrier × technology, M cell-coverage 32-gons of radius 1–8 km clustered near villages
// (areas/v1), leaving 15–40% of villages uncovered. With -dissolved it also writes each layer
// as one dissolved MultiPolygon with holes, as carriers' GIS exports often are.
//
// Everything is streamed: only the village centres (16 bytes each) and, with -dissolved, a
// raster of about a million bytes are held, so N=1M, M=200k runs in well under 100 MB.
// All data is synthetic.
//
// With -observations R it also writes R rows of per-village observations (observations/v1)
// of the first carrier.
//
// Usage:
//
//	covgen [-villages N] [-polygons M] [-observations R] [-dissolved] [-out DIR] [-seed S] [-carriers a,b] [-technologies 4g,3g]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/cmd/covgen/synth"
	"github.com/covmon/covmon/geo"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// config is the parsed command line.
type config struct {
	villages, polygons int
	observations       int
	dissolved          bool
	out                string
	seed               uint64
	carriers           []string
	techs              []string
	res                float64
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("covgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.IntVar(&c.villages, "villages", 10000, "number of villages N")
	fs.IntVar(&c.polygons, "polygons", 2000, "cell polygons M per carrier × technology")
	fs.IntVar(&c.observations, "observations", 0, "also write observations-CARRIER.geojson with this many rows (the first carrier)")
	fs.BoolVar(&c.dissolved, "dissolved", false, "also write each layer as one dissolved MultiPolygon")
	fs.StringVar(&c.out, "out", "covgen-out", "output directory")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (same seed, same bytes)")
	carriers := fs.String("carriers", "viettel", "comma-separated carriers")
	techs := fs.String("technologies", "4g", "comma-separated technologies (2g..5g)")
	fs.Float64Var(&c.res, "res", 0.01, "raster resolution of -dissolved, degrees")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: covgen [flags]\n\nWrites synthetic villages/v1 and areas/v1 files for covmon benchmarks.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.villages < 0 || c.polygons < 0 || c.observations < 0 || c.res <= 0 {
		return nil, errors.New("-villages, -polygons and -observations must be ≥ 0 and -res > 0")
	}
	if c.observations > 0 && c.villages == 0 {
		return nil, errors.New("-observations needs villages")
	}
	c.carriers = strings.Split(*carriers, ",")
	for _, t := range strings.Split(*techs, ",") {
		tt, ok := geo.ParseTechnology(t)
		if !ok {
			return nil, fmt.Errorf("unknown technology %q", t)
		}
		c.techs = append(c.techs, tt.String())
	}
	return c, nil
}

func run(args []string, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "covgen:", err)
		return 2
	}
	if err := generate(c, stderr); err != nil {
		fmt.Fprintln(stderr, "covgen:", err)
		return 1
	}
	return 0
}

func generate(c *config, log io.Writer) error {
	t0 := time.Now()
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	pts := synth.VillagePoints(c.villages, c.seed)
	if err := writeFile(filepath.Join(c.out, "villages.geojson"), func(w io.Writer) error {
		return synth.WriteVillages(w, pts)
	}); err != nil {
		return err
	}
	fmt.Fprintf(log, "villages.geojson: %d villages (%s)\n", len(pts), time.Since(t0).Round(time.Millisecond))
	if c.observations > 0 {
		t0 = time.Now()
		name := "observations-" + c.carriers[0] + ".geojson"
		if err := writeFile(filepath.Join(c.out, name), func(w io.Writer) error {
			return synth.WriteObservations(w, pts, c.observations, c.carriers[0])
		}); err != nil {
			return err
		}
		fmt.Fprintf(log, "%s: %d rows (%s)\n", name, c.observations, time.Since(t0).Round(time.Millisecond))
	}
	layer := uint64(0)
	for _, carrier := range c.carriers {
		for _, tech := range c.techs {
			layer++
			if err := generateLayer(c, pts, carrier, tech, c.seed*1000+layer, log); err != nil {
				return err
			}
		}
	}
	return nil
}

func generateLayer(c *config, pts []orb.Point, carrier, tech string, seed uint64, log io.Writer) error {
	t0 := time.Now()
	name := fmt.Sprintf("areas-%s-%s", carrier, tech)
	var d *synth.Dissolver
	if c.dissolved {
		d = synth.NewDissolver(c.res)
	}
	var dark float64
	err := writeFile(filepath.Join(c.out, name+".geojson"), func(w io.Writer) error {
		aw := synth.NewAreaWriter(w, carrier, tech, "2025-06-01", -110)
		var err error
		dark, err = synth.Cells(pts, c.polygons, seed, func(cell *synth.Cell) error {
			if d != nil {
				d.Add(cell)
			}
			return aw.Polygon(cell.Polygon)
		})
		if err != nil {
			return err
		}
		return aw.Close()
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "%s.geojson: %d cells, %.1f%% of villages in blocks left dark (%s)\n", name, c.polygons, 100*dark, time.Since(t0).Round(time.Millisecond))
	if d == nil {
		return nil
	}
	t0 = time.Now()
	mp := d.MultiPolygon()
	holes, vertices := 0, 0
	for _, p := range mp {
		holes += len(p) - 1
		for _, r := range p {
			vertices += len(r)
		}
	}
	err = writeFile(filepath.Join(c.out, name+"-dissolved.geojson"), func(w io.Writer) error {
		aw := synth.NewAreaWriter(w, carrier, tech, "2025-06-01", -110)
		if err := aw.MultiPolygon(mp); err != nil {
			return err
		}
		return aw.Close()
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "%s-dissolved.geojson: 1 MultiPolygon, %d polygons, %d holes, %d positions (%s)\n", name, len(mp), holes, vertices, time.Since(t0).Round(time.Millisecond))
	return nil
}

func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
