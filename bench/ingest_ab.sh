#!/usr/bin/env bash
# One round of an ingest A/B: each civitas binary given loads the same NGSI-LD batch file into a
# fresh store, in turn; prints per binary values/s, server CPU seconds, values per CPU-second
# and the bytes the server wrote (/proc/PID/io wchar: WAL, flushes, compactions). Run it a few
# times: rounds interleave the builds, so drift of the machine hits both.
#
# usage: bench/ingest_ab.sh NDJSON REQUESTS BINARY...
#   NDJSON: the peer kit's ngsild.ndjson (../shared/bench/peers: gen --formats ngsild)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
file=$1 requests=$2
shift 2
port=18951
for bin in "$@"; do
  dir=$(mktemp -d)
  "$bin" serve --data-dir "$dir/data" --http "127.0.0.1:$port" --threads 2 --log-level warn \
    --insecure-no-auth --rate-limit 1e9 --rate-burst 1e9 >"$dir/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  load=$(python3 "$here/upsert_lines.py" "$file" "$port" "$requests")
  cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$pid/stat")
  written=$(awk '/^wchar/ {print $2}' "/proc/$pid/io")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  values=$(sed -E 's/.*values=([0-9]+) .*/\1/' <<<"$load")
  echo "$bin $load cpu_s=$cpu values/cpu_s=$(awk -v v="$values" -v c="$cpu" 'BEGIN {printf "%d", v / c}') written_MB=$((written / 1000000))"
done
