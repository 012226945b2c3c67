#!/usr/bin/env bash
# Polygon validation, side by side in one run on the same rings: lantu's sweep, geo 0.33's
# `Validation` (what lantu used before), and PostGIS's ST_IsValid (GEOS), at 2·10⁴, 10⁵ and 10⁶
# vertices; circle, comb (n/4 long teeth) and spiral, each valid and with one crossing.
#
#   bench/validation.sh                 # about 3 minutes
#   GEO_MAX=100000 bench/validation.sh  # geo at 10⁵ too (about a minute per shape)
#
# Results go to bench/results/validation-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh
. scripts/pg.sh

need_build_packages
need_packages postgresql-15 postgresql-15-postgis-3
work=$(mktemp -d /tmp/lantu-valid.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
mkdir -p bench/results
out="bench/results/validation-$(date -u +%Y%m%dT%H%MZ).md"

echo "==> lantu and geo (cargo bench --bench validation)"
ours=$(cargo bench --locked --quiet --bench validation -- --wkt "$work" --geo-max "${GEO_MAX:-20000}")
chmod 644 "$work/shapes.tsv"

echo "==> PostGIS ST_IsValid on the same rings"
start_pg_cluster
psql_admin -d postgres -c "CREATE EXTENSION postgis" >/dev/null
psql_admin -d postgres -c "CREATE TABLE shapes (name text, wkt text)" >/dev/null
psql_admin -d postgres -c "\\copy shapes FROM '$work/shapes.tsv'" >/dev/null
# Parsing the WKT is not timed; each check is the best of 3.
postgis=$(psql_admin -d postgres -At -F '|' <<'SQL'
CREATE TEMP TABLE g AS SELECT name, ST_GeomFromText(wkt) AS geom FROM shapes;
CREATE TEMP TABLE t (name text, valid boolean, ms float8);
DO $$
DECLARE r record; t0 timestamptz; v boolean; best float8;
BEGIN
  FOR r IN SELECT name, geom FROM g LOOP
    best := 'Infinity';
    FOR k IN 1..3 LOOP
      t0 := clock_timestamp();
      v := ST_IsValid(r.geom);
      best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
    INSERT INTO t VALUES (r.name, v, best);
  END LOOP;
END $$;
SELECT name, valid, round(ms::numeric, 1) FROM t;
SQL
)
{
  echo "# Polygon validation: lantu, geo 0.33, PostGIS $(psql_admin -d postgres -At -c 'SELECT postgis_lib_version()') (GEOS $(psql_admin -d postgres -At -c 'SELECT postgis_geos_version()'))"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores; best of 3 (geo: one run); command: \`GEO_MAX=${GEO_MAX:-20000} bench/validation.sh\`"
  echo
  echo "| vertices | shape | valid | lantu ms | geo 0.33 ms | PostGIS ST_IsValid ms (its verdict) |"
  echo "|---:|---|---|---:|---:|---:|"
  while IFS='|' read -r name valid ms; do
    row=$(grep -F "| ${name#* } |" <<< "$ours" | grep -F "| ${name%% *} |" | head -1)
    [ -n "$row" ] || continue
    echo "$row $ms ($( [ "$valid" = t ] && echo valid || echo invalid )) |"
  done <<< "$postgis"
} > "$out"
cat "$out"
echo "results: $out"
