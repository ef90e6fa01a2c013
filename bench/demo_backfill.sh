#!/usr/bin/env bash
# bench/demo_backfill.sh BUILD_DIR [BACKFILL]
#
# Times the backfill of `civitas demo` for the default city (8 districts, ~1,500 devices) on a
# fresh temp data dir: starts the demo on port 0, waits for its "backfill ...: N values ..."
# summary on stderr, stops it by PID (SIGTERM) and prints the summary, the data dir size and
# the cores other processes used meanwhile (the box is shared). BACKFILL defaults to 7d.
set -euo pipefail

BUILD_DIR=${1:?usage: bench/demo_backfill.sh BUILD_DIR [BACKFILL]}
BACKFILL=${2:-7d}
CIVITAS=$BUILD_DIR/civitas
[[ -x $CIVITAS ]] || { echo "missing $CIVITAS (build target civitas)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/civitas-demo-bench.XXXXXX")
PID=""
cleanup() {
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

busy_total() {  # jiffies busy (all CPUs) and jiffies of our process
  awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat
}

start_busy=$(busy_total)
start=$(date +%s.%N)
"$CIVITAS" demo --data-dir "$WORK/data" --http 127.0.0.1:0 --backfill "$BACKFILL" \
  >"$WORK/stdout" 2>"$WORK/stderr" &
PID=$!
for _ in $(seq 6000); do
  grep -q "values of" "$WORK/stderr" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/stderr" >&2; exit 1; }
  sleep 0.1
done
end=$(date +%s.%N)
own=$(awk '{print $14+$15}' "/proc/$PID/stat")
end_busy=$(busy_total)
summary=$(grep "values of" "$WORK/stderr")
kill -TERM "$PID"
wait "$PID" || true
PID=""
ticks=$(getconf CLK_TCK)
wall=$(echo "$end - $start" | bc -l)
echo "$summary"
echo "process wall (incl. start-up) ${wall} s; demo CPU $(echo "$own / $ticks" | bc -l | cut -c1-5) s;" \
  "other load $(echo "($end_busy - $start_busy - $own) / $ticks / $wall" | bc -l | cut -c1-4) cores;" \
  "data dir $(du -sh "$WORK/data" | cut -f1)"
