// Command areabench measures covmon's coverage-area pipeline on covgen output, for
// `make bench` and `make bench-anchors` (see docs/benchmarks.md). It has two modes:
//
//	areabench join VILLAGES.geojson AREAS.geojson...
//
// loads the registry (not timed), then for each areas file times StreamAreas alone (decode +
// validate) and StreamAreas feeding a cover.Join (the join as covmon ingest runs it, coverage
// streamed from the file), printing throughput and the share of dark and partial villages;
//
//	areabench run NAME COMMAND ARGS...
//
// runs a command and prints its wall time and peak RSS (the child's maximum resident set),
// as /usr/bin/time -v would;
//
//	areabench floor DB OBSERVATIONS.geojson
//
// decodes an observations file (not timed), then times the floor an observations upload is
// measured against: a plain prepared INSERT per row from Go into the observations table of a
// covmon database (same schema, the writer's pragmas), in one transaction. Output lines start with "bench:" and are key=value pairs.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
	"github.com/covmon/covmon/geo/format"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: areabench join VILLAGES AREAS... | areabench run NAME COMMAND ARGS... | areabench floor DB OBSERVATIONS")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "join":
		err = join(os.Args[2], os.Args[3:])
	case "run":
		err = runCmd(os.Args[2], os.Args[3:])
	case "floor":
		if len(os.Args) != 4 {
			err = fmt.Errorf("floor: want DB OBSERVATIONS")
			break
		}
		err = floor(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "areabench:", err)
		os.Exit(1)
	}
}

func join(villagesPath string, areas []string) error {
	t0 := time.Now()
	f, err := os.Open(villagesPath)
	if err != nil {
		return err
	}
	vs, err := format.DecodeVillages(bufio.NewReaderSize(f, 1<<20), format.Options{File: villagesPath})
	f.Close()
	if err != nil {
		return fmt.Errorf("load villages: %w", err)
	}
	load := time.Since(t0)
	t0 = time.Now()
	ix := cover.NewIndex(vs)
	fmt.Printf("bench: what=registry villages=%d points=%d load_s=%.2f index_s=%.3f\n", len(vs), ix.Points(), load.Seconds(), time.Since(t0).Seconds())
	for _, path := range areas {
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		mb := float64(st.Size()) / 1e6
		// Decode + validate only.
		n, dec, err := stream(path, nil)
		if err != nil {
			return err
		}
		// Decode + validate + join (+ results), as an areas upload runs before it writes.
		j := cover.NewJoin(ix)
		_, full, err := stream(path, j)
		if err != nil {
			return err
		}
		t1 := time.Now()
		dark, partial := 0, 0
		res := j.Results()
		for i := range res {
			if res[i].Dark() {
				dark++
			} else if res[i].Partial() {
				partial++
			}
		}
		full += time.Since(t1)
		fmt.Printf("bench: what=join file=%s mb=%.1f features=%d decode_s=%.3f decode_mb_s=%.1f join_s=%.3f join_mb_s=%.1f join_features_s=%.0f dark=%.4f partial=%.4f\n",
			filepath.Base(path), mb, n, dec.Seconds(), mb/dec.Seconds(), full.Seconds(), mb/full.Seconds(), float64(n)/full.Seconds(),
			float64(dark)/float64(max(1, len(res))), float64(partial)/float64(max(1, len(res))))
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("bench: what=join-process peak_rss_mb=%.1f\n", float64(ru.Maxrss)/1024)
	return nil
}

// stream runs StreamAreas over path, adding each area to j when j is not nil.
func stream(path string, j *cover.Join) (int, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	n := 0
	t0 := time.Now()
	err = format.StreamAreas(bufio.NewReaderSize(f, 1<<20), format.Options{File: filepath.Base(path)}, func(_ int, a *geo.CoverageArea) error {
		n++
		if j != nil {
			j.Add(a)
		}
		return nil
	})
	return n, time.Since(t0), err
}

func runCmd(name string, argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("run %s: no command", name)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if cmd.ProcessState == nil {
		return fmt.Errorf("run %s: %w", name, err)
	}
	rss := 0.0
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = float64(ru.Maxrss) / 1024
	}
	// CPU time (user + system) beside the wall time: on a shared machine the wall time
	// stretches with the load, the CPU time much less.
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	fmt.Printf("bench: what=%s wall_s=%.2f cpu_s=%.2f peak_rss_mb=%.1f exit=%d\n", name, wall.Seconds(), cpu.Seconds(), rss, cmd.ProcessState.ExitCode())
	return err
}
