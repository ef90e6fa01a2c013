#!/usr/bin/env bash
# civitas in the peer benchmark kit through its compact write path: the kit's influx.lp (the
# InfluxDB peer's very bytes, precision=s) over HTTP POST /write?db=bench&precision=s in batches
# of $INFLUX_BATCH lines, mapped by a civitas.yaml ingest mapping (measurement aq →
# AirQualityObserved, tag sensor → the entity id, the kit's units). The sensors' positions (for
# q4) are loaded first, untimed, from sensors.csv through POST /api/v1/bulk/csv. Then the same
# disk measurement and q1-q4 over the NGSI-LD API as peer-civitas.sh (civitas-lib.sh).
#
#   PEERS_KIT=/work/shared/bench/peers EXTRA_PEERS="civitas-lp=$PWD/bench/peers/peer-civitas-lp.sh" \
#     EXTRA_FORMATS=influx PEERS="civitas-lp influxdb ..." $PEERS_KIT/run-all.sh
#
# Knobs: as peer-civitas.sh, plus INFLUX_BATCH (5000, the kit's InfluxDB batch size).
set -euo pipefail
[[ -n "${PEERS_KIT:-}" ]] || { echo "PEERS_KIT must point at the peer kit folder" >&2; exit 1; }
# shellcheck source=/dev/null
source "$PEERS_KIT/lib.sh"

SYS=${SYS:-civitas-lp}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=civitas-lib.sh
source "$HERE/civitas-lib.sh"
BATCH=${INFLUX_BATCH:-5000}
SRC=$DATA/influx.lp
[[ -f "$SRC" ]] || die "missing $SRC (run gen with --formats influx)"
[[ -f "$DATA/sensors.csv" ]] || die "missing $DATA/sensors.csv"

rm -rf "$DIR"; mkdir -p "$DIR/batches"
cat >"$DIR/civitas.yaml" <<YAML
ingest:
  mappings:
    - measurement: aq
      type: $TYPE
      id: sensor
      attributes:
        pm25: {unitCode: GQ}
        no2: {unitCode: GQ}
        temperature: {unitCode: CEL}
    - measurement: sensors        # sensors.csv: id,name,lon,lat
      type: $TYPE
      id: name
      longitude: lon
      latitude: lat
      unmapped: drop
YAML
CONFIG=(--config "$DIR/civitas.yaml")  # for serve and compact (CIVITAS_CONFIG does not apply)
log "$SYS: splitting influx.lp into batches of $BATCH lines"
split -l "$BATCH" -d -a 6 "$SRC" "$DIR/batches/b."

log "$SYS: starting $BIN on 127.0.0.1:$PORT (--threads $THREADS)"
start_server 1
curl -sS -f -o /dev/null -X POST --data-binary @"$DATA/sensors.csv" -H 'Content-Type: text/csv' \
  "$URL/api/v1/bulk/csv?measurement=sensors" || die "sensor positions not loaded"

ROWS=$(manifest rows); VALUES=$(manifest values)
log "$SYS: loading $ROWS lines ($VALUES values) in batches of $BATCH with $WORKERS workers"
BG=$(check_background)
c0=$(cpu_seconds "$SRV_PID"); t0=$(now)
post_batches "$URL/write?db=bench&precision=s" "text/plain; charset=utf-8" "$DIR/batches" || die "load failed"
t1=$(now); c1=$(cpu_seconds "$SRV_PID")
LOAD_S=$(elapsed "$t0" "$t1")
WRITE_PATH="HTTP POST /write?db=bench&precision=s (InfluxDB line protocol), $BATCH influx.lp lines per request, $WORKERS keep-alive connections; load ends at the last 204 (= in the WAL and visible)"
report_run
