#!/usr/bin/env bash
# pgRouting on a benchmark network: pgr_drivingDistance from each source.
#
#   bench/accessibility/run_pgrouting.sh DIR --radius 1000 --out RESULT.json
#       [--edges bbox|all] [--limit N] [--per-source per_source.csv] [--no-client-pass]
#
# Connects with the usual libpq variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...). The
# database needs the postgis and pgrouting extensions available (CREATE EXTENSION IF NOT EXISTS
# is run; postgresql-15-pgrouting is the Debian package). Everything goes in schema acc_bench,
# which is dropped and rebuilt on each run.
#
# Load (timed as load_s, not part of the per-source numbers): \copy of nodes.csv, edges.csv and
# sources.csv, an edges table (id, source, target, cost = length_m, geom = the straight line
# between its nodes in EPSG:4326) with a GiST index on geom, ANALYZE.
#
# The query, once per source: count(*) of
#   pgr_drivingDistance(edges_sql, source, radius, directed := false)
# which lists every node within radius (<=, source included at agg_cost 0), as networkx does.
# edges_sql:
#   bbox (default): the edges whose geom meets a box around the source that holds every point
#     within radius metres ("SELECT id, source, target, cost FROM acc_bench.edges WHERE geom &&
#     ST_MakeEnvelope(...)"), as pgRouting is used in practice: pgRouting builds its graph from
#     edges_sql on every call, so the whole table each time costs far more than the search.
#     The box is exact when every length_m is at least the straight-line distance between its
#     nodes (true of street networks and of grid.py's grid); it is 5 % larger for safety.
#   all: "SELECT id, source, target, cost FROM acc_bench.edges", the whole table every call.
#     With --limit N to time only the first N sources (hundreds of ms each on 400k edges).
#
# Timings:
#   server: one plpgsql loop over the sources, clock_timestamp() around each query, so the
#     client round trip is excluded: ms_per_source_mean / median; total_s is the loop's own
#     sum and loop_wall_s the client's wall clock for the whole call.
#   client (unless --no-client-pass): one SELECT per source from psql with \timing, round trip
#     included: client_ms_per_source_mean / median, client_wall_s for the whole script.
# One query on the first source is run before timing, as a warm-up (loads the library).
# reached_sum (sum over sources of the nodes returned) must equal networkx's reached_sum.
set -euo pipefail

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

DIR=""; RADIUS=1000; OUT=""; EDGES=bbox; LIMIT=0; PER_SOURCE=""; CLIENT_PASS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --radius) RADIUS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --edges) EDGES=$2; shift 2 ;;
    --limit) LIMIT=$2; shift 2 ;;
    --per-source) PER_SOURCE=$2; shift 2 ;;
    --no-client-pass) CLIENT_PASS=0; shift ;;
    -h|--help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) [ -z "$DIR" ] || usage; DIR=$1; shift ;;
  esac
done
[ -n "$DIR" ] || usage
case "$EDGES" in bbox|all) ;; *) echo "--edges must be bbox or all" >&2; exit 2 ;; esac
for f in nodes.csv edges.csv sources.csv; do
  [ -f "$DIR/$f" ] || { echo "$DIR/$f is missing" >&2; exit 1; }
done
DIR=$(cd "$DIR" && pwd)
command -v psql >/dev/null || { echo "psql not found (apt-get install postgresql-client-15)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/acc-pgr.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
psqlq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

# psql's \copy takes the file name literally: quote it for psql.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }

echo "pgRouting: loading $DIR" >&2
t0=$(now)
psqlq <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;
DROP SCHEMA IF EXISTS acc_bench CASCADE;
CREATE SCHEMA acc_bench;
CREATE TABLE acc_bench.nodes (id bigint PRIMARY KEY, x float8 NOT NULL, y float8 NOT NULL);
CREATE TABLE acc_bench.edges_in (source bigint NOT NULL, target bigint NOT NULL, cost float8 NOT NULL);
CREATE TABLE acc_bench.sources (ord serial PRIMARY KEY, node bigint NOT NULL);
\copy acc_bench.nodes (id, x, y) FROM $(q "$DIR/nodes.csv") WITH (FORMAT csv, HEADER true)
\copy acc_bench.edges_in (source, target, cost) FROM $(q "$DIR/edges.csv") WITH (FORMAT csv, HEADER true)
\copy acc_bench.sources (node) FROM $(q "$DIR/sources.csv") WITH (FORMAT csv, HEADER true)
CREATE TABLE acc_bench.edges AS
  SELECT row_number() OVER () AS id, e.source, e.target, e.cost,
         ST_SetSRID(ST_MakeLine(ST_MakePoint(a.x, a.y), ST_MakePoint(b.x, b.y)), 4326) AS geom
  FROM acc_bench.edges_in e
  JOIN acc_bench.nodes a ON a.id = e.source
  JOIN acc_bench.nodes b ON b.id = e.target;
DO \$\$ BEGIN
  IF (SELECT count(*) FROM acc_bench.edges) <> (SELECT count(*) FROM acc_bench.edges_in) THEN
    RAISE EXCEPTION 'edges.csv names nodes that nodes.csv lacks';
  END IF;
END \$\$;
DROP TABLE acc_bench.edges_in;
ALTER TABLE acc_bench.edges ADD PRIMARY KEY (id);
CREATE INDEX ON acc_bench.edges USING gist (geom);
ANALYZE acc_bench.nodes; ANALYZE acc_bench.edges; ANALYZE acc_bench.sources;

-- The edges_sql for one source.
CREATE FUNCTION acc_bench.edges_sql(src bigint, radius float8, mode text) RETURNS text
LANGUAGE plpgsql STABLE AS \$f\$
DECLARE
  px float8; py float8; dy float8; dx float8;
BEGIN
  IF mode = 'all' THEN
    RETURN 'SELECT id, source, target, cost FROM acc_bench.edges';
  END IF;
  SELECT x, y INTO px, py FROM acc_bench.nodes WHERE id = src;
  -- 110574 m per degree of latitude is the least there is (at the equator); longitude uses the
  -- cosine of the box's edge farthest from the equator. 5 % margin.
  dy := radius * 1.05 / 110574.0;
  dx := radius * 1.05 / (111320.0 * greatest(cos(radians(least(abs(py) + dy, 89.0))), 1e-6));
  RETURN format('SELECT id, source, target, cost FROM acc_bench.edges '
                'WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)',
                px - dx, py - dy, px + dx, py + dy);
END \$f\$;

CREATE FUNCTION acc_bench.time_all(radius float8, mode text, lim int)
RETURNS TABLE (ord int, node bigint, reached bigint, ms float8)
LANGUAGE plpgsql AS \$f\$
DECLARE
  s record; t0 timestamptz; c bigint;
BEGIN
  FOR s IN SELECT so.ord, so.node FROM acc_bench.sources so
           WHERE lim <= 0 OR so.ord <= lim ORDER BY so.ord LOOP
    t0 := clock_timestamp();
    SELECT count(*) INTO c
      FROM pgr_drivingDistance(acc_bench.edges_sql(s.node, radius, mode), s.node, radius,
                               directed := false);
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000.0;
    ord := s.ord; node := s.node; reached := c;
    RETURN NEXT;
  END LOOP;
END \$f\$;
SQL
load_s=$(python3 -c "print(round($(now) - $t0, 3))")

versions=$(psqlq -A -t -F '|' -c "SELECT pgr_version(), postgis_lib_version(), current_setting('server_version')")
n_nodes=$(psqlq -A -t -c "SELECT count(*) FROM acc_bench.nodes")
n_edges=$(psqlq -A -t -c "SELECT count(*) FROM acc_bench.edges")
n_sources=$(psqlq -A -t -c "SELECT count(*) FROM acc_bench.sources WHERE $LIMIT <= 0 OR ord <= $LIMIT")
echo "pgRouting: $n_nodes nodes, $n_edges edges loaded in ${load_s}s; timing $n_sources sources ($EDGES)" >&2

# Warm-up, then the server-side loop (its rows go to a file: ord|node|reached|ms).
psqlq -A -t -c "SELECT count(*) FROM (SELECT node FROM acc_bench.sources ORDER BY ord LIMIT 1) s,
  LATERAL pgr_drivingDistance(acc_bench.edges_sql(s.node, $RADIUS, '$EDGES'), s.node, $RADIUS, directed := false)" >/dev/null
t0=$(now)
psqlq -A -t -F '|' -c "SELECT * FROM acc_bench.time_all($RADIUS, '$EDGES', $LIMIT)" >"$WORK/server.txt"
loop_wall_s=$(python3 -c "print(round($(now) - $t0, 3))")

# Client side: one statement per source, \timing prints "Time: X ms" after each.
client_wall_s=""
if [ "$CLIENT_PASS" = 1 ]; then
  psqlq -A -t -c "SELECT format('SELECT count(*) FROM pgr_drivingDistance(%L, %s, $RADIUS, directed := false);', acc_bench.edges_sql(node, $RADIUS, '$EDGES'), node) FROM acc_bench.sources WHERE $LIMIT <= 0 OR ord <= $LIMIT ORDER BY ord" >"$WORK/client.sql"
  t0=$(now)
  psql -X -v ON_ERROR_STOP=1 -A -t -c '\timing on' -f "$WORK/client.sql" >"$WORK/client.txt"
  client_wall_s=$(python3 -c "print(round($(now) - $t0, 3))")
fi

python3 - "$WORK" "$OUT" "$PER_SOURCE" "$DIR" "$RADIUS" "$EDGES" "$LIMIT" "$versions" \
  "$n_nodes" "$n_edges" "$load_s" "$loop_wall_s" "$client_wall_s" "$(dirname "$0")" <<'PY'
import os, re, sys
(work, out, per_source, d, radius, edges, limit, versions, n_nodes, n_edges, load_s,
 loop_wall_s, client_wall_s, here) = sys.argv[1:]
sys.path.insert(0, here)
import common

rows = [l.split("|") for l in open(os.path.join(work, "server.txt")).read().split("\n") if l]
nodes = [int(r[1]) for r in rows]
reached = [int(r[2]) for r in rows]
secs = [float(r[3]) / 1000.0 for r in rows]
pgr, postgis, server = versions.split("|")
result = {
    "tool": "pgrouting",
    "versions": {"pgrouting": pgr, "postgis": postgis, "postgresql": server},
    "dir": d,
    "nodes": int(n_nodes),
    "edges": int(n_edges),
    "sources": len(rows),
    "radius_m": float(radius),
    "edges_sql": edges,
    "load_s": float(load_s),
    "total_s": sum(secs),
    "loop_wall_s": float(loop_wall_s),
    **common.ms_stats(secs),
    "reached_sum": sum(reached),
}
if client_wall_s:
    text = open(os.path.join(work, "client.txt")).read()
    client_ms = [float(x) for x in re.findall(r"^Time: ([\d.]+) ms", text, re.M)]
    counts = [int(x) for x in re.findall(r"^(\d+)$", text, re.M)]
    if len(client_ms) != len(rows) or counts != reached:
        sys.exit(f"client pass disagrees with the server loop: {len(client_ms)} timings, "
                 f"counts equal: {counts == reached}")
    c = common.ms_stats([m / 1000.0 for m in client_ms])
    result.update({"client_" + k: v for k, v in c.items()})
    result["client_wall_s"] = float(client_wall_s)
if per_source:
    os.makedirs(os.path.dirname(os.path.abspath(per_source)), exist_ok=True)
    with open(per_source, "w") as f:
        f.write("node,reached\n")
        f.writelines(f"{n},{r}\n" for n, r in zip(nodes, reached))
    result["per_source_csv"] = os.path.abspath(per_source)
result["machine"] = common.machine()
common.write_json(out or None, result)
PY
