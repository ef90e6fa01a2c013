#!/usr/bin/env bash
# civitas in the peer benchmark kit (../shared/bench/peers, see its README "Adding civitas").
# Start civitas on 127.0.0.1 with data under $WORK/civitas, load ngsild.ndjson (one NGSI-LD
# entityOperations/upsert body per line) over HTTP, stop cleanly and restart (so the reported
# disk size is the flushed store, not the write-ahead log), query q1-q4 over the NGSI-LD API, stop.
#
#   PEERS_KIT=/work/shared/bench/peers EXTRA_PEERS="civitas=$PWD/bench/peers/peer-civitas.sh" \
#     EXTRA_FORMATS=ngsild PEERS="civitas ..." $PEERS_KIT/run-all.sh
#
# Knobs: CIVITAS (binary, default civitas on PATH), CIVITAS_COMMIT (recorded as the version: the
# binary does not print one), CIVITAS_PORT (18900), CIVITAS_THREADS (2).
set -euo pipefail
[[ -n "${PEERS_KIT:-}" ]] || { echo "PEERS_KIT must point at the peer kit folder" >&2; exit 1; }
# shellcheck source=/dev/null
source "$PEERS_KIT/lib.sh"

SYS=${SYS:-civitas}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=civitas-lib.sh
source "$HERE/civitas-lib.sh"
SRC=$DATA/ngsild.ndjson
[[ -f "$SRC" ]] || die "missing $SRC (run gen with --formats ngsild)"

rm -rf "$DIR"; mkdir -p "$DIR/batches"
log "$SYS: splitting $(basename "$SRC") into one request per line"
split -l 1 -d -a 6 "$SRC" "$DIR/batches/b."

log "$SYS: starting $BIN on 127.0.0.1:$PORT (--threads $THREADS)"
start_server 1

ROWS=$(manifest rows); VALUES=$(manifest values); S=$(manifest sensors)
log "$SYS: loading $ROWS entity updates ($VALUES values) in $(manifest ngsild_batches) requests with $WORKERS workers"
BG=$(check_background)
c0=$(cpu_seconds "$SRV_PID"); t0=$(now)
post_batches "$API/entityOperations/upsert" application/json "$DIR/batches" "$LINK" || die "load failed"
t1=$(now); c1=$(cpu_seconds "$SRV_PID")
LOAD_S=$(elapsed "$t0" "$t1")
WRITE_PATH="HTTP POST /ngsi-ld/v1/entityOperations/upsert, one ngsild.ndjson line (<= 1000 entities x 3 Properties) per request, $WORKERS keep-alive connections; load ends at the last 2xx (= in the WAL and visible)"
report_run
