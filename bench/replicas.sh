#!/usr/bin/env bash
# One write path, measured in one run:
#  1. writes and reads: public tile latency (wrk, 16 connections) idle, then while 200 writes
#     (creates, renames, deletes of sites over the tiled box) land at an even pace, for this
#     build and, side by side, for the build given as BEFORE (today's main before the change);
#  2. two replicas over one PostGIS: 200 writes on one, and how soon each shows on the other in
#     its items, its history and its tiles; half-way the follower's database connections are
#     cut (pg_terminate_backend), and at the end both must serve exactly the same sites and
#     histories.
#
#   bench/replicas.sh                                     # this build only, about 4 minutes
#   BEFORE=/tmp/lantu-before.bin bench/replicas.sh         # with the older binary beside it
#   LANTU=target/release/lantu DURATION=20s bench/replicas.sh
#   PARTS="tiles" or PARTS="replicas" bench/replicas.sh    # one part
#
# Results go to bench/results/replicas-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh

DURATION=${DURATION:-10s}
WRITES=${WRITES:-200}
PARTS=${PARTS:-"tiles replicas"}
bbox=(121.40 31.22 121.46 31.26)
seconds=${DURATION%s}

need_packages wrk python3 curl
if [ -z "${LANTU:-}" ]; then
  need_build_packages
  echo "==> building lantu (release)"
  cargo build --release --locked --quiet
  LANTU=target/release/lantu
fi
LANTU=$(realpath "$LANTU")

work=$(mktemp -d /tmp/lantu-replicas.XXXXXX)
. bench/lib.sh

serve_flags=(--listen 127.0.0.1:0 --write-rate 1000 --write-burst 1000 --public-url http://lantu.bench)
python3 bench/tile_list.py "${bbox[@]}" 12 15 > "$work/tiles.txt"
mkdir -p bench/results
out="bench/results/replicas-$(date -u +%Y%m%dT%H%MZ).md"
{
  echo "# One write path: tiles under a write burst, and replicas following each other"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; servers, clients and PostgreSQL share the machine."
  echo
  echo "- command: \`DURATION=$DURATION WRITES=$WRITES PARTS=\"$PARTS\" BEFORE=${BEFORE:-} bench/replicas.sh\`"
} > "$out"

for part in $PARTS; do
  case $part in
  tiles)
    {
      echo
      echo "## Public tiles while $WRITES writes land"
      echo
      echo "Each build on its own fresh embedded store with the demo (\`serve --demo ${serve_flags[*]}\`), every z12–z15 tile over ${bbox[*]} requested once to warm the cache, then \`wrk -t2 -c16 -d$DURATION --latency\` cycling through them, idle and while \`bench/replicas/burst.py\` writes $WRITES sites (100 m squares: creates, renames, deletes, published) at an even pace over the same $DURATION: every write invalidates the tiles it touches."
      echo
      echo "| build | scenario | tiles/s | p50 ms | p99 ms | errors | p99 / idle p99 | writes (2xx; refused) | write p50 / p99 ms |"
      echo "|---|---|---|---|---|---|---|---|---|"
    } >> "$out"
    builds=("this:$LANTU")
    [ -z "${BEFORE:-}" ] || builds=("before:$(realpath "$BEFORE")" "${builds[@]}")
    for build in "${builds[@]}"; do
      label=${build%%:*} bin=${build#*:}
      echo "==> $label: $bin"
      start srv "$bin" --data-dir "$work/data-$label" serve --demo "${serve_flags[@]}"
      token=$("$bin" --data-dir "$work/data-$label" token create --role planner --name "bench $label" 2>/dev/null)
      while read -r t; do curl -s -o /dev/null "$base_srv/tiles/blueprint/$t.mvt"; done < "$work/tiles.txt"
      IFS=$'\t' read -r rps p50 idle_p99 _ errors <<< "$(wrk_tiles "$base_srv" "$label-idle")"
      echo "| $label | idle | $rps | $p50 | $idle_p99 | $errors | 1.00× | — | — |" | tee -a "$out"
      python3 bench/replicas/burst.py "$base_srv" --token "$token" --count "$WRITES" --seconds "$seconds" \
        --bbox "${bbox[@]}" > "$work/burst-$label.json" &
      burst=$!
      IFS=$'\t' read -r rps p50 p99 _ errors <<< "$(wrk_tiles "$base_srv" "$label-burst")"
      wait "$burst"
      writes=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["cell"] + "\t" + d["latency_cell"])' "$work/burst-$label.json")
      ratio=$(awk -v a="$p99" -v b="$idle_p99" 'BEGIN { printf "%.2f×", a / b }')
      echo "| $label | $WRITES writes | $rps | $p50 | $p99 | $errors | $ratio | ${writes%%$'\t'*} | ${writes#*$'\t'} |" | tee -a "$out"
      stop "$pid_srv"
    done ;;
  replicas)
    need_packages postgresql-15 postgresql-15-postgis-3
    . scripts/pg.sh
    echo "==> starting a throwaway PostGIS cluster"
    start_pg_cluster
    psql_admin -d postgres -c "CREATE DATABASE lantu_bench"
    psql_admin -d lantu_bench -c "CREATE EXTENSION postgis"
    url="postgres://postgres@127.0.0.1:$PGPORT/lantu_bench"
    start primary "$LANTU" --database-url "$url" serve --demo "${serve_flags[@]}"
    start replica "$LANTU" --database-url "$url" serve "${serve_flags[@]}"
    token=$("$LANTU" --database-url "$url" token create --role planner --name "bench replicas" 2>/dev/null)
    cut="psql -X -At -h 127.0.0.1 -p $PGPORT -U postgres -d lantu_bench -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'lantu-$pid_replica-%'\""
    echo "==> $WRITES writes on the primary, each awaited on the replica; its connections cut after $(( WRITES / 2 ))"
    python3 bench/replicas/follow.py "$base_primary" "$base_replica" --token "$token" --count "$WRITES" \
      --cut-at $(( WRITES / 2 )) --cut "$cut" --bbox "${bbox[@]}" > "$work/follow.json"
    {
      echo
      echo "## Two replicas over one PostGIS"
      echo
      echo "Two \`lantu serve\` processes over one PostgreSQL 15 + PostGIS database (the first loaded the demo). \`bench/replicas/follow.py\` makes $WRITES writes on the first (drafts: creates, renames, deletes at random points over ${bbox[*]}); after each it polls the second until that server's item (status and ETag), history (number of versions) and z16 tile (the site's presence, decoded) all show the write, and times it. After write $(( WRITES / 2 )) every database connection of the second server is cut (\`pg_terminate_backend\`, as a failover would); at the end every site and every history both serve are compared."
      echo
      echo "    $(cat "$work/follow.json")"
    } >> "$out" ;;
  *) echo "unknown part $part (tiles, replicas)" >&2; exit 1 ;;
  esac
done
echo
echo "results: $out"
