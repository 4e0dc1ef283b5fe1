#!/bin/sh
# make bench-stores: SQLite and PostgreSQL side by side on the same covgen files (see
# docs/benchmarks.md): registry import, an observations/v1 upload (BENCH_OBS rows, default 1M)
# beside a plain COPY of the same rows as CSV (the anchor, PostgreSQL only), covmon status, and
# covmon serve's start and summary API. BENCH_SIZE=small (100k villages, default) or large (1M).
# PostgreSQL runs as a throwaway cluster on 127.0.0.1 (as the postgres user when root).
# BENCH_STORES=postgres (or sqlite) runs one store only.
set -eu
GO=${GO:-go}
case "${BENCH_SIZE:-small}" in
small) N=100000 ;;
large) N=1000000 ;;
*) echo "BENCH_SIZE: want small or large" >&2; exit 2 ;;
esac
OBS=${BENCH_OBS:-1000000}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=$(mktemp -d)
PG=$(mktemp -d /tmp/covmon-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { [ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null; as_pg "$PGBIN/pg_ctl" -D "$PG/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$PG" "$DIR"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown postgres "$PG"
BIN=$DIR/bin
mkdir -p "$BIN"
$GO build -o "$BIN/covgen" ./cmd/covgen
$GO build -o "$BIN/covmon" ./cmd/covmon
$GO build -o "$BIN/areabench" ./cmd/covgen/areabench
D=$DIR/data
"$BIN/covgen" -villages "$N" -polygons 1 -observations "$OBS" -out "$D" >/dev/null
PORT=${PGPORT_BENCH:-55433}
as_pg "$PGBIN/initdb" -D "$PG/data" -U postgres -A trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PG/data" -l "$PG/log" -w -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG -c shared_buffers=1GB -c max_parallel_workers_per_gather=0 -c fsync=off -c synchronous_commit=off -c autovacuum=off" start >/dev/null
psql_() { psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# The server's CPU for a step, from /proc: the utime+stime of the postmaster and of each of its
# children (backends, checkpointer, WAL writer, autovacuum), sampled five times a second while
# the step runs, and the postmaster's cutime+cstime (the CPU of the children it has reaped).
# pgsample_stop first waits (up to 5 s) until the step's backends have exited and been reaped,
# then takes a last sample. A process alive at the end counts its last sample less the one
# before the step (zero if born during it); a process that exited during the step counts its
# whole CPU from the postmaster's cutime (less what it had used before the step), or its last
# sample if that is more (on this machine cutime has been seen to miss whole backends; a
# sample misses a backend's last 0.2 s before it exits, and a backend shorter than that).
pgsample_start() {
	pm=$(head -1 "$PG/data/postmaster.pid")
	pgsample() { # pid own-ticks children-ticks; a process's name is (postgres), no blank in it
		(cd /proc && cat $(ps -o pid= --ppid "$pm" | sed 's|$|/stat|') "$pm/stat" 2>/dev/null | awk '{ print $1, $14 + $15, $16 + $17 }') || true
	}
	pgsample >"$DIR/pgcpu.0"
	: >"$DIR/pgcpu.s"
	(while :; do pgsample >>"$DIR/pgcpu.s"; sleep 0.2; done) &
	SAMPLER=$!
}
pgsample_stop() { # prints the server's CPU seconds since pgsample_start
	i=0
	while [ $i -lt 50 ] && ps -o stat=,args= --ppid "$pm" | grep -q '^Z\|postgres: postgres bench'; do sleep 0.1; i=$((i + 1)); done
	kill "$SAMPLER" 2>/dev/null || true
	wait "$SAMPLER" 2>/dev/null || true
	pgsample >"$DIR/pgcpu.1"
	awk -v hz="$(getconf CLK_TCK)" -v pm="$pm" '
		FILENAME ~ /pgcpu.0$/ { old[$1] = $2; if ($1 == pm) c0 = $3; next }
		FILENAME ~ /pgcpu.s$/ { seen[$1] = $2; next }
		{ end[$1] = $2; if ($1 == pm) c1 = $3 }
		END {
			for (p in end) s += end[p] - ((p in old) ? old[p] : 0)
			reaped = c1 - c0
			for (p in old) if (!(p in end)) reaped -= old[p]
			for (p in seen) if (!(p in end)) sampled += seen[p] - ((p in old) ? old[p] : 0)
			printf "%.2f", (s + (reaped > sampled ? reaped : sampled)) / hz
		}' "$DIR/pgcpu.0" "$DIR/pgcpu.s" "$DIR/pgcpu.1"
}
psql_ -d postgres -c "CREATE DATABASE bench" >/dev/null
psql_ -d bench -c "CREATE EXTENSION postgis" >/dev/null
URL="postgres://postgres@127.0.0.1:$PORT/bench?sslmode=disable"
echo "== $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $($GO version | cut -d' ' -f3-4); PostgreSQL $(psql_ -d bench -At -c 'SHOW server_version') (fsync off); N=$N villages, $OBS observation rows =="

# The anchor's CSV: the same rows as the observations file, as the store keeps them.
OBSF=$D/observations-viettel.geojson
python3 - "$OBSF" "$D/obs.csv" <<'PY'
import csv, json, sys, datetime
tz = datetime.timezone(datetime.timedelta(hours=7))
tech = {"2g": 2, "3g": 3, "4g": 4, "5g": 5}
with open(sys.argv[1]) as f, open(sys.argv[2], "w", newline="") as o:
    w = csv.writer(o)
    for line in f:
        if '"village_id"' not in line:
            continue
        p = json.loads(line.strip().rstrip(","))["properties"]
        at = datetime.datetime.strptime(p["observed_at"], "%Y-%m-%d").replace(tzinfo=tz)
        w.writerow([p["village_id"], "viettel", tech[p["technology"]], "t" if p["has_signal"] else "f",
                    p.get("rsrp_dbm", ""), p.get("dl_mbps", ""), int(at.timestamp() * 1000), p["method"], 1])
PY

# A step or serve's start that takes longer than BENCH_STEP_LIMIT seconds (default 1800) is
# stopped and reported as such (exit=124, not_ready_after_s), and the run goes on.
# BENCH_READ_LIMIT (default the same) bounds status and serve's start alone.
LIMIT=${BENCH_STEP_LIMIT:-1800} RLIMIT=${BENCH_READ_LIMIT:-${BENCH_STEP_LIMIT:-1800}}
# step name cmd...: one covmon run timed by areabench (wall, its CPU, peak RSS), with the
# PostgreSQL server's CPU for the step when the store is PostgreSQL, and the load after it.
step() {
	name=$1; shift
	case $name in *-status) lim=$RLIMIT ;; *) lim=$LIMIT ;; esac
	pgsample_start
	out=$("$BIN/areabench" run "$name" timeout "$lim" "$@" | grep '^bench:')
	# A stopped client leaves its backend running the query: end it too.
	case $out in *exit=124*) psql_ -d bench -Atc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'bench' AND pid <> pg_backend_pid()" >/dev/null ;; esac
	srv=$(pgsample_stop)
	case $name in postgres-*) out="$out server_cpu_s=$srv" ;; esac
	echo "$out load=\"$(load)\""
}
# anchor when: the anchor, a COPY of the same rows as CSV into a fresh copy of the observations
# table (its columns, defaults, identity, checks and indexes, and its foreign keys to villages
# and uploads: the same table definition covmon writes into), on the same cluster, psql's CPU
# and the server's CPU (every backend) measured too. It runs twice, just before and just
# after covmon's upload (when=before|after), and the ratio is taken against their mean: on a
# shared machine one COPY alone can land in a quiet or a busy minute (16–36 s for the same
# rows in one afternoon), and covmon's upload runs between the two.
anchor() {
	psql_ -d bench -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE obs_anchor (LIKE observations INCLUDING ALL);
SELECT format('ALTER TABLE obs_anchor ADD %s', pg_get_constraintdef(oid)) FROM pg_constraint
WHERE conrelid = 'observations'::regclass AND contype = 'f' \gexec
SQL
	psql_ -d bench -c CHECKPOINT >/dev/null
	pgsample_start
	t0=$(date +%s.%N)
	/usr/bin/time -f "%U %S" -o "$DIR/time" psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d bench -c "\\copy obs_anchor (village_id, carrier, technology, has_signal, rsrp_dbm, dl_mbps, observed_at, method, upload_id) FROM '$D/obs.csv' WITH (FORMAT csv)" >/dev/null
	t1=$(date +%s.%N) srv=$(pgsample_stop)
	echo "bench: what=postgres-copy-csv-anchor when=$1 wall_s=$(echo "$t1 - $t0" | bc) client_cpu_s=$(awk '{ print $1 + $2 }' "$DIR/time") server_cpu_s=$srv rows=$(psql_ -d bench -At -c 'SELECT count(*) FROM obs_anchor') fks=$(psql_ -d bench -At -c "SELECT count(*) FROM pg_constraint WHERE conrelid = 'obs_anchor'::regclass AND contype = 'f'") load=\"$(load)\"" | tee -a "$DIR/anchor.out"
	psql_ -d bench -c "DROP TABLE obs_anchor" -c CHECKPOINT >/dev/null
}
for store in ${BENCH_STORES:-sqlite postgres}; do
	if [ "$store" = sqlite ]; then DB=$DIR/bench.db; else DB=$URL; fi
	echo "== $store =="
	step "$store-villages-import" "$BIN/covmon" villages import --db "$DB" "$D/villages.geojson"
	# Autovacuum is off in the bench cluster: its vacuum of a freshly imported registry (or of
	# the upload's 1M rows) would land inside whichever timed step came next, and the server's
	# CPU counts every backend (two idle runs of the same upload at 1M, one after the other:
	# 30.6 and 38.5 s of server CPU). The tables are vacuumed and analyzed here instead,
	# untimed, before each timed PostgreSQL step that follows a write.
	vacuum() { if [ "$store" = postgres ]; then psql_ -d bench -c "VACUUM ANALYZE" -c CHECKPOINT >/dev/null; fi; }
	vacuum
	if [ "$store" = postgres ]; then anchor before; fi
	step "$store-ingest-observations" "$BIN/covmon" ingest --db "$DB" "$OBSF" | tee "$DIR/$store-obs.out"
	vacuum
	if [ "$store" = postgres ]; then anchor after; fi
	step "$store-status" "$BIN/covmon" status --db "$DB" --forecast=false
	# serve: from start to ready (the first snapshot), then the summary API.
	ADDR=127.0.0.1:$((PORT + 1))
	t0=$(date +%s.%N)
	"$BIN/covmon" serve --db "$DB" --listen "$ADDR" --log-level error >"$DIR/$store-serve.log" 2>&1 &
	SPID=$!
	until curl -fs "http://$ADDR/readyz" >/dev/null 2>&1; do
		if [ "$(echo "$(date +%s.%N) - $t0 > $RLIMIT" | bc)" = 1 ] || ! kill -0 "$SPID" 2>/dev/null; then break; fi
		sleep 0.1
	done
	if ! curl -fs "http://$ADDR/readyz" >/dev/null 2>&1; then
		echo "bench: what=$store-serve-ready not_ready_after_s=$(echo "$(date +%s.%N) - $t0" | bc) rss_mb=$(($(awk '/VmHWM/ {print $2}' /proc/$SPID/status 2>/dev/null || echo 0) / 1024)) load=\"$(load)\""
		tail -3 "$DIR/$store-serve.log" | sed 's/^/  serve: /' # why it stopped, if it did
		kill "$SPID" 2>/dev/null || true # it may have exited (set -e: a failed kill ended the run)
		wait "$SPID" 2>/dev/null || true; SPID=
		continue
	fi
	echo "bench: what=$store-serve-ready wall_s=$(echo "$(date +%s.%N) - $t0" | bc) rss_mb=$(($(awk '/VmHWM/ {print $2}' /proc/$SPID/status) / 1024)) load=\"$(load)\""
	for i in 1 2 3; do
		curl -fs -o /dev/null -w "bench: what=$store-summary-api run=$i wall_s=%{time_total} bytes=%{size_download}\n" "http://$ADDR/api/v1/summary"
	done
	kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=
done
awk '/^bench: / { delete v; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
	/what=postgres-copy-csv-anchor/ { na++; a += v["wall_s"]; acpu += v["client_cpu_s"] + v["server_cpu_s"]; asrv += v["server_cpu_s"]; aw[na] = v["wall_s"] }
	/what=postgres-ingest-observations/ { c = v["wall_s"]; ccpu = v["cpu_s"] + v["server_cpu_s"]; csrv = v["server_cpu_s"] }
	END {
		a /= na; acpu /= na; asrv /= na
		printf "bench: what=postgres-observations-vs-copy covmon_s=%s copy_s=%.2f (mean of %s and %s, before and after) ratio=%.2f ratio_to_before=%.2f ratio_to_after=%.2f server_cpu_ratio=%.2f cpu_ratio=%.2f (client + server; target <= 2)\n", c, a, aw[1], aw[2], c / a, c / aw[1], c / aw[2], csrv / asrv, ccpu / acpu
	}' "$DIR/anchor.out" "$DIR/postgres-obs.out"
echo "== load after: $(load) =="
