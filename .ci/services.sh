#!/usr/bin/env bash
# Start the PostgreSQL and Redis servers the test suite runs against (Debian packages).
# Idempotent: safe to run when they are already up. Prints the variables to export.
set -euo pipefail
# Everything but the final exports goes to stderr. The servers started below get none of
# the caller's pipes (their output goes to a log file, fd 3 is closed): a daemon holding
# the pipe of `eval "$(...)"` or of a CI runner open would make the caller wait for ever.
exec 3>&1 1>&2
log=${TMPDIR:-/tmp}/acuguide-services.log
: >"$log"
daemon() { "$@" </dev/null >>"$log" 2>&1 3>&-; }

PGVER=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx main; then
  daemon pg_createcluster "$PGVER" main
fi
# A server killed without a shutdown leaves its pid and socket lock files behind; PostgreSQL
# removes them itself once their process is gone, so a failed start is tried again.
for _ in 1 2 3; do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  daemon pg_ctlcluster "$PGVER" main start && break
  sleep 2
done
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start; $log says:" >&2; cat "$log" >&2; exit 1; }

psql_admin() { su postgres -c "psql -qAtX -c \"$1\""; }
[ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='acuguide'")" = "1" ] ||
  psql_admin "CREATE ROLE acuguide LOGIN SUPERUSER PASSWORD 'acuguide'"
[ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='acuguide'")" = "1" ] ||
  su postgres -c "createdb -O acuguide acuguide"

if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
  daemon redis-server "$(dirname "$0")/../deploy/redis.conf" --port 6379 --bind 127.0.0.1 --daemonize yes
  for _ in $(seq 1 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
redis-cli -p 6379 ping >/dev/null || { echo "Redis did not start; $log says:" >&2; cat "$log" >&2; exit 1; }
# A server that was already up gets the same memory bound (deploy/redis.conf says why).
redis-cli -p 6379 config set maxmemory 64mb >/dev/null
redis-cli -p 6379 config set maxmemory-policy allkeys-lru >/dev/null

{
  echo "export ACUGUIDE_PG_URL=postgres://acuguide:acuguide@127.0.0.1:5432/acuguide"
  echo "export ACUGUIDE_REDIS_URL=redis://127.0.0.1:6379/0"
  echo "export ACUGUIDE_PG_VERSION=$PGVER"
} >&3
