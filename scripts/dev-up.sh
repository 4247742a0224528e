#!/usr/bin/env bash
# README's first command: brings the dev stack up on this machine's Docker engine,
# from a fresh machine: installs what is missing, builds the local images, deploys,
# prints the URL. With the Pulumi CLI: `pulumi up -s dev` on a local file backend.
# Without it: says so, and runs the rehearsal (same program, same engine).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/dev-up.sh [--help]
Deploys the dev stack (Pulumi.dev.yaml) to the local Docker engine and prints its URL.
Env: PULUMI_CONFIG_PASSPHRASE (default: empty, dev only) for the local backend.
Exit codes: 0 deployed, 1 the deploy failed, 2 set-up failed.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/ensure-docker.sh || exit 2
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 2
bash scripts/build-images.sh || exit 2

if command -v pulumi >/dev/null; then
  # A file backend inside the repo: nothing leaves this machine.
  mkdir -p .pulumi-state
  export PULUMI_BACKEND_URL="file://$root/.pulumi-state"
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
  pulumi stack select dev 2>/dev/null || pulumi stack init dev
  pulumi up -s dev --yes || exit 1
  echo "dev stack: $(pulumi stack output url -s dev)"
else
  echo "dev-up: the Pulumi CLI is not installed: running the rehearsal (same program, same Docker engine) instead."
  npm run --silent rehearse -- --stack dev || exit 1
fi
