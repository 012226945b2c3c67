#!/usr/bin/env bash
# CQL2 filtering (OGC API Features Part 3): lantu and tipg side by side, in one run, serving the
# same PostGIS table with the same CQL2 text.
#
#   bench/filters.sh                                        # about 5 minutes after the build
#   LANTU_BIN=/tmp/rel-target/release/lantu bench/filters.sh
#   SITES=50000 REQUESTS=500 DURATION=20s WRK_QUERIES="type box+attrs" bench/filters.sh
#
# Data: the demo units and SITES (20,000) seeded random sites (bench/filters/sites.py: points,
# short lines, small polygons over the demo district) imported with `lantu import sites` into a
# throwaway PostGIS. lantu serves them from its in-memory catalog (it loads the store as it
# starts and evaluates CQL2 itself); tipg (pinned, in a venv) serves the same rows of the same
# table through a plain view that names the geometry column `geometry` (lantu's queryable) and
# keeps `deleted = false` (none are deleted), and translates CQL2 to SQL. Queries:
# bench/filters/queries.json. Results go to bench/results/filters-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh
. scripts/pg.sh

SITES=${SITES:-20000}
REQUESTS=${REQUESTS:-200}
DURATION=${DURATION:-10s}
WRK_QUERIES=${WRK_QUERIES:-"type+status box"}
TIPG_VERSION=1.6.1
UVICORN_VERSION=0.54.0
VENV=${VENV:-target/bench-venv-filters}
queries=bench/filters/queries.json

need_packages wrk python3 python3-venv curl postgresql-15 postgresql-15-postgis-3
LANTU_BIN=${LANTU_BIN:-${LANTU:-}}
if [ -z "$LANTU_BIN" ]; then
  for candidate in /tmp/rel-target/release/lantu target/release/lantu; do
    [ -x "$candidate" ] && { LANTU_BIN=$candidate; break; }
  done
fi
if [ -z "$LANTU_BIN" ]; then
  need_build_packages
  echo "==> building lantu (release)"
  cargo build --release --locked --quiet
  LANTU_BIN=target/release/lantu
fi
LANTU_BIN=$(realpath "$LANTU_BIN")

if ! "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('tipg') != '$TIPG_VERSION')" 2>/dev/null; then
  echo "==> installing tipg $TIPG_VERSION and uvicorn $UVICORN_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "tipg==$TIPG_VERSION" "uvicorn==$UVICORN_VERSION"
fi

work=$(mktemp -d /tmp/lantu-filters.XXXXXX)
. bench/lib.sh
echo "==> starting a throwaway PostGIS cluster"
start_pg_cluster "-c shared_buffers=512MB -c jit=off"
trap cleanup EXIT # start_pg_cluster set its own; lib.sh's cleanup stops the servers and the cluster
psql_admin -d postgres -c "CREATE DATABASE lantu_bench"
psql_admin -d lantu_bench -c "CREATE EXTENSION postgis"
url="postgres://postgres@127.0.0.1:$PGPORT/lantu_bench"

echo "==> $SITES sites"
python3 bench/filters/sites.py "$SITES" > "$work/sites.geojson"
before_import=$(date -u +%Y-%m-%dT%H:%M:%SZ)
"$LANTU_BIN" --database-url "$url" import units fixtures/demo/demo_units.csv fixtures/demo/demo_units.geojson 2> "$work/import-units.log"
"$LANTU_BIN" --database-url "$url" import sites "$work/sites.geojson" 2> "$work/import-sites.log"
token=$("$LANTU_BIN" --database-url "$url" token create --role admin --name bench 2>/dev/null | grep -o 'lantu_[A-Za-z0-9_-]*')
rows=$(psql_admin -At -d lantu_bench -c "SELECT count(*) FROM sites WHERE NOT deleted")
# tipg's side: the table itself, seen through a view with lantu's property names (a plain view:
# PostgreSQL inlines it, so the GiST index on geom serves S_INTERSECTS), plus btree indexes on the
# filtered columns, which lantu's schema does not have and lantu does not use.
psql_admin -d lantu_bench <<'SQL'
CREATE VIEW sites_ogc AS
  SELECT id, name, description, element_type, status, created_at, updated_at, geom AS geometry
  FROM sites WHERE NOT deleted;
CREATE INDEX sites_element_type ON sites (element_type, status);
CREATE INDEX sites_name ON sites (name text_pattern_ops);
CREATE INDEX sites_updated_at ON sites (updated_at);
ANALYZE sites;
SQL

echo "==> starting lantu and tipg"
start lantu "$LANTU_BIN" --database-url "$url" serve --listen 127.0.0.1:0 --public-url http://lantu.bench
# start_tipg NAME WORKERS: tipg under uvicorn on a free port; sets tipg_NAME to its items URL.
start_tipg() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/lantu_bench" \
    TIPG_DB_SCHEMAS='["public"]' TIPG_DB_TABLES='["public.sites_ogc"]' TIPG_DB_FUNCTIONS='[]' \
    TIPG_CATALOG_TTL=86400 TIPG_MAX_FEATURES_PER_QUERY=10000 \
    "$VENV/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$port" --workers "$2" \
    --no-access-log --log-level warning > "$work/$1.log" 2>&1 &
  pids+=("$!")
  local items="http://127.0.0.1:$port/collections/public.sites_ogc/items"
  for _ in $(seq 1 300); do curl -fs -o /dev/null "$items?limit=1" && break; sleep 0.2; done
  curl -fs -o /dev/null "$items?limit=1" || { cat "$work/$1.log" >&2; echo "$1 did not come up" >&2; exit 1; }
  printf -v "tipg_$1" '%s' "$items"
}
# One worker answers one client fastest; two workers use both cores under load, but on this
# machine each of their answers to a lone kept-alive client waits ~40 ms more (sequential p50
# 60 ms against 18 ms: the delayed-ACK stall of a socket without TCP_NODELAY, it seems).
# Latency is measured on the single worker, throughput on both.
start_tipg one 1
start_tipg two 2
lantu_items="$base_lantu/api/collections/sites/items"
tipg_items=$tipg_one

mkdir -p bench/results
out="bench/results/filters-$(date -u +%Y%m%dT%H%MZ).md"
lantu_version=$("$LANTU_BIN" --version)
pg_version=$(psql_admin -At -d lantu_bench -c "SELECT split_part(version(), ' ', 2) || ', PostGIS ' || postgis_lib_version()")
{
  echo "# CQL2 filtering: lantu vs tipg $TIPG_VERSION over the same PostGIS table"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/Mem:/ {print $2}') GiB; servers, clients and PostgreSQL share the machine."
  echo
  echo "- command: \`SITES=$SITES REQUESTS=$REQUESTS DURATION=$DURATION WRK_QUERIES=\"$WRK_QUERIES\" bench/filters.sh\`"
  echo "- lantu: $lantu_version, commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (with uncommitted changes in src)'), binary \`$LANTU_BIN\` built $(date -u -r "$LANTU_BIN" +%Y-%m-%dT%H:%MZ); \`serve\` over PostGIS, CQL2 evaluated on its in-memory catalog"
  echo "- tipg $TIPG_VERSION (cql2 $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("cql2"))'), asyncpg $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("asyncpg"))')) under uvicorn $UVICORN_VERSION (1 worker for the answers and the latency; 1 and 2 workers for throughput), Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'); CQL2 translated to SQL, a COUNT(*) and a page query per request"
  echo "- PostgreSQL $pg_version (throwaway cluster, shared_buffers 512MB, jit off)"
  echo "- data: $rows sites (\`bench/filters/sites.py $SITES\`, seeded: about half points, a quarter short lines, a quarter small polygons over the demo district; 10 element types; ~70 % published), imported with \`lantu import sites\` at $before_import; none deleted"
  echo "- tipg reads view \`sites_ogc\` (\`SELECT id, name, description, element_type, status, created_at, updated_at, geom AS geometry FROM sites WHERE NOT deleted\`), so that \`geometry\` names the same column for both; btree indexes on (element_type, status), name (text_pattern_ops) and updated_at were added for tipg's sake"
  echo "- every request: \`?filter=<cql2-text>&filter-lang=cql2-text&limit=100\`, \`Accept: application/geo+json\`; lantu with an admin token (sees drafts, as tipg sees every row); latency: $REQUESTS sequential requests on one kept-alive connection after 20 warm-up ones (\`bench/filters/measure.py\`); throughput: \`wrk -t2 -c8 -d$DURATION --latency\`"
} > "$out"

echo "==> same answers"
python3 bench/filters/measure.py check "$queries" "$lantu_items" "$tipg_items" "$token" | tee "$work/check.jsonl" || true
{
  echo
  echo "## Same answers (limit=10000: every match, ids compared as sets when all fit in a page)"
  echo
  echo "| query | CQL2 | SQL WHERE tipg runs | lantu numberMatched | tipg numberMatched | ids compared | same |"
  echo "|---|---|---|---:|---:|---|---|"
} >> "$out"
while IFS=$'\t' read -r id cql; do
  # what tipg does with the filter (tipg/dependencies.py: text → JSON → Expr, then .to_sql())
  sql=$("$VENV/bin/python" -c 'import sys; from cql2 import Expr; print(Expr(Expr(sys.argv[1]).to_json()).to_sql())' "$cql")
  line=$(python3 -c 'import json, sys; print(next((l for l in open(sys.argv[1]) if json.loads(l)["query"] == sys.argv[2]), "{}"))' "$work/check.jsonl" "$id")
  python3 - "$id" "$cql" "$sql" "$line" >> "$out" <<'PY'
import json, sys
q, cql, sql, line = sys.argv[1:]
c = json.loads(line)
if not c:
    print(f"| {q} | `{cql}` | `{sql}` | (failed) | (failed) | — | **NO** |")
else:
    print(f"| {q} | `{cql}` | `{sql}` | {c['lantu_matched']} | {c['tipg_matched']} | {'yes' if c['ids_compared'] else 'counts only'} | {'**yes**' if c['same'] else '**NO**'} |")
PY
done < <(python3 -c 'import json, sys; [print(q["id"] + "\t" + q["cql"]) for q in json.load(open(sys.argv[1]))]' "$queries")

# The spatial queries give their box as a POLYGON: tipg 1.6.1 turns CQL2's BBOX(...) into
# st_makeenvelope(...) without an SRID (0), which PostGIS refuses against a 4326 column.
bbox_cql="S_INTERSECTS(geometry, BBOX(121.40,31.24,121.41,31.25))"
probe() { curl -s -o "$work/probe-$1.json" -w '%{http_code}' -H 'Accept: application/geo+json' ${3:+-H "$3"} -G "$2" \
  --data-urlencode "filter=$bbox_cql" --data-urlencode filter-lang=cql2-text -d limit=1; }
lantu_bbox=$(probe lantu "$lantu_items" "Authorization: Bearer $token")
tipg_bbox=$(probe tipg "$tipg_items")
matched() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d.get("numberMatched", d.get("detail", d)))' "$1" 2>/dev/null || head -c 200 "$1"; }
{
  echo
  echo "\`$bbox_cql\` (the same box as query \`box\`, written as CQL2's BBOX): lantu answers $lantu_bbox ($(matched "$work/probe-lantu.json")), tipg answers $tipg_bbox ($(matched "$work/probe-tipg.json")): cql2 $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("cql2"))') renders it as \`$("$VENV/bin/python" -c 'import sys; from cql2 import Expr; print(Expr(Expr(sys.argv[1]).to_json()).to_sql())' "$bbox_cql")\` (SRID 0). So the spatial queries below give the box as a POLYGON, which both take."
} >> "$out"

url_for() { python3 -c 'import sys, urllib.parse; print(sys.argv[1] + "?" + urllib.parse.urlencode({"filter": sys.argv[2], "filter-lang": "cql2-text", "limit": "100"}))' "$1" "$2"; }

echo "==> latency, $REQUESTS sequential requests per query and server"
{
  echo
  echo "## Latency, one client, $REQUESTS sequential requests (limit=100)"
  echo
  echo "| query | matched | returned | lantu p50 ms | lantu p99 ms | tipg p50 ms | tipg p99 ms | tipg / lantu (p50) | KiB per response lantu / tipg |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
} >> "$out"
while IFS=$'\t' read -r id cql; do
  a=$(python3 bench/filters/measure.py latency "$(url_for "$lantu_items" "$cql")" --header "Authorization: Bearer $token" -n "$REQUESTS")
  b=$(python3 bench/filters/measure.py latency "$(url_for "$tipg_items" "$cql")" -n "$REQUESTS")
  python3 - "$id" "$a" "$b" <<'PY' | tee -a "$out"
import json, sys
q, a, b = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
m = a["matched"] if a["matched"] == b["matched"] else f"{a['matched']} / {b['matched']}"
print(f"| {q} | {m} | {a['returned']} | {a['p50']:.2f} | {a['p99']:.2f} | {b['p50']:.2f} | {b['p99']:.2f} | "
      f"**{b['p50'] / a['p50']:.1f}×** | {a['bytes'] / 1024:.1f} / {b['bytes'] / 1024:.1f} |")
PY
done < <(python3 -c 'import json, sys; [print(q["id"] + "\t" + q["cql"]) for q in json.load(open(sys.argv[1]))]' "$queries")

echo "==> throughput (wrk -t2 -c8 -d$DURATION)"
{
  echo
  echo "## Throughput, \`wrk -t2 -c8 -d$DURATION --latency\` (limit=100)"
  echo
  echo "| query | server | requests/s | p50 ms | p99 ms | KiB per response | errors | lantu / this (requests/s) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
} >> "$out"
for id in $WRK_QUERIES; do
  cql=$(python3 -c 'import json, sys; print(next(q["cql"] for q in json.load(open(sys.argv[1])) if q["id"] == sys.argv[2]))' "$queries" "$id")
  IFS=$'\t' read -r lrps lp50 lp99 lkib lerr <<< "$(wrk -t2 -c8 -d"$DURATION" --latency -H "Accept: application/geo+json" \
    -H "Authorization: Bearer $token" "$(url_for "$lantu_items" "$cql")" | tee "$work/wrk-lantu-$id.txt" | python3 bench/wrk_row.py)"
  echo "| $id | lantu | $lrps | $lp50 | $lp99 | $lkib | $lerr | |" | tee -a "$out"
  for t in one two; do
    items_var="tipg_$t"
    IFS=$'\t' read -r trps tp50 tp99 tkib terr <<< "$(wrk -t2 -c8 -d"$DURATION" --latency -H "Accept: application/geo+json" \
      "$(url_for "${!items_var}" "$cql")" | tee "$work/wrk-tipg-$t-$id.txt" | python3 bench/wrk_row.py)"
    ratio=$(awk -v a="$lrps" -v b="$trps" 'BEGIN { printf "%.1f×", a / b }')
    echo "| $id | tipg, $([ $t = one ] && echo '1 worker' || echo '2 workers') | $trps | $tp50 | $tp99 | $tkib | $terr | **$ratio** |" | tee -a "$out"
  done
done

if [ "$(grep -c '"same": true' "$work/check.jsonl")" != "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$queries")" ]; then
  echo "the servers disagreed on some query (see $out)" >&2
  exit 1
fi
echo
echo "results: $out"
