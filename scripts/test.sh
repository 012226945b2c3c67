#!/usr/bin/env bash
# `make test`: every check and every test, on the embedded store and on PostGIS.
# Installs what it needs (as root, with apt-get), starts a throwaway PostgreSQL 15 + PostGIS
# cluster on a free loopback port, and removes it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/need.sh

need_build_packages
need_packages postgresql-15 postgresql-15-postgis-3 chromium
need_web_packages --dev
PGBIN=/usr/lib/postgresql/15/bin

echo "==> starting a throwaway PostGIS cluster"
pgdir=$(mktemp -d /tmp/lantu-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
  chown postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop_cluster() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap stop_cluster EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$pgdir/initdb.log" 2>&1 \
  || { cat "$pgdir/initdb.log" >&2; echo "initdb failed (log above)" >&2; exit 1; }
# fsync off: a throwaway cluster; the tests prove lantu's own durability, not PostgreSQL's.
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
  -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
  || { cat "$pgdir/server.log" >&2; echo "PostgreSQL did not start (log above)" >&2; exit 1; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
psql_admin -d postgres -c "CREATE DATABASE lantu_template"
psql_admin -d lantu_template -c "CREATE EXTENSION postgis"
export LANTU_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "    PostGIS $(psql_admin -d lantu_template -Atc 'SELECT postgis_lib_version()') on 127.0.0.1:$port"

echo "==> cargo fmt --check"
cargo fmt --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings
echo "==> cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --quiet
echo "==> cargo test (SQLite and PostGIS)"
log="$pgdir/test.log"
status=0
cargo test --locked --lib --bins --tests -- "$@" 2>&1 | tee "$log" || status=$?
echo "==> browser tests (Debian chromium driven by playwright-core; screenshots in test-artifacts/)"
(cd web && node --test tests/) 2>&1 | tee -a "$log" || status=$?
# One closing line for the whole run: cargo's test binaries and node's runner, summed.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^# pass / { p += $3 } /^# fail / { f += $3 }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
