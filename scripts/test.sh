#!/usr/bin/env bash
# `make test`: every check and every test, on the embedded store and on PostGIS.
# Installs what it needs (as root, with apt-get), starts a throwaway PostgreSQL 15 + PostGIS
# cluster on a free loopback port, and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh

need_build_packages
need_packages postgresql-15 postgresql-15-postgis-3 chromium python3-venv
# The desktop clients tests/api/clients.rs runs for real: GDAL/OGR and QGIS 3.22 headless.
# fonts-noto-cjk: the CJK font lantu's QML labels sites with.
need_packages --no-recommends gdal-bin python3-qgis qgis-providers fonts-noto-cjk
need_web_packages --dev
. scripts/pg.sh

# The OpenAPI document is checked by an independent validator, and OWSLib edits sites, both
# pinned, in a venv of their own.
venv=target/test-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ] || ! "$venv/bin/python" -c "import owslib" 2>/dev/null; then
  echo "==> installing openapi-spec-validator and OWSLib (pip, in $venv)"
  python3 -m venv "$venv" && "$venv/bin/pip" install -q openapi-spec-validator==0.7.1 OWSLib==0.35.0 ||
    { echo "cannot install openapi-spec-validator and OWSLib from PyPI: check the network" >&2; exit 1; }
fi
export LANTU_OPENAPI_VALIDATOR="$PWD/$venv/bin/openapi-spec-validator"
export LANTU_TEST_PYTHON="$PWD/$venv/bin/python"

echo "==> starting a throwaway PostGIS cluster"
start_pg_cluster
psql_admin -d postgres -c "CREATE DATABASE lantu_template"
psql_admin -d lantu_template -c "CREATE EXTENSION postgis"
export LANTU_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
echo "    PostGIS $(psql_admin -d lantu_template -Atc 'SELECT postgis_lib_version()') on 127.0.0.1:$PGPORT"

echo "==> cargo fmt --check"
cargo fmt --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings
echo "==> cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --quiet
echo "==> cargo test (SQLite and PostGIS)"
log="$PGDIR/test.log"
status=0
cargo test --locked --lib --bins --tests -- "$@" 2>&1 | tee "$log" || status=$?
echo "==> TypeScript check of the pages' modules (tsc --noEmit, web/tsconfig.json)"
(cd web && node_modules/.bin/tsc -p .) 2>&1 | tee -a "$log" || status=$?
echo "==> browser tests (Debian chromium driven by playwright-core; screenshots in test-artifacts/)"
(cd web && node --test tests/) 2>&1 | tee -a "$log" || status=$?
# One closing line for the whole run: cargo's test binaries and node's runner, summed.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^# pass / { p += $3 } /^# fail / { f += $3 }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
