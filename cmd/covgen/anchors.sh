#!/bin/sh
# make bench-anchors: load covgen data into a throwaway PostGIS on 127.0.0.1 (the villages
# load timed beside covmon villages import of the same file) and time the
# GiST-indexed ST_Intersects join (cells) and the join against ST_Subdivide'd pieces of the
# dissolved layer, then covmon's join on the same files, and print the ratios.
# Needs root (apt-get) or the packages already installed. BENCH_SIZE and BENCH_DIR as for
# make bench (BENCH_DIR reuses generated data).
set -eu
GO=${GO:-go}
case "${BENCH_SIZE:-small}" in
small) N=100000 M=20000 ;;
large) N=1000000 M=200000 ;;
*) echo "BENCH_SIZE: want small or large" >&2; exit 2 ;;
esac
PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/initdb" ] || ! command -v ogr2ogr >/dev/null || [ ! -d /usr/share/postgresql/15/extension ] || ! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15-postgis-3 gdal-bin >/dev/null
fi
if [ -n "${BENCH_DIR:-}" ]; then DIR=$BENCH_DIR; mkdir -p "$DIR"; else DIR=$(mktemp -d); trap 'cleanup; rm -rf "$DIR"' EXIT; fi
BIN=$DIR/bin
mkdir -p "$BIN"
$GO build -o "$BIN/covgen" ./cmd/covgen
$GO build -o "$BIN/areabench" ./cmd/covgen/areabench
$GO build -o "$BIN/covmon" ./cmd/covmon
D=$DIR/data
case "$(cat "$D/.n" 2>/dev/null)" in "$N/$M" | "$N/$M/"*) have=yes ;; *) have=no ;; esac # make bench adds /observations
if [ ! -f "$D/areas-viettel-4g-dissolved.geojson" ] || [ "$have" = no ]; then
	rm -rf "$D"
	"$BIN/covgen" -villages "$N" -polygons "$M" -dissolved -out "$D"
	echo "$N/$M" >"$D/.n"
fi

# PostgreSQL refuses to run as root: run it as the postgres system user (created by the
# package), in a directory of its own, listening on loopback only.
PG=$(mktemp -d /tmp/covmon-pg.XXXXXX)
chown postgres "$PG"
PORT=${PGPORT_BENCH:-55432}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$PG/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PG"; }
[ -n "${BENCH_DIR:-}" ] && trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$PG/data" -U postgres -A trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG -c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers_per_gather=0 -c fsync=off -c synchronous_commit=off" start >/dev/null
psql_() { psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d bench -v ON_ERROR_STOP=1 "$@"; }
psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE bench" >/dev/null
psql_ -c "CREATE EXTENSION postgis" >/dev/null
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(psql_ -At -c 'SHOW server_version'), PostGIS $(psql_ -At -c 'SELECT postgis_lib_version()'), $(ogr2ogr --version | cut -d, -f1); N=$N, M=$M; one backend (no parallel workers) =="
PGC="PG:host=127.0.0.1 port=$PORT user=postgres dbname=bench"
# The registry import anchor: ogr2ogr of the villages file into PostgreSQL (COPY, GiST index),
# beside covmon villages import of the same file into a fresh SQLite database, in one run.
t0=$(date +%s.%N)
ogr2ogr -f PostgreSQL "$PGC" "$D/villages.geojson" -nln villages -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -gt 65536 --config PG_USE_COPY YES
ogrv=$(echo "$(date +%s.%N) - $t0" | bc)
echo "bench: what=ogr2ogr-villages s=$ogrv"
rm -f "$DIR/anchor.db" "$DIR/anchor.db-wal" "$DIR/anchor.db-shm"
"$BIN/areabench" run villages-import "$BIN/covmon" villages import --db "$DIR/anchor.db" "$D/villages.geojson" | tee "$DIR/import.out"
rm -f "$DIR/anchor.db" "$DIR/anchor.db-wal" "$DIR/anchor.db-shm"
awk -v ogr="$ogrv" '/^bench: what=villages-import/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "bench: what=ratio-villages-import ogr2ogr_s=%s covmon_s=%s ratio=%.2f peak_rss_mb=%s\n", ogr, v["wall_s"], ogr / v["wall_s"], v["peak_rss_mb"] }' "$DIR/import.out"
t0=$(date +%s.%N)
ogr2ogr -f PostgreSQL "$PGC" "$D/areas-viettel-4g.geojson" -nln cells -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -gt 65536 --config PG_USE_COPY YES
ogr2ogr -f PostgreSQL "$PGC" "$D/areas-viettel-4g-dissolved.geojson" -nln dissolved -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom -gt 65536 --config PG_USE_COPY YES
psql_ -c "VACUUM ANALYZE villages" -c "VACUUM ANALYZE cells" -c "VACUUM ANALYZE dissolved"
echo "bench: what=postgis-load s=$(echo "$(date +%s.%N) - $t0" | bc)"

# Each query is timed by the server (psql \timing). At the small size it runs twice and the
# second (warm) run is the figure; at the large size once (the tables were just loaded and
# analysed, so they are in shared_buffers anyway).
RUNS=2
[ "${BENCH_SIZE:-small}" = large ] && RUNS=1
timed() { # name sql
	for i in $(seq "$RUNS"); do
		out=$(psql_ -At -c "\\timing on" -c "$2")
	done
	ms=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
	res=$(echo "$out" | grep -v '^Time:' | tail -1)
	echo "bench: what=$1 s=$(echo "scale=3; $ms / 1000" | bc) result=$res" | tee -a "$DIR/pg.out"
}
rm -f "$DIR/pg.out"
timed postgis-cells "SELECT count(*) FROM villages v WHERE EXISTS (SELECT 1 FROM cells a WHERE ST_Intersects(a.geom, v.geom))"
t0=$(date +%s.%N)
psql_ -c "CREATE TABLE pieces AS SELECT ST_Subdivide(geom, 256) AS geom FROM dissolved; CREATE INDEX ON pieces USING gist (geom); ANALYZE pieces"
sub=$(echo "$(date +%s.%N) - $t0" | bc)
echo "bench: what=postgis-subdivide s=$sub pieces=$(psql_ -At -c 'SELECT count(*) FROM pieces')"
timed postgis-dissolved "SELECT count(*) FROM villages v WHERE EXISTS (SELECT 1 FROM pieces a WHERE ST_Intersects(a.geom, v.geom))"

echo "== covmon, same files (registry loaded, coverage streamed from the file) =="
"$BIN/areabench" join "$D/villages.geojson" "$D/areas-viettel-4g.geojson" "$D/areas-viettel-4g-dissolved.geojson" | tee "$DIR/covmon.out"
echo "== ratios (PostGIS join time / covmon stream + validate + join time; targets: ≥10 at 100k×20k, ≥20 at 1M×200k, ≥4 dissolved) =="
echo "note: PostGIS counts villages covered; covmon also tells dark/partial; both read the same files"
awk -v subd="$sub" '
	/^bench: / { delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	/what=postgis-cells/ { pc = v["s"] }
	/what=postgis-dissolved/ { pd = v["s"] }
	/what=join file=areas-viettel-4g.geojson/ { cc = v["join_s"] }
	/what=join file=areas-viettel-4g-dissolved.geojson/ { cd = v["join_s"] }
	END {
		printf "bench: what=ratio-cells postgis_s=%s covmon_s=%s ratio=%.1f\n", pc, cc, pc / cc
		printf "bench: what=ratio-dissolved postgis_s=%s covmon_s=%s ratio=%.1f (with ST_Subdivide + index: %.1f)\n", pd, cd, pd / cd, (pd + subd) / cd
	}' "$DIR/pg.out" "$DIR/covmon.out"
