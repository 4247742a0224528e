#!/usr/bin/env bash
# Deploy pipeline: records the image about to be deployed as a one-line commit to
# Pulumi.<stack>.yaml on main (by the deploy bot), so `git revert` of that commit is a
# rollback. Retries when main moved meanwhile (linear history: rebase, push).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/set-image.sh STACK IMAGE_REF
Sets taskflow:image in Pulumi.STACK.yaml to IMAGE_REF, commits "deploy: STACK -> TAG"
as the deploy bot and pushes to main (3 tries). Without GITHUB_ACTIONS it only edits
the file. Exit codes: 0 done (or already set), 1 push failed, 64 usage.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -eq 2 ] || { usage >&2; exit 64; }
stack="$1" ref="$2"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

node scripts/stack-image.mjs "$stack" --set "$ref"
[ "${GITHUB_ACTIONS:-}" = "true" ] || exit 0
if git diff --quiet -- "Pulumi.$stack.yaml"; then
  echo "set-image: Pulumi.$stack.yaml already has $ref"
  exit 0
fi
git config user.name "taskflow-deploy-bot"
git config user.email "taskflow-deploy-bot@users.noreply.github.com"
git commit -q -m "deploy: $stack -> ${ref##*:}" -- "Pulumi.$stack.yaml"
for attempt in 1 2 3; do
  if git push -q origin HEAD:main; then
    exit 0
  fi
  echo "set-image: main moved; rebasing (try $attempt)" >&2
  git pull -q --rebase origin main
done
echo "set-image: could not push the tag commit" >&2
exit 1
