#!/usr/bin/env bash
# Deploy pipeline: records the image about to be deployed as a one-line commit to
# Pulumi.<stack>.yaml on main (by the deploy bot), so `git revert` of that commit is a
# rollback. The commit is made on a fresh origin/main in a separate worktree and holds
# only the stack file; the job's own checkout gets the same edit (that is what its
# `pulumi up` deploys). The bot's token comes from DEPLOY_BOT_TOKEN and reaches git
# only through this process's environment (never argv, never .git/config).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/set-image.sh STACK IMAGE_REF
Sets taskflow:image in Pulumi.STACK.yaml to IMAGE_REF. Under GitHub Actions (on
refs/heads/main only) also commits "deploy: STACK -> TAG" as the deploy bot on a fresh
origin/main and pushes it (3 tries, refetching each time); needs DEPLOY_BOT_TOKEN.
Exit codes: 0 done (or already set), 1 push failed, 2 not on main or no token, 64 usage.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -eq 2 ] || { usage >&2; exit 64; }
stack="$1" ref="$2"
case "$stack" in staging|production) ;; *) echo "set-image: stack must be staging or production (got '$stack')" >&2; exit 64 ;; esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

node scripts/stack-image.mjs "$stack" --set "$ref"
[ "${GITHUB_ACTIONS:-}" = "true" ] || exit 0
if [ "${GITHUB_REF:-}" != "refs/heads/main" ]; then
  echo "set-image: deploys are recorded only from refs/heads/main (this run is on ${GITHUB_REF:-an unknown ref})" >&2
  exit 2
fi
: "${DEPLOY_BOT_TOKEN:?set-image: DEPLOY_BOT_TOKEN is empty (the deploy bot token, an environment secret)}"
auth="$(printf 'x-access-token:%s' "$DEPLOY_BOT_TOKEN" | base64 -w0)"
# No git hook runs beside the token (core.hooksPath): whatever a step before planted in
# .git/hooks stays inert.
export GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0="http.https://github.com/.extraheader" GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $auth" \
  GIT_CONFIG_KEY_1="core.hooksPath" GIT_CONFIG_VALUE_1="/dev/null"

# The commit names the tag (the commit SHA), not the digest after it.
tag="$(node "$(dirname "${BASH_SOURCE[0]}")/image-ref.mjs" tag "$ref")"

tree="$(mktemp -d)"
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() { git worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$tree"; }
trap cleanup EXIT
for attempt in 1 2 3; do
  git fetch -q origin main
  git worktree remove --force "$tree" >/dev/null 2>&1 || true
  git worktree add -q --force --detach "$tree" FETCH_HEAD
  (cd "$tree" && node "$root/scripts/stack-image.mjs" "$stack" --set "$ref")
  if git -C "$tree" diff --quiet -- "Pulumi.$stack.yaml"; then
    echo "set-image: main already has $ref in Pulumi.$stack.yaml"
    exit 0
  fi
  git -C "$tree" -c user.name="taskflow-deploy-bot" -c user.email="taskflow-deploy-bot@users.noreply.github.com" \
    commit -q -m "deploy: $stack -> $tag" -- "Pulumi.$stack.yaml"
  if git -C "$tree" push -q origin HEAD:refs/heads/main; then
    exit 0
  fi
  echo "set-image: main moved; recommitting on the new main (try $attempt)" >&2
done
echo "set-image: could not push the tag commit" >&2
exit 1
