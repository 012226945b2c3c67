#!/usr/bin/env bash
# Accessibility benchmark: lantu beside pandana, networkx and pgRouting, in one run, on the same
# networks: the real central-Shanghai walking network (lantu's own build of
# ../shared/data/shanghai/streets_center.osm) and a synthetic 447 × 447 grid (199,809 nodes); then
# lantu alone on a 1,000 × 1,000 grid (1 M nodes) for a full coverage.
#
#   bench/accessibility.sh                      # everything (~15 min; pandana's grid build ~8)
#   NETWORKS="shanghai" bench/accessibility.sh  # the real network only (~1 min)
#   RADIUS=1000 SKIP_PANDANA=1 …
#
# Installs what it needs (bench/accessibility/setup.sh: a venv with pinned pandana/networkx,
# Debian's pgRouting), starts a throwaway PostgreSQL cluster, and writes the results to
# bench/results/accessibility-<UTC time>.md (and prints them).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh
need_build_packages
need_packages postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting

NETWORKS=${NETWORKS:-"shanghai grid447"}
RADIUS=${RADIUS:-1000}
SHARED=${LANTU_SHARED_DATA:-../shared/data}
WORK=$(mktemp -d /tmp/lantu-access.XXXXXX)
STAMP=$(date -u +%Y%m%dT%H%MZ)
REPORT=bench/results/accessibility-$STAMP.md
mkdir -p bench/results

echo "==> python side (pandana, networkx)"
PY=$(bench/accessibility/setup.sh | tail -1)

echo "==> building lantu's benchmark (release)"
cargo bench --locked --bench accessibility --no-run 2>&1 | tail -1
LANTU=(cargo bench --locked --quiet --bench accessibility --)

echo "==> a throwaway PostgreSQL + PostGIS + pgRouting cluster"
. scripts/pg.sh
start_pg_cluster
psql_admin -d postgres -qc "CREATE DATABASE bench"
psql_admin -d bench -qc "CREATE EXTENSION postgis" -c "CREATE EXTENSION pgrouting"
export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=bench
PG_URL="postgres://postgres@127.0.0.1:$PGPORT/bench"

{
  echo "# Accessibility benchmark, $STAMP"
  echo
  echo "Command: \`NETWORKS=\"$NETWORKS\" RADIUS=$RADIUS bench/accessibility.sh\` on $(nproc) cores,"
  echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME")."
  echo "Versions: lantu $(git rev-parse --short HEAD), $("$PY" -c 'import pandana, networkx; print("pandana", pandana.__version__, "networkx", networkx.__version__)'),"
  echo "pgRouting $(psql_admin -d bench -Atc 'SELECT pgr_version()'), PostgreSQL $(psql_admin -d bench -Atc 'SHOW server_version')."
  echo
} >"$REPORT"

for net in $NETWORKS; do
  dir=$WORK/$net
  case $net in
    shanghai)
      [ -f "$SHARED/shanghai/streets_center.osm" ] || { echo "bench: $SHARED/shanghai/streets_center.osm is missing" >&2; exit 1; }
      "${LANTU[@]}" export-osm "$SHARED/shanghai/streets_center.osm" "$dir" ;;
    grid447) python3 bench/accessibility/grid.py "$dir" --side 447 ;;
    grid*) python3 bench/accessibility/grid.py "$dir" --side "${net#grid}" ;;
    *) echo "bench: unknown network $net (shanghai, grid447, gridN)" >&2; exit 1 ;;
  esac
  out=$WORK/$net-results
  mkdir -p "$out"
  echo "==> $net: pandana (network build, precompute, aggregate)"
  if [ -z "${SKIP_PANDANA:-}" ]; then
    "$PY" bench/accessibility/run_pandana.py "$dir" --radius "$RADIUS" --out "$out/pandana.json" --counts "$out/pandana_counts.csv"
  fi
  echo "==> $net: networkx"
  "$PY" bench/accessibility/run_networkx.py "$dir" --radius "$RADIUS" --out "$out/networkx.json" --per-source "$out/networkx.csv"
  echo "==> $net: pgRouting"
  bench/accessibility/run_pgrouting.sh "$dir" --radius "$RADIUS" --out "$out/pgrouting.json" --per-source "$out/pgrouting.csv"
  echo "==> $net: lantu (embedded store, then PostGIS)"
  pandana_flag=()
  [ -f "$out/pandana_counts.csv" ] && pandana_flag=(--pandana-counts "$out/pandana_counts.csv")
  "${LANTU[@]}" run "$dir" --radius "$RADIUS" --out "$out/lantu.json" --counts "$out/lantu_counts.csv" "${pandana_flag[@]}"
  "${LANTU[@]}" run "$dir" --radius "$RADIUS" --out "$out/lantu_pg.json" --database-url "$PG_URL"
  echo "==> $net: do they agree?"
  agree_args=(--networkx "$out/networkx.csv" --pgrouting "$out/pgrouting.csv")
  [ -f "$out/pandana_counts.csv" ] && agree_args+=(--pandana-counts "$out/pandana_counts.csv" --other "lantu=$out/lantu_counts.csv")
  agreement=$(python3 bench/accessibility/compare.py "${agree_args[@]}" 2>&1) || true
  echo "$agreement"
  python3 bench/accessibility/report.py "$net" "$out" "$agreement" >>"$REPORT"
done

echo "==> lantu alone: full coverage of one category over a 1,000 × 1,000 grid"
"${LANTU[@]}" city --side 1000 >"$WORK/city.json"
python3 bench/accessibility/report.py city "$WORK/city.json" "" >>"$REPORT"

echo
cat "$REPORT"
echo
echo "written to $REPORT"
