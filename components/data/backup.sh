#!/bin/sh
# The one backup procedure, for both the pre-rollout backup (run inside the Postgres
# container by `pulumi up`, data/backup.ts) and scripts/backup.sh (run on this machine,
# with PG_CONTAINER set: pg_dump and pg_restore then run in that container through
# `docker exec`, and the dump lands here). POSIX sh: the Postgres image has no bash.
#
# A custom-format dump named PREFIX-<UTC time>.dump (-2, -3, ... within the same
# second: a dump is never overwritten), written private (umask 077, directory 0700)
# under a temporary name, verified by reading every block back (pg_restore to
# /dev/null; `--list` reads only the table of contents and passes a truncated dump),
# renamed only then, so a crash or a full disk never leaves a `.dump` that counts
# toward KEEP; then only the newest KEEP dumps stay. Local socket auth inside the
# container: no password crosses any machine.
#
# Environment: BACKUP_DIR, KEEP (>= 1), POSTGRES_USER, POSTGRES_DB, PREFIX (default
# POSTGRES_DB), PG_CONTAINER (optional). Prints the dump's path on stdout and
# "backup: <path>" on stderr. Exit 0 done, 1 dump or verification failed, 64 bad KEEP.
set -eu
umask 077
PREFIX="${PREFIX:-$POSTGRES_DB}"
case "$KEEP" in
  '' | *[!0-9]* | 0*) echo "backup: KEEP must be a whole number >= 1 (got $KEEP)" >&2; exit 64 ;;
esac
in_postgres() {
  if [ -n "${PG_CONTAINER:-}" ]; then docker exec -i "$PG_CONTAINER" "$@"; else "$@"; fi
}
mkdir -p "$BACKUP_DIR"
chmod 700 "$BACKUP_DIR"
# Leftovers of a dump cut short (a crash, a full disk). Dumps into one directory do not
# overlap: `pulumi up` holds the stack's lock, and scripts/backup.sh dumps elsewhere.
rm -f "$BACKUP_DIR/$PREFIX"-*.dump.partial
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
f="$BACKUP_DIR/$PREFIX-$stamp.dump" n=2
while [ -e "$f" ] || [ -e "$f.partial" ]; do f="$BACKUP_DIR/$PREFIX-$stamp-$n.dump" n=$((n + 1)); done
trap 'rm -f "$f.partial"' EXIT
if ! in_postgres pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" --format=custom >"$f.partial"; then
  echo "backup: pg_dump failed" >&2
  exit 1
fi
if ! in_postgres pg_restore --file=/dev/null <"$f.partial"; then
  echo "backup: the dump does not verify (pg_restore could not read it back)" >&2
  exit 1
fi
if ! mv -n "$f.partial" "$f" || [ -e "$f.partial" ]; then
  echo "backup: $f appeared meanwhile; nothing was overwritten" >&2
  exit 1
fi
# Names hold no spaces (PREFIX is a stack or database name, the rest a timestamp).
# shellcheck disable=SC2012
ls -1t "$BACKUP_DIR/$PREFIX"-*.dump | tail -n +"$((KEEP + 1))" | xargs -r rm --
echo "backup: $f" >&2
echo "$f"
