#!/bin/sh
# make bench: coverage-area ingest on covgen data (see docs/benchmarks.md).
# BENCH_SIZE=small (default: 100k villages, 20k cells) or large (1M villages, 200k cells).
# BENCH_DIR keeps the generated data and database there (default: a temporary directory,
# removed at the end). Prints "bench:" lines: throughput, wall time and peak RSS.
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

D=$DIR/data
if [ ! -f "$D/areas-viettel-4g-dissolved.geojson" ] || [ "$(cat "$D/.n" 2>/dev/null)" != "$N/$M" ]; then
	rm -rf "$D"
	"$BIN/areabench" run covgen "$BIN/covgen" -villages "$N" -polygons "$M" -dissolved -out "$D"
	echo "$N/$M" >"$D/.n"
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
