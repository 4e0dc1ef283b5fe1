#!/bin/sh
# make bench (read path, issue 16): covmon status against the sqlite3 CLI floor running the
# same SQL (and the latest-per-series query of the whole history, for comparison), covmon
# serve's time to ready and RSS over SERVE_MINUTES, a /metrics scrape's time and bytes, the
# first page of /api/v1/villages. BENCH_SIZE=small (100k villages)
# or large (1M); 13 observations per village (4 carriers × 3 technologies, and an older report
# of one series), 1.3M or 13M rows. The registry is imported by covmon; the observations are
# written by SQL straight into covmon's schema (this measures reading them, not writing them:
# see bench.sh for the write path). Prints "bench:" lines. BENCH_DIR keeps the data;
# BENCH_PREPARE_ONLY=1 builds the database there and stops (to build it ahead of a timed run);
# BENCH_READ_STATUS=no leaves out the status steps, SERVE_RUNS=0 the serve steps.
set -eu
GO=${GO:-go}
case "${BENCH_SIZE:-small}" in
small) N=100000 ;;
large) N=1000000 ;;
*) echo "BENCH_SIZE: want small or large" >&2; exit 2 ;;
esac
MIN=${SERVE_MINUTES:-5}
PORT=${BENCH_PORT:-18391}
if [ -n "${BENCH_DIR:-}" ]; then DIR=$BENCH_DIR; mkdir -p "$DIR"; else DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT; fi
BIN=$DIR/bin
mkdir -p "$BIN"
$GO build -o "$BIN/covgen" ./cmd/covgen
$GO build -o "$BIN/covmon" ./cmd/covmon
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== $(nproc) CPUs, load $(load); N=$N villages, $((N * 13)) observations =="

DB=$DIR/read-$N.db
if [ ! -f "$DB" ]; then
	"$BIN/covgen" -villages "$N" -polygons 0 -out "$DIR/villages-$N" >/dev/null
	"$BIN/covmon" villages import --db "$DB.tmp" "$DIR/villages-$N/villages.geojson" >/dev/null
	# 4 carriers × 3 technologies per village, signal in about 3 of 4 series (a quarter of the
	# villages none at all), RSRP on 4G; one older 4G report per village, superseded.
	sqlite3 "$DB.tmp" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO uploads (kind, carrier, file_name, sha256, source, received_at, result)
SELECT 'observations', c, 'bench-' || c, lower(hex(randomblob(32))), 'cli', 1767225600000, 'accepted'
FROM (SELECT 'viettel' AS c UNION ALL SELECT 'vinaphone' UNION ALL SELECT 'mobifone' UNION ALL SELECT 'vietnamobile');
WITH c(carrier, k) AS (SELECT 'viettel', 0 UNION ALL SELECT 'vinaphone', 1 UNION ALL SELECT 'mobifone', 2 UNION ALL SELECT 'vietnamobile', 3),
     t(tech) AS (SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4)
INSERT INTO observations (village_id, carrier, technology, has_signal, rsrp_dbm, observed_at, method, upload_id)
SELECT v.id, c.carrier, t.tech,
	(v.rowid % 4 != 0) AND ((v.rowid + c.k * 7 + t.tech) % 5 != 0),
	CASE WHEN t.tech = 4 THEN -80 - ((v.rowid + c.k) % 50) END,
	1764547200000 + (v.rowid % 86400) * 1000,
	'drive_test', (SELECT id FROM uploads WHERE file_name = 'bench-' || c.carrier)
FROM villages v, c, t
UNION ALL
SELECT v.id, 'viettel', 4, 1, -90, 1761955200000, 'drive_test', (SELECT id FROM uploads WHERE file_name = 'bench-viettel')
FROM villages v;
COMMIT;
ANALYZE;
SQL
	mv "$DB.tmp" "$DB"; rm -f "$DB.tmp-wal" "$DB.tmp-shm"
fi
[ "${BENCH_PREPARE_ONLY:-}" = 1 ] && exit 0

if [ "${BENCH_READ_STATUS:-yes}" != no ]; then # BENCH_READ_STATUS=no: serve only
echo "== covmon status vs the sqlite3 CLI running the same SQL =="
rss_time() { # name cmd...: wall and CPU seconds and peak RSS of one run
	name=$1; shift
	/usr/bin/time -f "%e %M %U %S" -o "$DIR/time" "$@" >/dev/null
	read -r wall kib user sys <"$DIR/time"
	cpu=$(echo "$user + $sys" | bc)
	echo "$cpu" >"$DIR/cpu"
	echo "bench: what=$name wall_s=$wall cpu_s=$cpu rss_mib=$((kib / 1024)) load=\"$(load)\""
}
# The floor: the three statements covmon status runs for today's figures of the default
# program (collector/sqlite's eachVillage: the program's villages, their programs, the latest
# claim of every series of the program's villages from latest_claims), run by the C library
# in the sqlite3 CLI and written to /dev/null.
rss_time sqlite3-floor sqlite3 "$DB" "SELECT id, 1, name, commune_code, commune_name, province_code, province_name,
		legacy_district_code, legacy_commune_code, lon, lat, grid_power, grid_power_since,
		households, baseline, found_at, deadline, deadlines, NULL FROM villages WHERE retired_at IS NULL
		AND EXISTS (SELECT 1 FROM village_programs fp WHERE fp.village_id = villages.id AND fp.program_id = 'vls-2024')
		ORDER BY id;
	SELECT village_id, program_id FROM village_programs
		WHERE EXISTS (SELECT 1 FROM village_programs fp WHERE fp.village_id = village_programs.village_id AND fp.program_id = 'vls-2024')
		ORDER BY village_id, program_id;
	SELECT l.id, l.village_id, l.carrier, l.technology, l.has_signal, l.rsrp_dbm, l.dl_mbps, l.observed_at,
		l.method, l.area_share, l.upload_id, 'carrier', l.inspector
	FROM village_programs fp JOIN latest_claims l ON l.village_id = fp.village_id WHERE fp.program_id = 'vls-2024'
	ORDER BY fp.village_id, l.carrier, l.technology"
floor=$(cut -d' ' -f1 "$DIR/time") floorcpu=$(cat "$DIR/cpu")
# For comparison with earlier runs (and the issue's anchor): the latest claim per series sought
# in the whole history, as status did before latest_claims and as as-of queries of past
# instants still do.
rss_time sqlite3-history sqlite3 "$DB" "SELECT o.id, o.village_id, o.carrier, o.technology, o.has_signal,
	o.rsrp_dbm, o.dl_mbps, o.observed_at, o.method, o.area_share, o.upload_id, o.source_role, o.inspector
	FROM observation_series s JOIN observations o ON o.id = (
		SELECT x.id FROM observations x WHERE x.village_id = s.village_id AND x.carrier = s.carrier
			AND x.technology = s.technology AND x.source_role = 'carrier' AND x.observed_at <= 1893456000000
		ORDER BY x.observed_at DESC, x.id DESC LIMIT 1)
	ORDER BY s.village_id, s.carrier, s.technology"
histcpu=$(cat "$DIR/cpu")
# The completion forecast's read (alerts.WeeklyHistory through EachVillageHistory): every
# observation of the program's villages in the order of observations_latest, driven by the
# program's members, no sort; the 8 columns the walk reads, all in the index (migration 0038).
# Its floor, beside the status floor above.
rss_time sqlite3-history-walk sqlite3 "$DB" "SELECT o.id, o.village_id, o.carrier, o.technology, o.has_signal,
	o.rsrp_dbm, o.observed_at, o.source_role
	FROM village_programs fp JOIN observations o ON o.village_id = fp.village_id WHERE fp.program_id = 'vls-2024'
	ORDER BY fp.village_id, o.carrier, o.technology, o.source_role, o.observed_at, o.id"
walkcpu=$(cat "$DIR/cpu")
# covmon status as a user runs it (the completion forecast reads every village's history), then
# without the forecast: the evaluation of today alone, the floor's SQL. On a shared machine the
# CPU ratio is the steadier one; both are printed, and the CPU ratio against the history query.
for fc in true false; do
	rss_time "covmon-status-forecast-$fc" "$BIN/covmon" status --db "$DB" --forecast=$fc
	awk -v f="$floor" -v c="$(cut -d' ' -f1 "$DIR/time")" -v fc="$floorcpu" -v cc="$(cat "$DIR/cpu")" -v n="$fc" -v hc="$histcpu" \
		-v wc="$walkcpu" \
		'BEGIN { printf "bench: what=status-vs-sqlite3 forecast=%s wall_ratio=%.2f cpu_ratio=%.2f cpu_ratio_vs_history=%.2f cpu_ratio_vs_floor_plus_walk=%.2f (covmon ÷ sqlite3; target ≤ 2)\n", n, c / f, cc / fc, cc / hc, cc / (fc + wc) }'
done
fi

# serve RUN: start covmon serve on the database, time it to ready (/readyz 200; a start past
# BENCH_READ_LIMIT seconds, default 900, is stopped and reported as not_ready_after_s), scrape
# /metrics and ask the first page, watch its RSS for SERVE_MINUTES, scrape and page again, and
# stop it. SERVE_RUNS (default 1) starts it that many times one after the other on the same
# database: the first start is cold, a later one finds what the one before left (a warm start).
RLIMIT=${BENCH_READ_LIMIT:-900}
cat >"$DIR/serve.yaml" <<YAML
database: $DB
server:
  listen: 127.0.0.1:$PORT
  public_read: true
YAML
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; wait 2>/dev/null; [ -z "${BENCH_DIR:-}" ] && rm -rf "$DIR"' EXIT
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' /proc/$PID/status; }
scrape() {
	curl -fs -o "$DIR/metrics" -w '%{time_total} %{size_download}' "http://127.0.0.1:$PORT/metrics" >"$DIR/scrape"
	read -r s b <"$DIR/scrape" || true # no newline at the end
	echo "bench: what=scrape$1 run=$RUN wall_s=$s bytes=$b series=$(grep -vc '^#' "$DIR/metrics") load=\"$(load)\""
}
serve() {
	RUN=$1
	echo "== covmon serve (run $RUN): time to ready, RSS over $MIN minutes, /metrics, first page =="
	start=$(date +%s.%N)
	"$BIN/covmon" serve --config "$DIR/serve.yaml" >"$DIR/serve-$RUN.log" 2>&1 &
	PID=$!
	until curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
		kill -0 $PID 2>/dev/null || { cat "$DIR/serve-$RUN.log"; exit 1; }
		if [ "$(echo "$(date +%s.%N) - $start > $RLIMIT" | bc)" = 1 ]; then
			echo "bench: what=serve-ready run=$RUN not_ready_after_s=$(echo "$(date +%s.%N) - $start" | bc) rss_mib=$(rss) load=\"$(load)\""
			kill $PID; wait $PID 2>/dev/null || true; PID=
			return
		fi
		sleep 0.1
	done
	ready=$(date +%s.%N)
	echo "bench: what=serve-ready run=$RUN wall_s=$(echo "$ready - $start" | bc) rss_mib=$(rss) load=\"$(load)\""
	scrape ""
	page=$(curl -fs -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/v1/villages?limit=100")
	echo "bench: what=first-page run=$RUN wall_s=$page load=\"$(load)\""
	peak=0
	i=0
	while [ $i -lt $((MIN * 6)) ]; do
		sleep 10
		r=$(rss)
		[ "$r" -gt "$peak" ] && peak=$r
		i=$((i + 1))
		[ $((i % 6)) -eq 0 ] && echo "bench: what=serve-rss run=$RUN minute=$((i / 6)) rss_mib=$r peak_mib=$peak load=\"$(load)\""
	done
	scrape "-after"
	page=$(curl -fs -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PORT/api/v1/villages?limit=100")
	echo "bench: what=first-page-after run=$RUN wall_s=$page load=\"$(load)\""
	echo "bench: what=serve-cpu run=$RUN cpu_s=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' /proc/$PID/stat) load=\"$(load)\""
	kill $PID; wait $PID 2>/dev/null || true; PID=
}
for run in $(seq "${SERVE_RUNS:-1}"); do serve "$run"; done
