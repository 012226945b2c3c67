#!/usr/bin/env bash
# Tile throughput: lantu and Martin side by side, in one run, on the same PostGIS data, the
# same tile lists and the same load tool (wrk), with each server's tile cache off and on.
#
#   bench/tiles.sh                       # the full run (about 25 minutes on 2 cores)
#   DURATION=5s CONNECTIONS="16" bench/tiles.sh   # a quick look
#   DATASETS=points CACHES=on CONNECTIONS=4 bench/tiles.sh   # one cell again
#
# Data: Putuo's units (from ../shared/data, else the demo district) plus, in turn, 100,000
# point sites and 100,000 small polygon sites over central Shanghai, generated in PostGIS.
# Tiles: every z12–z15 tile over the data (447), and the heavy z10–z11 tiles (all 100,000
# features in one z10 tile). Martin serves the same features and properties through views
# (bench/sql/martin_views.sql), as one composite tile `units,sites`; lantu serves units,
# unit_labels and sites. Results go to bench/results/tiles-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh
. scripts/pg.sh

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-"1 4 16 64"}
DATASETS=${DATASETS:-"points polygons"}
CACHES=${CACHES:-"off on"}
BBOX="121.35 31.15 121.55 31.30"

need_build_packages
need_packages postgresql-15 postgresql-15-postgis-3 wrk python3-venv
MARTIN=${MARTIN:-$(command -v martin || echo "${CARGO_HOME:-$HOME/.cargo}/bin/martin")}
if [ ! -x "$MARTIN" ]; then
  echo "==> installing Martin 1.14.0 (cargo install; about 15 minutes on 2 cores)"
  cargo install martin --version 1.14.0 --locked --no-default-features --features postgres
fi
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv && bench/.venv/bin/pip install -q mapbox-vector-tile
fi
echo "==> building lantu (release)"
cargo build --release --locked --quiet
LANTU=target/release/lantu

echo "==> starting a throwaway PostGIS cluster"
start_pg_cluster "-c shared_buffers=1GB -c work_mem=64MB -c jit=off"
work=$(mktemp -d /tmp/lantu-bench.XXXXXX)
python3 bench/tile_list.py $BBOX 12 15 > "$work/z12-15.txt"
python3 bench/tile_list.py $BBOX 10 11 > "$work/z10-11.txt"
mkdir -p bench/results
out="bench/results/tiles-$(date -u +%Y%m%dT%H%MZ).md"
{
  echo "# Tiles: lantu vs Martin $("$MARTIN" --version 2>/dev/null | awk '{print $2}')"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; wrk -t2 (-t1 for one connection) -d$DURATION --latency; tiles over $BBOX"
  echo "($(wc -l < "$work/z12-15.txt") tiles at z12–z15, $(wc -l < "$work/z10-11.txt") at z10–z11). Server, load tool and PostgreSQL share the machine."
  echo
  echo "| data | tiles | cache | server | connections | tiles/s | p50 ms | p99 ms | KiB/tile | errors |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$out"

pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_servers; stop_pg_cluster; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {
  for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "$1 did not come up" >&2; return 1
}

measure() { # label list prefix suffix connections
  local label=$1 list=$2 prefix=$3 suffix=$4 c=$5
  local row
  row=$(TILE_LIST=$list TILE_PREFIX=$prefix TILE_SUFFIX=$suffix \
        wrk -t"$(( c < 2 ? c : 2 ))" -c"$c" -d"$DURATION" --latency -s bench/tiles.lua "$prefix" | python3 bench/wrk_row.py)
  echo "| $label | $c | ${row//$'\t'/ | } |" | tee -a "$out"
}

if [ -f ../shared/data/putuo/units/subdistricts.geojson ]; then
  units=(../shared/data/putuo/units/district.geojson ../shared/data/putuo/units/subdistricts.geojson ../shared/data/putuo/units/committees.csv)
else
  units=(fixtures/demo/demo_units.csv fixtures/demo/demo_units.geojson)
fi

for data in $DATASETS; do
  db="bench_$data"
  url="postgres://postgres@127.0.0.1:$PGPORT/$db"
  echo "==> $data: loading units and 100,000 $data into $db"
  psql_admin -d postgres -c "CREATE DATABASE $db"
  "$LANTU" --database-url "$url" import units "${units[@]}" > /dev/null 2>&1
  psql_admin -d "$db" -f "bench/sql/$data.sql" > /dev/null
  psql_admin -d "$db" -f bench/sql/martin_views.sql
  for cache in $CACHES; do
    lantu_mb=0; martin_mb=0
    [ "$cache" = on ] && { lantu_mb=512; martin_mb=512; }
    lantu_port=$(free_port); martin_port=$(free_port)
    LANTU_LOG=warn "$LANTU" --database-url "$url" serve --listen "127.0.0.1:$lantu_port" --tile-cache-mb "$lantu_mb" > "$work/lantu.log" 2>&1 &
    pids+=($!)
    cat > "$work/martin.yaml" <<YAML
listen_addresses: "127.0.0.1:$martin_port"
cache_size_mb: $martin_mb
postgres:
  connection_string: "$url"
  pool_size: 20
  auto_publish: false
  tables:
    units:
      schema: martin
      table: units
      srid: 4326
      geometry_column: geom
      geometry_type: MULTIPOLYGON
      properties: {code: text, name_zh: text, name_en: text, level: text, parent: text}
    sites:
      schema: martin
      table: sites
      srid: 4326
      geometry_column: geom
      geometry_type: GEOMETRY
      id_column: id
      properties: {name: text, element_type: text, status: text}
YAML
    RUST_LOG=warn "$MARTIN" --config "$work/martin.yaml" > "$work/martin.log" 2>&1 &
    pids+=($!)
    wait_for "http://127.0.0.1:$lantu_port/healthz"
    wait_for "http://127.0.0.1:$martin_port/catalog"
    lantu="http://127.0.0.1:$lantu_port"; martin="http://127.0.0.1:$martin_port"
    if [ "$cache" = off ]; then
      echo "==> $data: the same sites in both servers' tiles (a sample, decoded)"
      cat "$work/z10-11.txt" <(shuf -n 25 --random-source=<(yes) "$work/z12-15.txt") > "$work/compare.txt"
      bench/.venv/bin/python bench/compare_tiles.py "$lantu" "$martin" "$work/compare.txt" 100
    fi
    for server in lantu martin; do
      if [ "$server" = lantu ]; then prefix="$lantu/tiles/blueprint/"; suffix=".mvt"; else prefix="$martin/units,sites/"; suffix=""; fi
      if [ "$cache" = on ]; then # warm the cache with every tile once
        while read -r t; do curl -fs -o /dev/null "$prefix$t$suffix" || true; done < "$work/z12-15.txt"
        while read -r t; do curl -fs -o /dev/null "$prefix$t$suffix" || true; done < "$work/z10-11.txt"
      fi
      for c in $CONNECTIONS; do
        measure "$data | z12–z15 | $cache | $server" "$work/z12-15.txt" "$prefix" "$suffix" "$c"
      done
      measure "$data | z10–z11 | $cache | $server" "$work/z10-11.txt" "$prefix" "$suffix" 16
    done
    stop_servers
  done
done
echo
echo "results: $out"
