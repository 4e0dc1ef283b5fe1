#!/bin/sh
# make bench: coverage-area ingest on covgen data (see docs/benchmarks.md).
# BENCH_SIZE=small (default: 100k villages, 20k cells) or large (1M villages, 200k cells).
# BENCH_DIR keeps the generated data and database there (default: a temporary directory,
# removed at the end). BENCH_OBS rows of observations (default 1000000) are ingested beside
# the floor they are measured against. Prints "bench:" lines: throughput, wall time and peak RSS.
set -eu
GO=${GO:-go}
case "${BENCH_SIZE:-small}" in
small) N=100000 M=20000 ;;
large) N=1000000 M=200000 ;;
*) echo "BENCH_SIZE: want small or large" >&2; exit 2 ;;
esac
if [ -n "${BENCH_DIR:-}" ]; then DIR=$BENCH_DIR; mkdir -p "$DIR"; else DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT; fi
BIN=$DIR/bin
mkdir -p "$BIN"
$GO build -o "$BIN/covgen" ./cmd/covgen
$GO build -o "$BIN/covmon" ./cmd/covmon
$GO build -o "$BIN/areabench" ./cmd/covgen/areabench
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(go version | cut -d' ' -f3-4); N=$N villages, M=$M cells =="

OBS=${BENCH_OBS:-1000000}
D=$DIR/data
if [ ! -f "$D/areas-viettel-4g-dissolved.geojson" ] || [ "$(cat "$D/.n" 2>/dev/null)" != "$N/$M/$OBS" ]; then
	rm -rf "$D"
	"$BIN/areabench" run covgen "$BIN/covgen" -villages "$N" -polygons "$M" -observations "$OBS" -dissolved -out "$D"
	echo "$N/$M/$OBS" >"$D/.n"
fi
CELLS=$D/areas-viettel-4g.geojson
DISS=$D/areas-viettel-4g-dissolved.geojson

echo "== in process: registry loaded, coverage streamed from the file =="
"$BIN/areabench" join "$D/villages.geojson" "$CELLS" "$DISS"

echo "== end to end: covmon ingest --areas into a fresh SQLite database =="
DB=$DIR/bench.db
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN/areabench" run "villages-import" "$BIN/covmon" villages import --db "$DB" "$D/villages.geojson"
size() { wc -c <"$1" | tr -d ' '; }

echo "== observations/v1, $OBS rows: covmon ingest vs the floor (a plain prepared INSERT per row from Go, same schema, one transaction), each on a copy of the database just imported =="
OBSF=$D/observations-viettel.geojson
for f in obs floor; do rm -f "$DIR/$f.db" "$DIR/$f.db-wal" "$DIR/$f.db-shm"; cp "$DB" "$DIR/$f.db"; done
"$BIN/areabench" floor "$DIR/floor.db" "$OBSF" | tee "$DIR/floor.out"
"$BIN/areabench" run ingest-observations "$BIN/covmon" ingest --db "$DIR/obs.db" "$OBSF" | tee "$DIR/obs.out"
cat "$DIR/floor.out" "$DIR/obs.out" | awk -v mb="$(size "$OBSF")" '
	/^bench: / { delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	/what=observations-floor/ { fl = v["s"]; flc = v["cpu_s"] }
	/what=ingest-observations/ { c = v["wall_s"]; cc = v["cpu_s"] }
	END { printf "bench: what=observations-vs-floor file_mb=%.0f covmon_s=%s floor_s=%s ratio=%.2f covmon_cpu_s=%s floor_cpu_s=%s cpu_ratio=%.2f (target <= 1.5)\n", mb / 1e6, c, fl, c / fl, cc, flc, cc / flc }'
rm -f "$DIR/obs.db"* "$DIR/floor.db"*
ingest() { # name file features
	out=$("$BIN/areabench" run "$1" "$BIN/covmon" ingest --areas --db "$DB" "$2")
	echo "$out"
	echo "$out" | awk -v mb="$(size "$2")" -v f="$3" -v name="$1" '/^bench: what=/ {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "bench: what=%s-throughput features_s=%.0f mb_s=%.1f\n", name, f / v["wall_s"], mb / 1e6 / v["wall_s"] }'
}
ingest ingest-cells "$CELLS" "$M"
echo "-- the same layer again, dissolved (same coverage, other bytes): writes only what changed --"
ingest ingest-dissolved "$DISS" 1
echo "-- the cells file again: a duplicate (SHA-256), nothing written --"
ingest ingest-duplicate "$CELLS" "$M"
