#!/usr/bin/env bash
# Restores a backup.sh dump into a stack's running database, after checking the file
# and asking for confirmation. Refuses a missing or corrupt file before touching anything.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/restore.sh STACK FILE [--yes]
Replaces the contents of STACK's database with FILE (pg_restore --clean, one
transaction: all or nothing). Asks "restore ... ? [y/N]" unless --yes.
Exit codes: 0 restored, 1 restore failed (database unchanged), 2 no Postgres container,
3 file missing or not a valid dump, 4 not confirmed, 64 usage.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -ge 2 ] || { usage >&2; exit 64; }
stack="$1" file="$2" yes="${3:-}"
[ -z "$yes" ] || [ "$yes" = "--yes" ] || { usage >&2; exit 64; }

[ -s "$file" ] || { echo "restore: $file is missing or empty" >&2; exit 3; }
pg="$(docker ps -q --filter "label=taskflow.stack=$stack" --filter label=taskflow.role=postgres | head -n 1)"
[ -n "$pg" ] || { echo "restore: no running Postgres container for stack $stack" >&2; exit 2; }
if ! docker exec -i "$pg" pg_restore --list <"$file" >/dev/null 2>&1; then
  echo "restore: $file is not a valid pg_dump custom-format file; nothing was changed" >&2
  exit 3
fi
db="$(docker exec "$pg" printenv POSTGRES_DB)"
user="$(docker exec "$pg" printenv POSTGRES_USER)"

if [ "$yes" != "--yes" ]; then
  read -r -p "restore $file into database $db of stack $stack, replacing its contents? [y/N] " answer || answer=""
  [ "$answer" = "y" ] || [ "$answer" = "Y" ] || { echo "restore: not confirmed; nothing was changed" >&2; exit 4; }
fi
if ! docker exec -i "$pg" pg_restore -U "$user" -d "$db" --clean --if-exists --no-owner --single-transaction <"$file"; then
  echo "restore: pg_restore failed; the transaction was rolled back" >&2
  exit 1
fi
echo "restore: $db of stack $stack restored from $file"
