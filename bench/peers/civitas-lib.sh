# Shared by peer-civitas.sh (NGSI-LD upserts) and peer-civitas-lp.sh (line protocol): the
# server's start and stop, the paged NGSI-LD walks, and everything after the load (the
# last-reading check, disk after a clean stop + compact + restart, the count check, q1-q4 and
# the result JSON). Sourced after the kit's lib.sh; the loader sets SYS before sourcing and
# may set CONFIG (a `--config FILE` for serve and compact), then calls start_server, loads, and calls
# report_run with the load's timing (LOAD_S, c0, c1, BG) and WRITE_PATH set. CIVITAS_CONFIG: a
# civitas.yaml for serve and compact (e.g. bench/peers/no-modified-at.yaml; set SYS to name the
# row).
# shellcheck shell=bash

BIN=${CIVITAS:-civitas}
PORT=${CIVITAS_PORT:-18900}
THREADS=${CIVITAS_THREADS:-2}
DIR=$WORK/$SYS
URL=http://127.0.0.1:$PORT
API=$URL/ngsi-ld/v1
LINK='Link: <https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
TYPE=AirQualityObserved                  # the generator's entity type and id prefix
IDP=urn:ngsi-ld:$TYPE:
CONFIG=()
[[ -n "${CIVITAS_CONFIG:-}" ]] && CONFIG=(--config "$CIVITAS_CONFIG")

command -v "$BIN" >/dev/null || die "civitas binary not found (set CIVITAS=/path/to/civitas)"
port_free "$PORT" || die "port $PORT busy"

SRV_PID=""; SAMPLER=""
cleanup() {
  rm -rf "$DIR/batches"
  [[ -n "$SAMPLER" ]] && stop_rss_sampler "$SAMPLER" "$DIR/rss.stop"
  [[ -n "$SRV_PID" ]] && stop_pid "$SRV_PID"
  return 0
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# start the server (appending to server.log), wait for /readyz (bounded), start the PSS sampler
start_server() {
  # A local measurement: no tokens for the loader's curl calls, no rate limits.
  "$BIN" serve "${CONFIG[@]}" --data-dir "$DIR/data" --http "127.0.0.1:$PORT" --threads "$THREADS" --log-level warn \
    --insecure-no-auth --rate-limit 1e9 --rate-burst 1e9 \
    >>"$DIR/server.log" 2>&1 &
  SRV_PID=$!
  local i
  for ((i = 0; i < 240; i++)); do
    curl -sf -o /dev/null "$URL/readyz" && break
    kill -0 "$SRV_PID" 2>/dev/null || die "civitas exited (see $DIR/server.log)"
    sleep 0.5
  done
  curl -sf -o /dev/null "$URL/readyz" || die "civitas not ready after 120 s (see $DIR/server.log)"
  SAMPLER=$(start_rss_sampler "$SRV_PID" "$DIR/rss.$1" "$DIR/rss.stop")
}
stop_server() {
  stop_rss_sampler "$SAMPLER" "$DIR/rss.stop"; SAMPLER=""
  stop_pid "$SRV_PID"; SRV_PID=""
}

# GET a paged NGSI-LD query: follow Link rel="next" when the server sends one (GET /entities),
# else step offset by limit until a short page (GET /temporal/entities). Concatenates the pages
# into $2 (one JSON array), the pages' URLs into $2.urls, and prints the summed curl time_total
# in ms (each page one request, like the other peers' single request). Args: path outfile
# curl-args...
walk() {
  local path=$1 out=$2; shift 2
  local limit=1000 off=0 next="" n ms=0 t page=0 hdr=$DIR/walk.h body
  : >"$out.pages"; : >"$out.urls"
  for ((page = 0; page < 1000; page++)); do
    body=$DIR/walk.$page.json
    if [[ -n "$next" ]]; then
      t=$(curl -sS -f -g -D "$hdr" -o "$body" -w '%{time_total} %{url_effective}' -H "$LINK" "$URL$next") || return 1
    else
      t=$(curl -sS -f -D "$hdr" -o "$body" -w '%{time_total} %{url_effective}' -G "$API$path" -H "$LINK" "$@" \
            --data-urlencode "limit=$limit" --data-urlencode "offset=$off") || return 1
    fi
    echo "${t#* }" >>"$out.urls"; t=${t%% *}
    ms=$(awk -v a="$ms" -v t="$t" 'BEGIN{printf "%.3f", a + t * 1000}')
    echo "$body" >>"$out.pages"
    n=$(jq length "$body")
    next=$(tr -d '\r' <"$hdr" | sed -n 's/^[Ll]ink: *<\([^>]*\)>; *rel="next".*/\1/p' | head -1)
    [[ -n "$next" ]] && continue
    ((n < limit)) && break
    off=$((off + limit))
  done
  xargs cat <"$out.pages" | jq -s 'add' >"$out"
  xargs rm -f <"$out.pages"; rm -f "$out.pages" "$hdr"
  echo "$ms"
}
# median over RUNS walks after one warm-up
walk_median_ms() {
  local i; walk "$@" >/dev/null || return 1
  for ((i = 0; i < RUNS; i++)); do walk "$@" || return 1; done | median
}
# The same query timed the way the kit times PostgreSQL (psql \timing in one session): one curl
# process, one kept-alive connection, the walk's pages RUNS + 1 times; prints the median of the
# rounds' summed time_total in ms, after the first round (warm-up). Args: as walk.
session_median_ms() {
  local out=$2 urls=() args=() i u
  walk "$@" >/dev/null || return 1
  mapfile -t urls <"$out.urls"
  for ((i = 0; i <= RUNS; i++)); do
    for u in "${urls[@]}"; do args+=(-o /dev/null "$u"); done
  done
  curl -sS -f -g -H "$LINK" -w '%{time_total}\n' "${args[@]}" |
    awk -v n="${#urls[@]}" '{ s += $1 } NR % n == 0 { if (NR > n) printf "%.6f\n", s * 1000; s = 0 }' | median
}

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# After the load: needs LOAD_S, c0, c1 (server CPU-s before and after), BG and WRITE_PATH.
report_run() {
  ROWS=$(manifest rows); VALUES=$(manifest values); S=$(manifest sensors)
  S_EPOCH=$(manifest start_epoch); E_EPOCH=$(manifest end_epoch_exclusive); D0=$(manifest q2_day_start_epoch)
  LAST_ISO=$(iso $((E_EPOCH - $(manifest interval_s))))
  # a 2xx means "in the WAL and visible": the last sensor's history must end at the last reading
  LAST=$(curl -sS -f -G "$API/temporal/entities/$IDP$(printf 's%05d' "$S")" -H "$LINK" --data-urlencode attrs=pm25 \
           --data-urlencode lastN=1 | jq -r '.pm25 | if type == "array" then .[0] else . end | .observedAt')
  [[ "$LAST" == "$LAST_ISO" ]] || die "last reading not in the history after the load ($LAST)"
  log "$SYS: load took ${LOAD_S}s ($(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.1f", b-a}') server CPU-s); waiting for flush/compaction, then a clean restart"
  rm -rf "$DIR/batches"

  # Disk: the newest writes live in memtables + WAL and a clean shutdown does not flush them, so the
  # live data dir holds them only as WAL (beside the SSTs flushed during the load). Record it, then
  # stop (SIGTERM), `civitas compact`, and restart: recovery flushes the WAL into SST files and deletes it. The reported size is the whole data dir after that (SST + empty
  # WAL + MANIFEST/OPTIONS/LOG), settled; the queries run on the restarted server.
  s0=$(now)
  wait_disk_stable "$DIR/data"
  DISK_LIVE=$(disk_bytes "$DIR/data")
  stop_server
  # As the peers merge/OPTIMIZE/VACUUM before their size is read: drop overwritten and deleted
  # data (folded pending samples, rewritten chunks). Binaries without the command skip this.
  if "$BIN" compact --help >/dev/null 2>&1; then
    "$BIN" compact "${CONFIG[@]}" --data-dir "$DIR/data" >&2 || die "civitas compact failed"
  fi
  start_server 2
  wait_disk_stable "$DIR/data"
  SETTLE_S=$(elapsed "$s0" "$(now)")
  DISK=$(disk_bytes "$DIR/data")
  SST=$(find "$DIR/data" -name '*.sst' -printf '%s\n' | awk '{s+=$1} END{print s+0}')
  SST_FILES=$(find "$DIR/data" -name '*.sst' | wc -l)
  log "$SYS: data dir ${DISK_LIVE} B live after the load (SSTs + WAL), ${DISK} B after restart (${SST} B in SST files)"

  # count check: totalCount of every attribute's history over the whole range, summed over sensors
  RANGE=(--data-urlencode timerel=between --data-urlencode "timeAt=$(iso "$S_EPOCH")" --data-urlencode "endTimeAt=$(iso "$E_EPOCH")")
  walk /temporal/entities "$DIR/count.json" --data-urlencode "type=$TYPE" --data-urlencode "attrs=pm25,no2,temperature" \
    --data-urlencode options=aggregatedValues --data-urlencode aggrMethods=totalCount --data-urlencode aggrPeriodDuration=P1D "${RANGE[@]}" >/dev/null
  COUNT=$(jq '[.[] | (.pm25, .no2, .temperature) | .totalCount[]?[0]] | add // 0' "$DIR/count.json")
  log "$SYS: count of all stored values = $COUNT (expected $VALUES)"
  [[ "$COUNT" == "$VALUES" ]] && COUNT_OK=ok || COUNT_OK="FAIL($COUNT)"

  # q1: hourly avg of pm25 for s00001 over all days; q2: every sensor, day 1 (paged by 1000 entities);
  # q3: current state of every sensor (GET /entities, paged); q4: near the box centre, with pm25
  AVG=(--data-urlencode attrs=pm25 --data-urlencode options=aggregatedValues --data-urlencode aggrMethods=avg --data-urlencode aggrPeriodDuration=PT1H)
  Q1=(--data-urlencode "id=${IDP}s00001" --data-urlencode "type=$TYPE" "${AVG[@]}" "${RANGE[@]}")
  Q2=(--data-urlencode "type=$TYPE" "${AVG[@]}" --data-urlencode timerel=between --data-urlencode "timeAt=$(iso "$D0")" --data-urlencode "endTimeAt=$(iso $((D0 + 86400)))")
  Q3=(--data-urlencode "type=$TYPE" --data-urlencode "attrs=pm25,no2,temperature")
  Q4=(--data-urlencode "type=$TYPE" --data-urlencode attrs=pm25 --data-urlencode "georel=near;maxDistance==$(manifest q4_radius_m)"
      --data-urlencode geometry=Point --data-urlencode "coordinates=[$(manifest q4_lon),$(manifest q4_lat)]")
  Q1_CHECK=$(curl -sS -f -G "$API/temporal/entities" -H "$LINK" "${Q1[@]}" | jq -r '.[0].pm25.avg[] | "\(.[1] | fromdateiso8601),\(.[0])"' | check_q1)
  walk /temporal/entities "$DIR/q2.json" "${Q2[@]}" >/dev/null
  Q2_SERIES=$(jq '[.[] | select((.pm25.avg | length) == 24)] | length' "$DIR/q2.json")
  walk /entities "$DIR/q3.json" "${Q3[@]}" >/dev/null
  Q3_SERIES=$(jq '[.[] | (.pm25, .no2, .temperature) | select(.value != null)] | length' "$DIR/q3.json")
  # current state = the last write applied; with concurrent streams a sensor's last two batches can
  # arrive out of order, so count the sensors whose state is the newest reading
  Q3_NEWEST=$(jq --arg t "$LAST_ISO" '[.[] | select(.pm25.observedAt == $t)] | length' "$DIR/q3.json")
  # the same question answered from the history (lastN=1), which orders by observedAt: extra field
  Q3H=(--data-urlencode "type=$TYPE" --data-urlencode "attrs=pm25,no2,temperature" --data-urlencode lastN=1)
  walk /temporal/entities "$DIR/q3h.json" "${Q3H[@]}" >/dev/null
  Q3H_NEWEST=$(jq --arg t "$LAST_ISO" '[.[] | select(.pm25[0].observedAt == $t)] | length' "$DIR/q3h.json")
  walk /entities "$DIR/q4.json" "${Q4[@]}" >/dev/null
  Q4_ROWS=$(jq length "$DIR/q4.json")
  log "$SYS: q1 check $Q1_CHECK; q2 sensors with 24 buckets $Q2_SERIES; q3 values $Q3_SERIES (3 per sensor), $Q3_NEWEST sensors at the newest reading; q4 sensors $Q4_ROWS"
  Q1_MS=$(http_median_ms "$API/temporal/entities" -H "$LINK" "${Q1[@]}")
  Q2_MS=$(walk_median_ms /temporal/entities "$DIR/q2.json" "${Q2[@]}")
  Q3_MS=$(walk_median_ms /entities "$DIR/q3.json" "${Q3[@]}")
  Q4_MS=$(walk_median_ms /entities "$DIR/q4.json" "${Q4[@]}")
  Q3H_MS=$(walk_median_ms /temporal/entities "$DIR/q3h.json" "${Q3H[@]}")
  log "$SYS: q1 ${Q1_MS} ms, q2 ${Q2_MS} ms, q3 ${Q3_MS} ms, q4 ${Q4_MS} ms; q3 from the history (lastN=1) ${Q3H_MS} ms, $Q3H_NEWEST sensors at the newest reading"
  # (q1 goes through walk here, which adds limit and offset: the same answer, one page.)
  local q query_path
  SESSION_MS=()
  for q in Q1 Q2 Q3 Q4; do
    declare -n args=$q
    if [[ $q == Q1 || $q == Q2 ]]; then query_path=/temporal/entities; else query_path=/entities; fi
    SESSION_MS+=("$(session_median_ms "$query_path" "$DIR/session.json" "${args[@]}")")
    unset -n args
  done
  rm -f "$DIR/session.json" "$DIR/session.json.urls" "$DIR"/q?.json.urls "$DIR"/q3h.json.urls "$DIR"/count.json.urls
  log "$SYS: on one kept-alive connection (as psql times PostgreSQL): q1 ${SESSION_MS[0]} ms, q2 ${SESSION_MS[1]} ms, q3 ${SESSION_MS[2]} ms, q4 ${SESSION_MS[3]} ms"

  stop_server
  RSS=$(cat "$DIR/rss.1" "$DIR/rss.2" | sort -n | tail -1)
  VERSION="civitas ${CIVITAS_COMMIT:-(commit unknown)} ($(sha256sum "$(command -v "$BIN")" | cut -c1-12))"

  write_result "$SYS" version="$VERSION" bg_busy_pct="$BG" rows="$ROWS" values="$VALUES" load_s="$LOAD_S" \
    values_per_s="$(awk -v v="$VALUES" -v s="$LOAD_S" 'BEGIN{printf "%.0f", v/s}')" \
    srv_cpu_s="$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b-a}')" \
    settle_s="$SETTLE_S" disk_bytes="$DISK" disk_live_bytes="$DISK_LIVE" sst_bytes="$SST" sst_files="$SST_FILES" \
    bytes_per_value="$(awk -v d="$DISK" -v v="$VALUES" 'BEGIN{printf "%.3f", d/v}')" \
    rss_peak_bytes="$RSS" q1_ms="$Q1_MS" q2_ms="$Q2_MS" q3_ms="$Q3_MS" q4_ms="$Q4_MS" \
    q1_session_ms="${SESSION_MS[0]}" q2_session_ms="${SESSION_MS[1]}" q3_session_ms="${SESSION_MS[2]}" q4_session_ms="${SESSION_MS[3]}" \
    count_check="$COUNT_OK" q1_check="$Q1_CHECK" q2_series="$Q2_SERIES" q3_series="$Q3_SERIES" q3_newest="$Q3_NEWEST" q3_lastn_ms="$Q3H_MS" q3_lastn_newest="$Q3H_NEWEST" q4_rows="$Q4_ROWS" \
    write_path="$WRITE_PATH" \
    disk_scope="whole --data-dir after a clean SIGTERM stop and restart (recovery flushes the WAL into SSTs); disk_live_bytes = the same dir just after the load (SSTs flushed so far + WAL)" \
    q_note="q2-q4: one GET per 1000-entity page, ms summed over the pages (q2: offset paging; q3/q4: Link rel=next); q3 reads the current entities (= the last write applied, not necessarily the newest observedAt: q3_newest counts the sensors at the newest reading); q3_lastn_* = the same from the history with lastN=1; q*_session_ms = the same queries timed on one kept-alive connection, as the kit times PostgreSQL with psql"
}
