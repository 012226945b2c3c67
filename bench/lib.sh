# Sourced by the benchmarks that run lantu servers: `start`, `stop`, `wrk_tiles`, and a cleanup
# that stops every server started and removes $work (which the caller sets first).
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  [ -z "${PGDIR:-}" ] || stop_pg_cluster
}
trap cleanup EXIT

# start NAME BINARY ARGS…: runs `BINARY ARGS… serve --listen 127.0.0.1:0 …` and sets base_NAME
# and pid_NAME once it answers.
start() {
  local name=$1 bin=$2; shift 2
  LANTU_LOG=${LANTU_LOG:-warn} "$bin" "$@" > "$work/$name.out" 2> "$work/$name.log" &
  local pid=$! port=""
  pids+=("$pid")
  for _ in $(seq 1 1200); do
    port=$(sed -n 's|^lantu listening on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$work/$name.out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/$name.out" "$work/$name.log" >&2; echo "$name stopped" >&2; exit 1; }
    sleep 0.5
  done
  [ -n "$port" ] || { echo "$name printed no listening line in 10 minutes" >&2; exit 1; }
  printf -v "base_$name" '%s' "http://127.0.0.1:$port"
  printf -v "pid_$name" '%s' "$pid"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# wrk_tiles BASE LABEL [HEADER]: wrk over every tile of $work/tiles.txt (with HEADER on each
# request, e.g. an Authorization); prints tiles/s, p50, p99, KiB/tile, errors (tab-separated).
wrk_tiles() {
  local header=()
  [ -z "${3:-}" ] || header=(-H "$3")
  TILE_LIST="$work/tiles.txt" TILE_PREFIX="$1/tiles/blueprint/" TILE_SUFFIX=.mvt \
    wrk -t2 -c16 -d"$DURATION" --latency "${header[@]}" -s bench/tiles.lua "$1" | tee "$work/wrk-$2.txt" | python3 bench/wrk_row.py
}

