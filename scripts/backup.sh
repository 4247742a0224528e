#!/usr/bin/env bash
# Takes a timestamped pg_dump (custom format) of a stack's database to a directory on
# this machine, with the same procedure as the pre-rollout backup
# (components/data/backup.sh: private, verified, never overwritten; keeps the newest N).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/backup.sh STACK [--dir DIR] [--keep N]
Dumps the database of STACK's Postgres container (found by its taskflow.stack and
taskflow.role=postgres labels on the Docker host in DOCKER_HOST) to
DIR/STACK-<UTC time>.dump (default DIR: backups/STACK; file 0600, directory 0700),
verifies it by a full pg_restore to /dev/null, keeps N (default 14).
Exit codes: 0 done (prints the file), 1 dump or verification failed, 2 no Postgres container, 64 usage.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -ge 1 ] || { usage >&2; exit 64; }
stack="$1"; shift
dir="backups/$stack" keep=14
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    *) usage >&2; exit 64 ;;
  esac
done
[[ "$keep" =~ ^[1-9][0-9]*$ ]] || { echo "backup: --keep must be a whole number >= 1 (got $keep)" >&2; exit 64; }

pg="$(docker ps -q --filter "label=taskflow.stack=$stack" --filter label=taskflow.role=postgres | head -n 1)"
[ -n "$pg" ] || { echo "backup: no running Postgres container for stack $stack" >&2; exit 2; }
db="$(docker exec "$pg" printenv POSTGRES_DB)"
user="$(docker exec "$pg" printenv POSTGRES_USER)"

# The procedure itself (name, no overwrite, verify, rename, keep N) is the one the
# pre-rollout backup runs inside the container: components/data/backup.sh. Here it runs
# on this machine, pg_dump and pg_restore in the container, the dump landing in DIR.
BACKUP_DIR="$dir" KEEP="$keep" PREFIX="$stack" POSTGRES_USER="$user" POSTGRES_DB="$db" PG_CONTAINER="$pg" \
  exec sh "$(dirname "${BASH_SOURCE[0]}")/../components/data/backup.sh"
