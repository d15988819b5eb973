#!/usr/bin/env bash
# alertload.sh: the alert-path load runs of docs/benchmarks.md, one command each.
#
#   scripts/alertload.sh fixture sqlite|postgres        make the fixture once (4,000 devices)
#   scripts/alertload.sh run sqlite NAME RATE DURATION  one SQLite node
#   scripts/alertload.sh run postgres NAME RATE DURATION [NODES]
#                                                       one or two PostgreSQL nodes
#   scripts/alertload.sh alertmanager NAME RATE DURATION
#                                                       Prometheus Alertmanager, same generator
#
# Every run starts from a fresh copy of the fixture and a fresh server, runs
# `escudo disk check` beside the load for the same time, samples RSS every
# 5 s, and ends with one line of figures (CPU seconds of the server's own
# user+system time per 1,000 alerts sent; PostgreSQL's processes counted
# apart). Everything is kept under $ALERTLOAD_DIR (default /tmp/alertload).
#
# Environment: ESCUDO (the binary, default escudo on PATH), ALERTMANAGER
# (its binary, for the comparison), PGURL (a superuser's URL without the
# database, default postgres://postgres:postgres@127.0.0.1:5432),
# DEVICES (4000), HEARTBEAT (30s; 0 for alerts only), PPROF=1 to keep a
# 30-second CPU profile of the server taken in the middle of the run.
set -euo pipefail

ESCUDO=${ESCUDO:-escudo}
ALERTMANAGER=${ALERTMANAGER:-alertmanager}
DIR=${ALERTLOAD_DIR:-/tmp/alertload}
PGURL=${PGURL:-postgres://postgres:postgres@127.0.0.1:5432}
PGOPTS=${PGOPTS:-sslmode=disable}
DEVICES=${DEVICES:-4000}
HEARTBEAT=${HEARTBEAT:-30s}
KEY=${ESCUDO_MASTER_KEY:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
export ESCUDO_MASTER_KEY=$KEY NO_COLOR=1
mkdir -p "$DIR"
[ -f "$DIR/master.hex" ] || echo "$KEY" > "$DIR/master.hex"
export ESCUDO_MASTER_KEY=$(cat "$DIR/master.hex")

die() { echo "alertload: $*" >&2; exit 2; }

# cpu_ticks PID...: user+system clock ticks of the processes (and of their
# reaped children).
cpu_ticks() {
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$p/stat")))
	done
	echo "$t"
}
pg_pids() { pgrep -x postgres || pgrep -f 'postgres:' || true; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }

wait_http() {
	for _ in $(seq 1 300); do
		curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return 0
		sleep 0.1
	done
	die "$1 did not start"
}

serve() { # serve ADDR DBFLAGS... -> pid in SERVE_PID; /metrics on port + 1000
	local addr=$1
	shift
	"$ESCUDO" serve "$@" --addr "$addr" --public-url "http://$addr" --allow-key-in-data \
		--metrics-addr "127.0.0.1:$((${addr##*:} + 1000))" --alert-webhook "http://127.0.0.1:9099/" >>"$RUN/serve-$addr.log" 2>&1 &
	SERVE_PID=$!
	wait_http "http://$addr"
}

fixture() {
	local engine=$1
	RUN=$DIR/fixture-$engine
	rm -rf "$RUN" && mkdir -p "$RUN"
	local db=(--data "$RUN/data")
	if [ "$engine" = postgres ]; then
		psql "$PGURL/postgres?$PGOPTS" -qc "DROP DATABASE IF EXISTS alertload_fixture" -c "CREATE DATABASE alertload_fixture"
		db=(--db "$PGURL/alertload_fixture?$PGOPTS")
	fi
	"$ESCUDO" migrate "${db[@]}" --allow-key-in-data >/dev/null
	head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$RUN/pw"
	"$ESCUDO" user add "${db[@]}" --allow-key-in-data --username coordinacion --name "Coordinación" \
		--role coordinator --password-file "$RUN/pw" >/dev/null
	"$ESCUDO" token create "${db[@]}" --allow-key-in-data --username coordinacion --name alertload --expires 0 \
		2>/dev/null > "$RUN/token"
	# The generator keeps its devices per URL: register them on the address
	# the runs serve on (node 1), or every run would register its own.
	local addr=127.0.0.1:8080
	[ "$engine" = postgres ] && addr=127.0.0.1:8091
	serve "$addr" "${db[@]}"
	"$ESCUDO" loadgen --url "http://$addr" --token "$(cat "$RUN/token")" --state "$RUN/state.json" \
		--devices "$DEVICES" --heartbeat-interval 30s --register-interval 1m --warmup \
		--alerts-per-second 10 --duration 5s --quiet
	kill "$SERVE_PID" && wait "$SERVE_PID" || true
	echo "fixture ready: $RUN"
}

sample() { # sample PID SECONDS FILE
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ] && kill -0 "$1" 2>/dev/null; do
		echo "$(date -u +%T) rss_mb=$(rss_mb "$1")" >>"$3"
		sleep 5
	done
}

run() {
	local engine=$1 name=$2 rate=$3 duration=$4 nodes=${5:-1}
	local fix=$DIR/fixture-$engine
	[ -f "$fix/token" ] || die "no fixture: run '$0 fixture $engine' first"
	RUN=$DIR/$name
	rm -rf "$RUN" && mkdir -p "$RUN"
	cp "$fix/state.json" "$RUN/state.json"
	local pids=() urls=() db
	local load0
	load0=$(cut -d' ' -f1 /proc/loadavg)
	if [ "$engine" = sqlite ]; then
		cp -a "$fix/data" "$RUN/data"
		ESCUDO_PPROF_ADDR=127.0.0.1:6060 serve 127.0.0.1:8080 --data "$RUN/data"
		pids+=("$SERVE_PID") urls+=(http://127.0.0.1:8080)
	else
		local dbname=alertload_$name
		psql "$PGURL/postgres?$PGOPTS" -qc "DROP DATABASE IF EXISTS $dbname" -c "CREATE DATABASE $dbname TEMPLATE alertload_fixture"
		db="$PGURL/$dbname?$PGOPTS"
		for i in $(seq 1 "$nodes"); do
			ESCUDO_PPROF_ADDR=127.0.0.1:606$i serve "127.0.0.1:809$i" --db "$db" --node "node-$i"
			pids+=("$SERVE_PID") urls+=("http://127.0.0.1:809$i")
		done
	fi
	local secs=${duration%s}
	"$ESCUDO" disk check --data "$RUN/disk" --duration "${secs}s" --interval 20ms --quiet >"$RUN/disk.txt" 2>&1 &
	local diskpid=$!
	for p in "${pids[@]}"; do sample "$p" "$((secs + 10))" "$RUN/rss-$p.txt" & done
	if [ "${PPROF:-0}" = 1 ]; then
		(sleep $((secs / 2 - 15 > 0 ? secs / 2 - 15 : 0)) && curl -s -o "$RUN/cpu.pprof" \
			"http://127.0.0.1:606$([ "$engine" = sqlite ] && echo 0 || echo 1)/debug/pprof/profile?seconds=30") &
	fi
	# PGSS=1: the statements PostgreSQL spent its time on (needs
	# pg_stat_statements in shared_preload_libraries and CREATE EXTENSION
	# pg_stat_statements in the postgres database).
	[ "${PGSS:-0}" = 1 ] && psql "$PGURL/postgres?$PGOPTS" -qAtc "SELECT pg_stat_statements_reset()" >/dev/null
	local c0 pg0
	c0=$(cpu_ticks "${pids[@]}")
	pg0=$(cpu_ticks $(pg_pids))
	local nodeflag=(--url "${urls[0]}")
	[ "$nodes" -gt 1 ] && nodeflag=(--nodes "$(IFS=,; echo "${urls[*]}")")
	/usr/bin/time -o "$RUN/loadgen-cpu.txt" -f "%U %S" "$ESCUDO" loadgen "${nodeflag[@]}" --token "$(cat "$fix/token")" --state "$RUN/state.json" \
		--devices "$DEVICES" --heartbeat-interval "$HEARTBEAT" --register-interval 1m --warmup \
		--alerts-per-second "$rate" --duration "$duration" --quiet >"$RUN/loadgen.txt" 2>&1 || true
	local c1 pg1
	c1=$(cpu_ticks "${pids[@]}")
	pg1=$(cpu_ticks $(pg_pids))
	wait "$diskpid" || true
	[ "${PGSS:-0}" = 1 ] && psql "$PGURL/postgres?$PGOPTS" -c "SELECT calls, round(total_exec_time::numeric) AS ms,
		round((total_exec_time / calls)::numeric, 3) AS ms_each, left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS statement
		FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15" >"$RUN/statements.txt"
	for u in "${urls[@]}"; do
		curl -s "http://127.0.0.1:$((${u##*:} + 1000))/metrics" >"$RUN/metrics-${u##*:}.txt" || true
	done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	report "$name" "$engine" "$nodes" "$load0" "$((c1 - c0))" "$((pg1 - pg0))"
	[ "$engine" = postgres ] && [ "${KEEP:-0}" != 1 ] && psql "$PGURL/postgres?$PGOPTS" -qc "DROP DATABASE IF EXISTS alertload_$name" || true
}

report() { # NAME ENGINE NODES LOAD0 TICKS PGTICKS
	local hz sent
	hz=$(getconf CLK_TCK)
	sent=$(grep -Eo 'sent [0-9]+' "$DIR/$1/loadgen.txt" | head -1 | grep -Eo '[0-9]+' || echo 0)
	{
		cat "$DIR/$1/loadgen.txt"
		grep -E 'p99|verdict|stall' "$DIR/$1/disk.txt" || cat "$DIR/$1/disk.txt"
		for f in "$DIR/$1"/rss-*.txt; do
			echo "rss $(basename "$f" .txt): $(awk -F= '{printf "%s ", $2}' "$f")"
		done
		awk -v n="$1" -v e="$2" -v g="$(awk '{print $1 + $2}' "$DIR/$1/loadgen-cpu.txt" 2>/dev/null | tail -1)" -v k="$3" -v l0="$4" -v t="$5" -v pg="$6" -v hz="$hz" -v s="$sent" \
			-v l1="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
				printf "figures: run=%s engine=%s nodes=%s load=%s->%s cpu_s_per_1000=%.3f", n, e, k, l0, l1, (s ? t / hz / s * 1000 : 0)
				if (e == "postgres") printf " postgres_cpu_s_per_1000=%.3f", (s ? pg / hz / s * 1000 : 0)
				printf " loadgen_cpu_s_per_1000=%.3f", (s ? g / s * 1000 : 0)
				printf "\n" }'
	} | tee "$DIR/$1/report.txt"
}

alertmanager() {
	local name=$1 rate=$2 duration=$3
	RUN=$DIR/$name
	rm -rf "$RUN" && mkdir -p "$RUN"
	cat >"$RUN/am.yml" <<'EOF'
route:
  receiver: loadgen
  group_by: [lg_id]
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 1h
receivers:
  - name: loadgen
    webhook_configs:
      - url: http://127.0.0.1:9099/
        send_resolved: false
EOF
	local load0
	load0=$(cut -d' ' -f1 /proc/loadavg)
	"$ALERTMANAGER" --config.file="$RUN/am.yml" --storage.path="$RUN/am" --web.listen-address=127.0.0.1:9093 \
		--cluster.listen-address= >"$RUN/am.log" 2>&1 &
	local pid=$!
	for _ in $(seq 1 300); do curl -fsS -o /dev/null http://127.0.0.1:9093/-/ready 2>/dev/null && break; sleep 0.1; done
	local secs=${duration%s}
	"$ESCUDO" disk check --data "$RUN/disk" --duration "${secs}s" --interval 20ms --quiet >"$RUN/disk.txt" 2>&1 &
	local diskpid=$!
	sample "$pid" "$((secs + 10))" "$RUN/rss-$pid.txt" &
	local c0 c1
	c0=$(cpu_ticks "$pid")
	/usr/bin/time -o "$RUN/loadgen-cpu.txt" -f "%U %S" "$ESCUDO" loadgen --alertmanager --url http://127.0.0.1:9093 --devices "$DEVICES" --heartbeat-interval 0 \
		--alerts-per-second "$rate" --duration "$duration" --quiet >"$RUN/loadgen.txt" 2>&1 || true
	c1=$(cpu_ticks "$pid")
	wait "$diskpid" || true
	kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	report "$name" alertmanager 1 "$load0" "$((c1 - c0))" 0
}

case "${1:-}" in
fixture) fixture "${2:?engine}" ;;
run) shift && run "$@" ;;
alertmanager) shift && alertmanager "$@" ;;
*) sed -n '2,20p' "$0" >&2 && exit 2 ;;
esac
