#!/usr/bin/env bash
# Abuse: does the public blueprint map keep serving tiles while anonymous clients attack the
# server? One run, one server, one data set: public tile latency (wrk) idle, then during a flood
# of heavy coverage requests, then with 10,000 slow connections held open, then idle again.
#
#   bench/abuse.sh                                   # about 4 minutes after the build
#   DURATION=30s bench/abuse.sh                      # longer measurements
#   LANTU_ARGS="--tile-cache-mb 0" bench/abuse.sh    # flags appended to `lantu serve`
#   SCENARIOS="idle slow" SLOW=2000 bench/abuse.sh   # a part of it
#   ADDRESSES=40 bench/abuse.sh                      # attackers spread over 127.0.0.2–127.0.0.41
#   LANTU=path/to/lantu bench/abuse.sh               # a binary already built (no cargo build)
#
# The server runs with its defaults (LANTU_ARGS adds flags): the point is that the defaults hold.
# wrk sends from 127.0.0.1, the attackers (bench/abuse/flood.py, slow.py) from 127.0.0.2 (Linux
# routes all of 127/8 to lo), so the server can tell them apart by address as it would tell apart
# clients on the internet; ADDRESSES=N spreads the attackers over N addresses.
# Results go to bench/results/abuse-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh

DURATION=${DURATION:-10s}
ATTACKERS=${ATTACKERS:-4}
SLOW=${SLOW:-10000}
ADDRESSES=${ADDRESSES:-1} # attackers' source addresses, 127.0.0.2 onwards (a per-address cap meets one)
WARMUP=${WARMUP:-2} # seconds the flood runs before wrk starts, so wrk meets it at full strength
SCENARIOS=${SCENARIOS:-"idle flood slow after polygon thresholds"}
HOMES=${HOMES:-50000} # homes imported for the thresholds scenario
bbox=(121.35 31.15 121.55 31.30)
read -ra extra <<< "${LANTU_ARGS:-}"
attackers_from=$(seq -f "127.0.0.%g" 2 $(( ADDRESSES + 1 )) | paste -sd,)
case $DURATION in
  *m) seconds=$(( ${DURATION%m} * 60 )) ;;
  *s) seconds=${DURATION%s} ;;
  *) seconds=$DURATION ;;
esac

need_packages wrk python3 curl
if [ -z "${LANTU:-}" ]; then
  need_build_packages
  echo "==> building lantu (release)"
  cargo build --release --locked --quiet
  LANTU=target/release/lantu
fi
# One descriptor per slow connection, in slow.py and in the server (which inherits this limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 1048576 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt $(( SLOW + 1000 )) ] ||
  echo "warning: ulimit -n is $(ulimit -n): too few for $SLOW slow connections (raise the hard limit)" >&2

work=$(mktemp -d /tmp/lantu-abuse.XXXXXX)
server=""
stop_server() { # SIGTERM (lantu finishes the requests in flight), SIGKILL after 20 s
  [ -n "$server" ] || return 0
  kill "$server" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}
cleanup() {
  local pid
  for pid in $(jobs -p); do [ "$pid" = "$server" ] || kill "$pid" 2>/dev/null || true; done
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT

serve=("$LANTU" --data-dir "$work/data" serve --demo --listen 127.0.0.1:0 "${extra[@]}")
start_server() { # sets server (pid), port and base; the first start loads the demo data
  LANTU_LOG=${LANTU_LOG:-warn} "${serve[@]}" > "$work/lantu.out" 2>> "$work/lantu.log" &
  server=$!
  port=""
  for _ in $(seq 1 1200); do # the server prints `lantu listening on http://127.0.0.1:PORT (…)`
    port=$(sed -n 's|^lantu listening on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$work/lantu.out")
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/lantu.out" "$work/lantu.log" >&2; echo "lantu stopped" >&2; exit 1; }
    sleep 0.5
  done
  [ -n "$port" ] || { echo "lantu printed no listening line in 10 minutes" >&2; exit 1; }
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.2; done
  curl -fs -o /dev/null "$base/healthz" || { echo "$base/healthz does not answer 200" >&2; exit 1; }
}
echo "==> starting lantu on the demo data (the first start imports the Shanghai walking network)"
start_server
planner=$("$LANTU" --data-dir "$work/data" token create --role planner --name "bench planner" 2>/dev/null)
# The attack must be valid requests (a 503 for want of a walking network would look like load
# shedding); this one also computes the distances to metro stations at 5000 m once.
curl -fs -o /dev/null -H 'Content-Type: application/json' "$base/api/coverage/whatif" \
  -d '{"category": "metro_station", "threshold_m": 5000, "candidates": [{"lon": 121.44, "lat": 31.23}]}' ||
  { echo "POST /api/coverage/whatif does not answer 200: is ../shared/data there (the walking network)?" >&2; exit 1; }

python3 bench/tile_list.py "${bbox[@]}" 12 15 > "$work/tiles.txt"
while read -r t; do curl -s -o /dev/null "$base/tiles/blueprint/$t.mvt"; done < "$work/tiles.txt" # warm, as a day's visitors would

rss_mib() { echo $(( $(ps -o rss= -p "$server") / 1024 )); }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
settle() { # until the server is idle (work the attackers left in flight), at most a minute
  local a
  for _ in $(seq 1 60); do a=$(cpu_ticks); sleep 1; [ $(( $(cpu_ticks) - a )) -lt 5 ] && return 0; done
}
tiles() { # wrk on the public tiles; prints tiles/s, p50, p99, KiB/tile, errors (tab-separated)
  TILE_LIST="$work/tiles.txt" TILE_PREFIX="$base/tiles/blueprint/" TILE_SUFFIX=.mvt \
    wrk -t2 -c4 -d"$DURATION" --latency -s bench/tiles.lua "$base" | tee "$work/wrk-$1.txt" | python3 bench/wrk_row.py
}

mkdir -p bench/results
out="bench/results/abuse-$(date -u +%Y%m%dT%H%MZ).md"
{
  echo "# Abuse: public tiles while anonymous clients attack"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; server, wrk and attackers share the machine."
  echo
  echo "- command: \`DURATION=$DURATION ATTACKERS=$ATTACKERS SLOW=$SLOW ADDRESSES=$ADDRESSES WARMUP=$WARMUP SCENARIOS=\"$SCENARIOS\" LANTU_ARGS=\"${LANTU_ARGS:-}\" bench/abuse.sh\`"
  echo "- server: \`${serve[*]}\` ($(grep '^demo:' "$work/lantu.out" | tr '\n' ' ')$(grep -c . "$work/tiles.txt") tiles cached by one request each; max open files $(awk '/Max open files/ {print $4}' "/proc/$server/limits"))"
  echo "- tiles: \`wrk -t2 -c4 -d$DURATION --latency\` from 127.0.0.1, cycling through every z12–z15 tile over ${bbox[*]} (\`bench/tiles.lua\`); errors are non-2xx answers (204, an empty tile, is fine) and socket errors"
  echo "- attackers send from $( [ "$ADDRESSES" = 1 ] && echo 127.0.0.2 || echo "$ADDRESSES addresses, 127.0.0.2 onwards, in turn")
- flood: $ATTACKERS clients alternating POST /api/coverage/suggest (k 5) and /whatif, 1,000 random candidates over the box, threshold_m 5000, keep-alive, no pause, Retry-After ignored; from ${WARMUP} s before wrk to 1 s after"
  echo "- slow: $SLOW connections: 80 % send a request header one byte every 5 s, 10 % a header with Content-Length: 1000000 then a body byte every 5 s, 10 % nothing; all opened before wrk starts, held until 1 s after it ends"
  echo
  echo "| scenario | tiles/s | p50 ms | p99 ms | tile errors | p50 / idle p50 | server RSS MiB before → after | attacker stats |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$out"

idle_p50=""
for scenario in $SCENARIOS; do
  echo "==> $scenario"
  rss_before=$(rss_mib)
  attack=""
  case $scenario in
    polygon | thresholds) continue ;; # measured after the tile scenarios, below
    idle | after) ;;
    flood)
      python3 bench/abuse/flood.py "$base" --source "$attackers_from" --count "$ATTACKERS" \
        --duration $(( WARMUP + seconds + 1 )) > "$work/flood.json" &
      attack=$!
      sleep "$WARMUP" ;;
    slow)
      python3 bench/abuse/slow.py "$base" --source "$attackers_from" --count "$SLOW" \
        --duration $(( seconds + 1 )) --ready-file "$work/slow.ready" > "$work/slow.json" &
      attack=$!
      until [ -e "$work/slow.ready" ]; do kill -0 "$attack" 2>/dev/null || break; sleep 0.1; done ;;
    *) echo "unknown scenario $scenario (idle, flood, slow, after)" >&2; exit 1 ;;
  esac
  row=$(tiles "$scenario")
  IFS=$'\t' read -r rps p50 p99 _ errors <<< "$row"
  stats="—"
  if [ -n "$attack" ]; then
    wait "$attack"
    stats=$(python3 bench/abuse/cell.py < "$work/$scenario.json")
  fi
  [ "$scenario" = idle ] && idle_p50=$p50
  ratio=$(awk -v a="$p50" -v b="$idle_p50" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "—" }')
  echo "| $scenario | $rps | $p50 | $p99 | $errors | $ratio | $rss_before → $(rss_mib) | $stats |" | tee -a "$out"
  settle
done

for scenario in $SCENARIOS; do
  case $scenario in
    polygon)
      echo "==> polygon: a 150,000-vertex polygon, anonymously and as a planner"
      python3 bench/abuse/polygon.py "$base" --pid "$server" --token "$planner" > "$work/polygon.json"
      {
        echo
        echo "A 150,000-vertex polygon (\`bench/abuse/polygon.py\`) POSTed to /api/collections/sites/items, 50 times anonymously and 5 times with a planner token; server CPU from /proc/PID/stat (utime + stime, 1/$(getconf CLK_TCK) s ticks, summed over the requests):"
        echo
        echo "    $(cat "$work/polygon.json")"
      } >> "$out" ;;
    thresholds)
      echo "==> thresholds: $HOMES homes, 3,000 distinct thresholds"
      stop_server
      python3 bench/abuse/homes.py "${bbox[@]}" "$HOMES" > "$work/homes.geojson"
      "$LANTU" --data-dir "$work/data" import homes "$work/homes.geojson" --source bench-homes > /dev/null 2>&1
      start_server
      python3 bench/abuse/thresholds.py "$base" --pid "$server" --token "$planner" > "$work/thresholds.json"
      {
        echo
        echo "$HOMES homes added (\`bench/abuse/homes.py\`, random points over the box), then \`GET /api/coverage?category=metro_station&threshold_m=…\` at 3,000 distinct thresholds from 100 m to 4,900 m (\`bench/abuse/thresholds.py\`); unbounded, each would keep a table of one f32 per home. The distance cache bound is $(printf '%s\n' "${extra[@]}" | grep -A1 -- --distance-cache-mb | tail -1 | grep -E '^[0-9]+$' || echo 256) MB:"
        echo
        echo "    $(cat "$work/thresholds.json")"
      } >> "$out" ;;
  esac
done

{
  echo
  echo "Raw attacker counts:"
  echo
  for f in "$work"/flood.json "$work"/slow.json; do [ -f "$f" ] && echo "    $(cat "$f")"; done
  if [ -s "$work/lantu.log" ]; then
    echo
    echo "The server's log (stderr, LANTU_LOG=${LANTU_LOG:-warn}), last 20 of $(wc -l < "$work/lantu.log") lines:"
    echo
    tail -n 20 "$work/lantu.log" | sed 's/^/    /'
  fi
} >> "$out"
stop_server
echo
echo "results: $out"
