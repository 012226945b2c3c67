# Sourced: start_pg_cluster starts a throwaway PostgreSQL 15 + PostGIS cluster on a free
# loopback port in a temporary folder, sets PGPORT, PGDIR and psql_admin, and removes it all
# when the calling script exits.

PGBIN=/usr/lib/postgresql/15/bin

start_pg_cluster() {
  PGDIR=$(mktemp -d /tmp/lantu-pg.XXXXXX)
  as_pg=()
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
    chown postgres "$PGDIR"
    as_pg=(runuser -u postgres --)
  fi
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  trap stop_pg_cluster EXIT
  "${as_pg[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C >"$PGDIR/initdb.log" 2>&1 \
    || { cat "$PGDIR/initdb.log" >&2; echo "initdb failed (log above)" >&2; return 1; }
  # fsync off: a throwaway cluster; lantu's own durability is what the tests prove.
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 $*" start >/dev/null \
    || { cat "$PGDIR/server.log" >&2; echo "PostgreSQL did not start (log above)" >&2; return 1; }
}

stop_pg_cluster() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }
