#!/usr/bin/env bash
# People and permissions, measured in one run:
#  1. blueprint tiles for an anonymous viewer and for a planner with drafts: each build on its
#     own fresh demo store with 60 drafts drawn in 长寿路街道, this build and, side by side, the
#     build given as BEFORE (main before accounts and appointments, where a planner token sees
#     every draft), wrk with 16 connections over every z12–z15 tile of the Putuo box;
#  2. the permission check of a site write with 10,000 appointments in the store
#     (`cargo bench --bench policy`).
#
#   BEFORE=/tmp/lantu-154d9ba.bin bench/people.sh
#   LANTU=target/release/lantu DURATION=20s PARTS="tiles" bench/people.sh
#
# Results go to bench/results/people-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh

DURATION=${DURATION:-10s}
PARTS=${PARTS:-"tiles check"}
bbox=(121.40 31.22 121.46 31.26)
changshou=310107015

need_packages wrk python3 curl
if [ -z "${LANTU:-}" ]; then
  need_build_packages
  echo "==> building lantu (release)"
  cargo build --release --locked --quiet
  LANTU=target/release/lantu
fi
LANTU=$(realpath "$LANTU")

work=$(mktemp -d /tmp/lantu-people.XXXXXX)
. bench/lib.sh

serve_flags=(--listen 127.0.0.1:0 --write-rate 1000 --write-burst 1000 --public-url http://lantu.bench)
python3 bench/tile_list.py "${bbox[@]}" 12 15 > "$work/tiles.txt"

mkdir -p bench/results
out="bench/results/people-$(date -u +%Y%m%dT%H%MZ).md"
{
  echo "# People and permissions: tiles by viewer, and the cost of a write's permission check"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; servers and clients share the machine."
  echo
  echo "- command: \`DURATION=$DURATION PARTS=\"$PARTS\" BEFORE=${BEFORE:-} bench/people.sh\`"
} > "$out"

for part in $PARTS; do
  case $part in
  tiles)
    {
      echo
      echo "## Blueprint tiles, anonymous and as a planner with drafts"
      echo
      echo "Each build on its own fresh embedded store with the demo (\`serve --demo ${serve_flags[*]}\`) and 60 draft sites drawn in 长寿路街道 ($changshou) by the planner, every z12–z15 tile over ${bbox[*]} requested once per viewer to warm the caches, then \`wrk -t2 -c16 -d$DURATION --latency\` cycling through them. The planner is the demo's \`changshou\` (a token of theirs; drafts visible in their appointed sub-district) on this build, and a planner service token (every draft visible) on the build before."
      echo
      echo "| build | viewer | drafts drawn | tiles/s | p50 ms | p99 ms | errors |"
      echo "|---|---|---|---|---|---|---|"
    } >> "$out"
    builds=("this:$LANTU")
    [ -z "${BEFORE:-}" ] || builds=("before:$(realpath "$BEFORE")" "${builds[@]}")
    for build in "${builds[@]}"; do
      label=${build%%:*} bin=${build#*:}
      echo "==> $label: $bin"
      data="$work/data-$label"
      start srv "$bin" --data-dir "$data" serve --demo "${serve_flags[@]}"
      if [ "$label" = this ]; then
        token=$("$bin" --data-dir "$data" token create --user changshou 2>/dev/null)
      else
        token=$("$bin" --data-dir "$data" token create --role planner --name "bench planner" 2>/dev/null)
      fi
      drawn=$(python3 bench/people/drafts.py "$base_srv" --token "$token" --unit "$changshou" --count 60)
      for auth in "" "Authorization: Bearer $token"; do
        while read -r t; do curl -s -o /dev/null ${auth:+-H "$auth"} "$base_srv/tiles/blueprint/$t.mvt"; done < "$work/tiles.txt"
      done
      for viewer in anonymous planner; do
        header=""
        [ "$viewer" = anonymous ] || header="Authorization: Bearer $token"
        IFS=$'\t' read -r rps p50 p99 _ errors <<< "$(wrk_tiles "$base_srv" "$label-$viewer" "$header")"
        echo "| $label | $viewer | $drawn | $rps | $p50 | $p99 | $errors |" | tee -a "$out"
      done
      stop "$pid_srv"
    done ;;
  check)
    echo "==> the permission check (cargo bench --bench policy)"
    need_build_packages
    {
      echo
      echo "## The permission check of a site write, 10,000 appointments in the store"
      echo
      echo "\`cargo bench --bench policy\`: the real Putuo units; 100 planners with 100 appointments each (one in force, to 长寿路街道); \`policy::may_edit_site\` on a 100 m square's stored and new geometry, 20,000 times per case."
      echo
      cargo bench --locked --quiet --bench policy 2>/dev/null
    } >> "$out" ;;
  *) echo "unknown part $part (tiles, check)" >&2; exit 1 ;;
  esac
done
echo
echo "results: $out"
