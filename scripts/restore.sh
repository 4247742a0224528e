#!/usr/bin/env bash
# Restores a backup.sh dump into a stack's running database, after checking the whole
# file, taking a safety dump of what is there now, and asking for confirmation that
# names the Docker host and the stack. Refuses a missing, truncated or corrupt file
# before touching anything.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/restore.sh STACK FILE [--yes]
Replaces the contents of STACK's database, on the Docker host in DOCKER_HOST, with FILE
(pg_restore --clean, one transaction: all or nothing). First dumps the current
database with scripts/backup.sh into RESTORE_SAFETY_DIR (default
backups/STACK/pre-restore). Asks "restore ... ? [y/N]" unless --yes.
Exit codes: 0 restored, 1 safety dump or restore failed (database unchanged), 2 no
Postgres container, 3 file missing or not a complete dump, 4 not confirmed, 64 usage.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -ge 2 ] || { usage >&2; exit 64; }
stack="$1" file="$2" yes="${3:-}"
[ -z "$yes" ] || [ "$yes" = "--yes" ] || { usage >&2; exit 64; }

[ -s "$file" ] || { echo "restore: $file is missing or empty" >&2; exit 3; }
pg="$(docker ps -q --filter "label=taskflow.stack=$stack" --filter label=taskflow.role=postgres | head -n 1)"
[ -n "$pg" ] || { echo "restore: no running Postgres container for stack $stack" >&2; exit 2; }
# Every block is read back: a dump cut short fails here, not halfway through the restore.
if ! docker exec -i "$pg" pg_restore --file=/dev/null <"$file" >/dev/null 2>&1; then
  echo "restore: $file is not a complete pg_dump custom-format file; nothing was changed" >&2
  exit 3
fi
db="$(docker exec "$pg" printenv POSTGRES_DB)"
user="$(docker exec "$pg" printenv POSTGRES_USER)"
host="${DOCKER_HOST:-unix:///var/run/docker.sock (this machine)}"

if [ "$yes" != "--yes" ]; then
  # The question goes to stderr even when stdin is not a terminal (read -p would not show it).
  printf 'restore %s into database %s of stack %s on Docker host %s, replacing its contents? [y/N] ' "$file" "$db" "$stack" "$host" >&2
  read -r answer || answer=""
  [ "$answer" = "y" ] || [ "$answer" = "Y" ] || { echo "restore: not confirmed; nothing was changed" >&2; exit 4; }
fi
safety_dir="${RESTORE_SAFETY_DIR:-backups/$stack/pre-restore}"
if ! safety="$(bash "$(dirname "${BASH_SOURCE[0]}")/backup.sh" "$stack" --dir "$safety_dir" --keep 5)"; then
  echo "restore: the safety dump of the current database failed; nothing was changed" >&2
  exit 1
fi
echo "restore: the current database is saved in $safety"
# What the restore creates belongs to the owner role the migrations use (components/data/
# commands.ts databaseRoles), as everything the migrations made; a stack from before the
# roles has none, and the admin keeps it.
role=()
if [ "$(docker exec "$pg" psql -U "$user" -d "$db" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '${user}_owner'")" = "1" ]; then
  role=(--role="${user}_owner")
fi
if ! docker exec -i "$pg" pg_restore -U "$user" -d "$db" ${role[@]+"${role[@]}"} --clean --if-exists --no-owner --single-transaction <"$file"; then
  echo "restore: pg_restore failed; the transaction was rolled back" >&2
  exit 1
fi
echo "restore: $db of stack $stack restored from $file"
