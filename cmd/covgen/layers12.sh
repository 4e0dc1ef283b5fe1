#!/bin/sh
# make bench-layers12: the first coverage upload of 12 layers (4 carriers × 3 technologies),
# end to end from the files, covmon against ogr2ogr + PostGIS doing the same join and storing
# the same results, measured in one run (issue 16; docs/benchmarks.md).
#
# covmon: the registry already imported (not timed), then the 12 areas files ingested as a user
# uploads a batch: one process, covmon ingest --areas F1 … F12 (each file still its own
# upload: own SHA-256, own transaction, own report), timed until the last is committed; and
# again, into a copy of the same database, one process per file (covmon ingest --areas F, 12
# times), the figure of a script that calls covmon for each file.
# Anchor: the same registry already loaded into a throwaway PostgreSQL + PostGIS on 127.0.0.1
# (not timed), then per layer: ogr2ogr of the cells file (COPY, GiST index) and one INSERT …
# SELECT that joins every village with the layer's cells by ST_Intersects (a village on a cell's
# boundary is covered, as in geo/cover) and stores one row per village and layer, as covmon does.
# The covered villages per layer must be equal on both sides; a mismatch fails the run.
# CPU is counted too (wall times move with whatever else runs): covmon's processes, and the
# anchor's clients (ogr2ogr, psql) plus the PostgreSQL server's processes.
# BENCH_SIZE=small (100k villages × 20k cells per layer) or large (1M × 200k); BENCH_DIR keeps
# the data; LAYERS12_PER_FILE=no leaves out the process-per-file run (at 1M it adds ~10 minutes). Needs PostgreSQL 15 + PostGIS and gdal-bin (make bench-anchors installs them).
set -eu
GO=${GO:-go}
case "${BENCH_SIZE:-small}" in
small) N=100000 M=20000 ;;
large) N=1000000 M=200000 ;;
*) echo "BENCH_SIZE: want small or large" >&2; exit 2 ;;
esac
CARRIERS=viettel,vinaphone,mobifone,vietnamobile
TECHS=4g,3g,5g
PGBIN=/usr/lib/postgresql/15/bin
if [ -n "${BENCH_DIR:-}" ]; then DIR=$BENCH_DIR; mkdir -p "$DIR"; else DIR=$(mktemp -d); fi
PG=$(mktemp -d /tmp/covmon-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
	as_pg "$PGBIN/pg_ctl" -D "$PG/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$PG"
	[ -n "${BENCH_DIR:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
BIN=$DIR/bin
mkdir -p "$BIN"
$GO build -o "$BIN/covgen" ./cmd/covgen
$GO build -o "$BIN/areabench" ./cmd/covgen/areabench
$GO build -o "$BIN/covmon" ./cmd/covmon
D=$DIR/layers12
if [ "$(cat "$D/.n" 2>/dev/null)" != "$N/$M" ]; then
	rm -rf "$D"
	"$BIN/covgen" -villages "$N" -polygons "$M" -carriers "$CARRIERS" -technologies "$TECHS" -out "$D" >/dev/null 2>&1
	echo "$N/$M" >"$D/.n"
fi
LAYERS=$(for c in $(echo "$CARRIERS" | tr , ' '); do for t in $(echo "$TECHS" | tr , ' '); do echo "$c-$t"; done; done)

chown postgres "$PG"
PORT=${PGPORT_BENCH:-55432}
as_pg "$PGBIN/initdb" -D "$PG/data" -U postgres -A trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG -c shared_buffers=1GB -c work_mem=256MB -c max_parallel_workers_per_gather=0 -c fsync=off -c synchronous_commit=off" start >/dev/null
psql_() { psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d bench -v ON_ERROR_STOP=1 "$@"; }
psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE bench" >/dev/null
psql_ -c "CREATE EXTENSION postgis" >/dev/null
PGC="PG:host=127.0.0.1 port=$PORT user=postgres dbname=bench"
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(psql_ -At -c 'SHOW server_version'), PostGIS $(psql_ -At -c 'SELECT postgis_lib_version()'), $(ogr2ogr --version | cut -d, -f1); N=$N villages, M=$M cells per layer, 12 layers; one backend (no parallel workers) =="

# Both registries loaded before the clocks start.
ogr2ogr -f PostgreSQL "$PGC" "$D/villages.geojson" -nln villages -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -lco FID=fid -gt 65536 --config PG_USE_COPY YES
psql_ -c "VACUUM ANALYZE villages" -c "CREATE TABLE results (village_id text NOT NULL, carrier text NOT NULL, technology text NOT NULL, covered boolean NOT NULL, upload int NOT NULL)"
DB=$DIR/layers12.db
rm -f "$DB" "$DB-wal" "$DB-shm"
"$BIN/areabench" run villages-import "$BIN/covmon" villages import --db "$DB" "$D/villages.geojson" | grep '^bench:'
# The per-file run starts from a copy of the same database.
PERFILE=${LAYERS12_PER_FILE:-yes}
DB1=$DIR/layers12-per-file.db
rm -f "$DB1" "$DB1-wal" "$DB1-shm"
[ "$PERFILE" = no ] || sqlite3 "$DB" "VACUUM INTO '$DB1'"

# The server's CPU for the anchor, as stores.sh reads it: the utime+stime of the postmaster and
# of each of its children (a psql or ogr2ogr session's backend, checkpointer, WAL writer,
# autovacuum) sampled from /proc/<pid>/stat five times a second; per process the last sample
# less the one before the step (a process born meanwhile counts from zero), summed. (The
# postmaster's cutime, read before and after, lost whole exited backends on this machine.)
PGPID=$(head -1 "$PG/data/postmaster.pid")
pgsample() { (cd /proc && awk '{ print $1, $14 + $15 }' $(ps -o pid= --ppid "$PGPID" | sed 's|$|/stat|') "$PGPID/stat" 2>/dev/null) || true; }
pgsample_start() {
	pgsample >"$DIR/pgcpu.0"
	: >"$DIR/pgcpu.s"
	(while :; do pgsample >>"$DIR/pgcpu.s"; sleep 0.2; done) &
	SAMPLER=$!
}
pgsample_stop() { # prints the server's CPU seconds since pgsample_start
	sleep 0.4
	kill "$SAMPLER" 2>/dev/null || true
	wait "$SAMPLER" 2>/dev/null || true
	awk -v hz="$(getconf CLK_TCK)" 'FILENAME ~ /pgcpu.0$/ { old[$1] = $2; next } { last[$1] = $2 }
		END { for (p in last) s += last[p] - ((p in old) ? old[p] : 0); printf "%.2f", s / hz }' "$DIR/pgcpu.0" "$DIR/pgcpu.s"
}

echo "== anchor: per layer ogr2ogr of the cells + one INSERT … SELECT of every village's result =="
export PGC D LAYERS PORT
pgsample_start
"$BIN/areabench" run layers12-anchor-clients sh -c '
	psql_() { psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d bench -v ON_ERROR_STOP=1 "$@"; }
	i=0
	for l in $LAYERS; do
		i=$((i + 1))
		c=${l%-*} t=${l#*-}
		ogr2ogr -f PostgreSQL "$PGC" "$D/areas-$l.geojson" -nln "cells_$i" -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -gt 65536 --config PG_USE_COPY YES
		psql_ -c "ANALYZE cells_$i" -c "INSERT INTO results SELECT v.village_id, '"'"'$c'"'"', '"'"'$t'"'"', EXISTS (SELECT 1 FROM cells_$i a WHERE ST_Intersects(a.geom, v.geom)), $i FROM villages v"
	done' | grep '^bench:' | tee "$DIR/anchor.out"
pgserver=$(pgsample_stop)
anchor=$(awk '/^bench: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "wall_s") print kv[2] } }' "$DIR/anchor.out")
anchorcpu=$(awk -v s="$pgserver" '/^bench: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "cpu_s") print kv[2] + s } }' "$DIR/anchor.out")
echo "bench: what=layers12-anchor s=$anchor cpu_s=$anchorcpu (clients + server $pgserver s) rows=$(psql_ -At -c 'SELECT count(*) FROM results')"
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg) =="

echo "== covmon, one process: covmon ingest --areas F1 … F12 (each file its own upload) =="
FILES=$(for l in $LAYERS; do printf '%s ' "$D/areas-$l.geojson"; done)
# shellcheck disable=SC2086 # FILES is the list of paths (no spaces: covgen's names)
"$BIN/areabench" run layers12-covmon-one-process "$BIN/covmon" ingest --areas --db "$DB" $FILES | grep '^bench:' | tee "$DIR/batch.out"
awk -v a="$anchor" -v ac="$anchorcpu" '/^bench: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	END { printf "bench: what=layers12-end-to-end way=one-process anchor_s=%.1f anchor_cpu_s=%.1f covmon_s=%.1f covmon_cpu_s=%.1f covmon_peak_rss_mb=%s ratio=%.2f cpu_ratio=%.2f (anchor / covmon; goal >= 2)\n", a, ac, v["wall_s"], v["cpu_s"], v["peak_rss_mb"], a / v["wall_s"], ac / v["cpu_s"] }' "$DIR/batch.out"
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg) =="

if [ "$PERFILE" != no ]; then
	echo "== covmon, one process per file: covmon ingest --areas F, 12 times (a script calling covmon per file) =="
	t0=$(date +%s.%N)
	for l in $LAYERS; do
		"$BIN/areabench" run "ingest-$l" "$BIN/covmon" ingest --areas --db "$DB1" "$D/areas-$l.geojson" | grep '^bench:'
	done | tee "$DIR/layers12.out"
	covmon=$(echo "$(date +%s.%N) - $t0" | bc)
	awk -v a="$anchor" -v ac="$anchorcpu" -v c="$covmon" '/^bench: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } cpu += v["cpu_s"]; if (v["peak_rss_mb"] > rss) rss = v["peak_rss_mb"] }
		END { printf "bench: what=layers12-end-to-end way=process-per-file anchor_s=%.1f anchor_cpu_s=%.1f covmon_s=%.1f covmon_cpu_s=%.1f covmon_peak_rss_mb=%s ratio=%.2f cpu_ratio=%.2f (anchor / covmon)\n", a, ac, c, cpu, rss, a / c, ac / cpu }' "$DIR/layers12.out"
	echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg) =="
fi

# Same answers: villages covered per layer (the centre covered; covmon's has_signal of an
# areas result) on both sides, for both covmon databases.
psql_ -At -F ' ' -c "SELECT carrier || '-' || technology, count(*) FILTER (WHERE covered), count(*) FROM results GROUP BY 1 ORDER BY 1" >"$DIR/anchor.counts"
DBS=$DB
[ "$PERFILE" = no ] || DBS="$DB $DB1"
for db in $DBS; do
	sqlite3 "$db" "SELECT carrier || '-' || CASE technology WHEN 2 THEN '2g' WHEN 3 THEN '3g' WHEN 4 THEN '4g' ELSE '5g' END, sum(has_signal), count(*) FROM observations GROUP BY 1 ORDER BY 1" | tr '|' ' ' >"$DIR/covmon.counts"
	if cmp -s "$DIR/anchor.counts" "$DIR/covmon.counts"; then
		echo "bench: what=layers12-same-answers db=$(basename "$db") layers=$(wc -l <"$DIR/anchor.counts") covered=$(awk '{s += $2} END {print s}' "$DIR/anchor.counts") mismatches=0"
	else
		echo "$(basename "$db"): layer covered villages: anchor (left) vs covmon (right)" >&2
		paste "$DIR/anchor.counts" "$DIR/covmon.counts" >&2
		exit 1
	fi
done
