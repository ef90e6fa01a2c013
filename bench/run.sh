#!/usr/bin/env bash
# bench/run.sh BUILD_DIR [--memory]
#
# Starts `BUILD_DIR/civitas serve` on a fresh temp data dir (port 0), drives it with
# BUILD_DIR/civitas_load scenario after scenario, stops the server by PID and prints a table.
# Default mode (~3 min): upsert 100k entities, PATCH, GET by id, near / q / deep-offset queries.
# --memory (a few minutes): load 1,000,000 entities, then report the server's VmRSS and the
# data dir size. Every load is bounded by a request count and a duration.
# Environment: SERVER_THREADS (default 2), CLIENT_THREADS (default 1), DURATION (s, default 15).
set -euo pipefail

BUILD_DIR=${1:?usage: bench/run.sh BUILD_DIR [--memory]}
MODE=${2:-default}
CIVITAS=$BUILD_DIR/civitas
LOAD=$BUILD_DIR/civitas_load
SERVER_THREADS=${SERVER_THREADS:-2}
CLIENT_THREADS=${CLIENT_THREADS:-1}
DURATION=${DURATION:-15}
for bin in "$CIVITAS" "$LOAD"; do
  [[ -x $bin ]] || { echo "missing $bin (build targets civitas and civitas_load)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/civitas-bench.XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Auth is on as in production: the load generator sends the bootstrap admin token; rate limits
# are lifted so they do not cap what is measured.
CIVITAS_ADMIN_TOKEN=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
export CIVITAS_ADMIN_TOKEN
"$CIVITAS" serve --data-dir "$WORK/data" --http 127.0.0.1:0 --threads "$SERVER_THREADS" \
  --rate-limit 1e9 --rate-burst 1e9 --log-level warn >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's|^civitas listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/server.out")
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; exit 1; }
  sleep 0.1
done
[[ -n $PORT ]] || { echo "server did not start" >&2; exit 1; }

TCK=$(getconf CLK_TCK)
# CPU ticks (user+sys) of the server, and busy ticks of the whole machine.
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

echo "# civitas bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, server pid $SERVER_PID port $PORT, server threads $SERVER_THREADS, client threads $CLIENT_THREADS"
echo "# the load generator runs on the same machine and competes with the server for its cores"

ROWS=()
# run LABEL GOAL civitas_load-args...: runs one scenario, echoes its raw line, keeps a table row.
# Besides the client's view it records the server's CPU time per request (robust to other load
# on the machine) and how many cores anything else (other processes) used meanwhile.
run() {
  local label=$1 goal=$2; shift 2
  local line status=0 s0 s1 m0 m1
  s0=$(server_ticks); m0=$(machine_busy_ticks)
  line=$("$LOAD" --port "$PORT" --threads "$CLIENT_THREADS" "$@") || status=$?
  s1=$(server_ticks); m1=$(machine_busy_ticks)
  local ok secs server_s client_s srv_us srv_cores other_cores
  ok=$(field "$line" ok); secs=$(field "$line" seconds); client_s=$(field "$line" client_cpu_s)
  server_s=$(awk -v a="$s0" -v b="$s1" -v t="$TCK" 'BEGIN {printf "%.2f", (b - a) / t}')
  srv_us=$(awk -v s="$server_s" -v n="$ok" -v k="$(field "$line" items_per_s)" -v r="$(field "$line" rps)" \
    'BEGIN {if (n > 0) printf "%.0f", s * 1e6 / n / (r > 0 ? k / r : 1); else print "-"}')
  srv_cores=$(awk -v s="$server_s" -v d="$secs" 'BEGIN {if (d > 0) printf "%.2f", s / d; else print "-"}')
  other_cores=$(awk -v a="$m0" -v b="$m1" -v t="$TCK" -v s="$server_s" -v c="$client_s" -v d="$secs" \
    'BEGIN {o = (b - a) / t - s - c; if (o < 0) o = 0; if (d > 0) printf "%.2f", o / d; else print "-"}')
  echo "$label: $line server_cpu_s=$server_s server_cores=$srv_cores other_cores=$other_cores"
  [[ $status -eq 0 ]] || echo "  ^ errors (see stderr above)" >&2
  ROWS+=("$(printf '| %-38s | %8s | %9s | %9s | %8s | %8s | %8s | %8s | %7s | %5s | %5s | %-17s |' "$label" \
    "$ok" "$(field "$line" rps)" "$(field "$line" items_per_s)" \
    "$(field "$line" p50_ms)" "$(field "$line" p90_ms)" "$(field "$line" p99_ms)" \
    "$(field "$line" max_ms)" "$srv_us" "$srv_cores" "$other_cores" "$goal")")
}

print_table() {
  echo
  echo "srv_us = server CPU per item (entity or request); srv_cores = server CPU / wall time;"
  echo "other = cores used meanwhile by processes other than server and client (noise)."
  printf '| %-38s | %8s | %9s | %9s | %8s | %8s | %8s | %8s | %7s | %5s | %5s | %-17s |\n' scenario ok \
    req/s items/s p50_ms p90_ms p99_ms max_ms srv_us srv_c other goal
  printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..40})" "----------" \
    "-----------" "-----------" "----------" "----------" "----------" "----------" "---------" \
    "-------" "-------" "-------------------"
  printf '%s\n' "${ROWS[@]}"
}

if [[ $MODE == --memory ]]; then
  N=1000000
  RSS0=$(rss_kib)
  run "upsert 1M (1000/req, 4 conns)" ">= 100000 ent/s" --scenario upsert --batch 1000 \
    --requests $((N / 1000)) --connections 4 --duration 900
  RSS1=$(rss_kib)
  sleep 10
  RSS2=$(rss_kib)
  DISK=$(du -sb "$WORK/data" | cut -f1)
  print_table
  echo
  echo "| memory (1,000,000 entities)        | value |"
  echo "|---|---|"
  echo "| VmRSS before load                  | $((RSS0 / 1024)) MiB |"
  echo "| VmRSS right after load             | $((RSS1 / 1024)) MiB |"
  echo "| VmRSS 10 s later                   | $((RSS2 / 1024)) MiB |"
  echo "| RSS per entity (total / N)         | $((RSS2 * 1024 / N)) B (goal <= 1024 B) |"
  echo "| RSS per entity ((after-before) / N)| $(((RSS2 - RSS0) * 1024 / N)) B |"
  echo "| data dir on disk                   | $((DISK / 1024 / 1024)) MiB ($((DISK / N)) B/entity) |"
  exit 0
fi

D=$DURATION
run "upsert 100k new (1000/req, 4 conns)" ">= 100000 ent/s" --scenario upsert --batch 1000 \
  --requests 100 --connections 4 --duration 60
run "upsert 100k existing (1000/req)" ">= 100000 ent/s" --scenario upsert --batch 1000 \
  --requests 100 --connections 4 --duration 60
if command -v curl >/dev/null; then
  hits=$(curl -s -H 'Link: <https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"' \
    "http://127.0.0.1:$PORT/ngsi-ld/v1/entities?type=AirQualityObserved&georel=near%3BmaxDistance%3D%3D1000&geometry=Point&coordinates=%5B-3.7038,40.4168%5D&limit=1000&count=true" \
    -D - -o /dev/null | tr -d '\r' | sed -n 's/^NGSILD-Results-Count: //Ip')
  echo "# sanity: near 1000 m of the centre matches ${hits:-?} entities (expected ~3,100)"
fi
run "PATCH attrs (64 conns, 10k ids)" ">= 20000 req/s" --scenario patch --spread 10000 \
  --connections 64 --requests 2000000 --duration "$D"
run "GET by id (64 conns, 100k ids)" ">= 50000 req/s" --scenario get --spread 100000 \
  --connections 64 --requests 5000000 --duration "$D"
run "near 1000 m, limit 100 (1 conn)" "p50/p99 <= 10 ms" --scenario near --connections 1 \
  --requests 5000 --duration "$D"
run "near 1000 m, limit 100 (4 conns)" "-" --scenario near --connections 4 \
  --requests 20000 --duration "$D"
run "type + q filter, limit 100 (1 conn)" "-" --scenario q --connections 1 \
  --requests 5000 --duration "$D"
run "type, offset=50000 limit 100 (1 conn)" "-" --scenario offset --offset 50000 \
  --connections 1 --requests 2000 --duration "$D"
RSS=$(rss_kib)
print_table
echo
echo "server VmRSS with 100k entities: $((RSS / 1024)) MiB; data dir $(( $(du -sb "$WORK/data" | cut -f1) / 1024 / 1024 )) MiB"
