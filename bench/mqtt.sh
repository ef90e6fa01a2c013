#!/usr/bin/env bash
# bench/mqtt.sh BUILD_DIR: sustained MQTT ingest through a real mosquitto.
#
# Starts mosquitto and `civitas serve --mqtt` on free loopback ports with a fresh data dir, runs
# civitas_mqtt_load (QoS 0, then QoS 1), stops both by PID. Environment: DEVICES (1000),
# MESSAGES (100000), MEASURES (3 per message, plus a sequence number).
set -euo pipefail

BUILD_DIR=${1:?usage: bench/mqtt.sh BUILD_DIR}
DEVICES=${DEVICES:-1000}
MESSAGES=${MESSAGES:-100000}
MEASURES=${MEASURES:-3}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/civitas-mqtt-bench.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MQTT_PORT=$(free_port)
# Nothing queued for the subscriber is dropped: the figure must count applied measures only.
cat >"$WORK/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 0
CONF
"$MOSQUITTO" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
PIDS+=($!)

# A local measurement: no tokens (the loader provisions over plain HTTP), no rate limits.
"$BUILD_DIR/civitas" serve --data-dir "$WORK/data" --http 127.0.0.1:0 --mqtt "127.0.0.1:$MQTT_PORT" \
  --insecure-no-auth --rate-limit 1e9 --rate-burst 1e9 --log-level warn >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
PORT=""
for _ in $(seq 300); do
  PORT=$(sed -n 's|^civitas listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/server.out")
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.err" >&2; exit 1; }
  sleep 0.1
done
[[ -n $PORT ]] || { echo "server did not start" >&2; exit 1; }

echo "# civitas MQTT ingest: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$(dirname "$0")" rev-parse --short HEAD), $(nproc) cores, $("$MOSQUITTO" -h | head -1)"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for qos in 0 1; do
  s0=$(ticks "$SERVER_PID"); m0=$(ticks "${PIDS[0]}")
  line=$("$BUILD_DIR/civitas_mqtt_load" --http-port "$PORT" --mqtt-port "$MQTT_PORT" \
    --devices "$DEVICES" --messages "$MESSAGES" --measures "$MEASURES" --qos "$qos" --run "q$qos")
  s1=$(ticks "$SERVER_PID"); m1=$(ticks "${PIDS[0]}")
  tck=$(getconf CLK_TCK)
  measures=$((MESSAGES * (MEASURES + 1)))
  echo "$line server_cpu_s=$(awk -v a="$s0" -v b="$s1" -v t="$tck" 'BEGIN{printf "%.2f", (b-a)/t}') srv_us_per_measure=$(awk -v a="$s0" -v b="$s1" -v t="$tck" -v n="$measures" 'BEGIN{printf "%.2f", (b-a)/t*1e6/n}') mosquitto_cpu_s=$(awk -v a="$m0" -v b="$m1" -v t="$tck" 'BEGIN{printf "%.2f", (b-a)/t}')"
done
