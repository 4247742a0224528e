#!/usr/bin/env bash
# Takes a timestamped pg_dump (custom format) of a stack's database to a directory on
# this machine: private (umask 077, directory 0700), under a temporary name, verified by
# reading every block back (pg_restore to /dev/null; `--list` reads only the table of
# contents and passes a truncated dump), renamed only then; keeps the newest N.
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

umask 077
mkdir -p "$dir"
chmod 700 "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
# Never overwrite a dump: a second one within the same second (restore.sh's safety dump
# right after another restore, say) gets -2, -3, ...
file="$dir/$stack-$stamp.dump" n=2
while [ -e "$file" ] || [ -e "$file.partial" ]; do file="$dir/$stack-$stamp-$n.dump" n=$((n + 1)); done
# Local socket inside the container: no password crosses this machine.
if ! docker exec "$pg" pg_dump -U "$user" -d "$db" --format=custom >"$file.partial"; then
  rm -f "$file.partial"
  echo "backup: pg_dump failed" >&2
  exit 1
fi
if ! docker exec -i "$pg" pg_restore --file=/dev/null <"$file.partial"; then
  rm -f "$file.partial"
  echo "backup: the dump does not verify (pg_restore could not read it back)" >&2
  exit 1
fi
if ! mv -n "$file.partial" "$file" || [ -e "$file.partial" ]; then
  rm -f "$file.partial"
  echo "backup: $file appeared meanwhile; nothing was overwritten" >&2
  exit 1
fi
find "$dir" -maxdepth 1 -name "$stack-*.dump" -printf '%T@ %p\n' | sort -rn | tail -n +"$((keep + 1))" | cut -d' ' -f2- | xargs -r rm --
echo "$file"
