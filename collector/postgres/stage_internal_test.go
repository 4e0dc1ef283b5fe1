package postgres

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// stageRows gives n observations of distinct villages at one instant, in batches of 10,000.
func stageRows(st *stage, n int, at time.Time) {
	batch := make([]geo.Observation, 0, 10000)
	for i := 0; i < n; i++ {
		batch = append(batch, geo.Observation{VillageID: fmt.Sprintf("V%07d", i), Carrier: "viettel",
			Technology: geo.Tech4G, HasSignal: true, ObservedAt: at, Method: "drive_test"})
		if len(batch) == cap(batch) || i == n-1 {
			st.note(batch)
			batch = batch[:0]
		}
	}
}

// TestStage_RepeatsMemory pins what the stage holds to find two staged rows of one series,
// role and instant: 8 bytes a row, not a set (~45 bytes a row: 44 MiB in the server's heap
// for a 1M-row upload, ~160 MiB for a 512 MiB file, for each upload in flight).
func TestStage_RepeatsMemory(t *testing.T) {
	const n = 1_000_000
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st := &stage{seed: maphash.MakeSeed()}
	stageRows(st, n, at)
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(st)
	if max := int64(16 * n); held > max {
		t.Errorf("the stage holds %d MiB to detect repeats of %d rows, want at most %d MiB", held>>20, n, max>>20)
	}
	if st.repeats() {
		t.Errorf("%d distinct keys: repeats() = true", n)
	}
}

func TestStage_Repeats(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o := func(v string, tech geo.Technology, at time.Time, inspector string) geo.Observation {
		x := geo.Observation{VillageID: v, Carrier: "viettel", Technology: tech, HasSignal: true, ObservedAt: at, Method: "drive_test"}
		if inspector != "" {
			x.Source, x.Inspector = geo.SourceIndependent, inspector
		}
		return x
	}
	for _, c := range []struct {
		name    string
		batches [][]geo.Observation
		want    bool
	}{
		{"distinct villages", [][]geo.Observation{{o("V1", geo.Tech4G, at, ""), o("V2", geo.Tech4G, at, "")}}, false},
		{"other technology", [][]geo.Observation{{o("V1", geo.Tech4G, at, ""), o("V1", geo.Tech3G, at, "")}}, false},
		{"other instant", [][]geo.Observation{{o("V1", geo.Tech4G, at, "")}, {o("V1", geo.Tech4G, at.Add(time.Second), "")}}, false},
		// The carrier and the source role are not hashed (a staged row may take them from the
		// end of its file): rows differing only there share a hash, and the insert compares
		// them exactly, on its slower path.
		{"other role", [][]geo.Observation{{o("V1", geo.Tech4G, at, "")}, {o("V1", geo.Tech4G, at, "insp")}}, true},
		{"same key, one batch", [][]geo.Observation{{o("V1", geo.Tech4G, at, ""), o("V2", geo.Tech4G, at, ""), o("V1", geo.Tech4G, at, "")}}, true},
		{"same key, batches apart", [][]geo.Observation{{o("V1", geo.Tech4G, at, "")}, {o("V2", geo.Tech4G, at, "")}, {o("V1", geo.Tech4G, at, "")}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &stage{seed: maphash.MakeSeed()}
			for _, b := range c.batches {
				st.note(b)
			}
			if got := st.repeats(); got != c.want {
				t.Errorf("repeats() = %v, want %v", got, c.want)
			}
		})
	}
	// Past maxStageHashes rows the stage counts as repeated and holds no hashes.
	st := &stage{seed: maphash.MakeSeed(), hashes: make([]uint64, maxStageHashes)}
	st.note([]geo.Observation{o("V1", geo.Tech4G, at, "")})
	if !st.repeated || st.hashes != nil {
		t.Errorf("past %d rows: repeated %v, %d hashes held; want repeated and none", maxStageHashes, st.repeated, len(st.hashes))
	}
}
