#!/usr/bin/env bash
# Rolls a stack back to its previous (or a given) API image and applies it.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/rollback.sh STACK [TAG_OR_IMAGE_REF] [--yes]
Without a tag: the image deployed before the current one, from the git history of
Pulumi.STACK.yaml (the deploy pipeline commits every deployed tag), or with
TASKFLOW_REHEARSE=1 from the rehearsal's history. Refuses an image that is neither on
the target Docker host (DOCKER_HOST, the stack's host) nor in its registry (log in
first for a private one). Then records it with scripts/set-image.sh (a bot commit on
main under GitHub Actions) and runs `pulumi up -s STACK` (TASKFLOW_REHEARSE=1: the
rehearsal instead).
Exit codes: 0 rolled back, 1 pulumi up failed, 2 no previous image or it does not
exist, 4 not confirmed, 64 usage.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -ge 1 ] || { usage >&2; exit 64; }
stack="$1"; shift
want="" yes=""
for arg in "$@"; do
  case "$arg" in
    --yes) yes=1 ;;
    -*) usage >&2; exit 64 ;;
    *) want="$arg" ;;
  esac
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Current and previously deployed image references, newest first.
history() {
  if [ -n "${TASKFLOW_REHEARSE:-}" ]; then
    npm run --silent rehearse -- --stack "$stack" --history
  else
    git log --format=%H -- "Pulumi.$stack.yaml" | while read -r commit; do
      git show "$commit:Pulumi.$stack.yaml" | STACK_FILE=/dev/stdin node scripts/stack-image.mjs "$stack" 2>/dev/null || true
    done
  fi
}
current="$(history | head -n 1)"
[ -n "$current" ] || { echo "rollback: no deployed image recorded for stack $stack" >&2; exit 2; }
if [ -z "$want" ]; then
  target="$(history | grep -vxF "$current" | head -n 1 || true)"
  [ -n "$target" ] || { echo "rollback: no image before $current in the history of stack $stack" >&2; exit 2; }
elif [[ "$want" == *[:/@]* ]]; then
  target="$want"
else
  target="$(node scripts/image-ref.mjs repository "$current"):$want"
fi

if ! docker image inspect "$target" >/dev/null 2>&1 && ! docker manifest inspect "$target" >/dev/null 2>&1; then
  echo "rollback: image $target is neither on the Docker host nor in its registry" >&2
  exit 2
fi
echo "rollback: stack $stack: $current -> $target"
if [ -z "$yes" ]; then
  read -r -p "apply? [y/N] " answer || answer=""
  [ "$answer" = "y" ] || [ "$answer" = "Y" ] || { echo "rollback: not confirmed" >&2; exit 4; }
fi

if [ -n "${TASKFLOW_REHEARSE:-}" ]; then
  npm run --silent rehearse -- --stack "$stack" --reuse-config --set "image=$target" || exit 1
else
  # Recorded like any deploy (under GitHub Actions: a bot commit on main), so the next
  # config apply does not bring the failed image back.
  bash scripts/set-image.sh "$stack" "$target" || exit 1
  pulumi up -s "$stack" --yes || exit 1
fi
echo "rollback: stack $stack now runs $target"
