#!/usr/bin/env bash
# README's first command: brings the dev stack up on this machine's Docker engine,
# from a fresh machine: installs what is missing, builds the images the dev stack runs,
# deploys, prints the URL. Where the Pulumi toolchain is installed (the CLI, its Node.js
# language host and the docker, command and random plugins): the real `pulumi up -s dev`
# on a local file backend. Without it: says what is missing and runs the rehearsal.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/dev-up.sh [--destroy] [--help]
Deploys the dev stack (Pulumi.dev.yaml) to the local Docker engine and prints its URL.
  --destroy  removes the dev stack instead (containers, networks, volumes, state)
Env: PULUMI_CONFIG_PASSPHRASE (default: empty, dev only) for the local backend;
     TASKFLOW_ENGINE=real|rehearsal to choose the engine (default: real where installed).
Exit codes: 0 deployed (or destroyed), 1 the deploy failed, 2 set-up failed, 64 usage.
USAGE
}
destroy=false
for arg in "$@"; do
  case "$arg" in
    --help) usage; exit 0 ;;
    --destroy) destroy=true ;;
    *) echo "dev-up: unknown argument $arg" >&2; usage >&2; exit 64 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The real engine needs all of: CLI, language host, and the plugins the SDKs ask for.
real_engine_missing() {
  command -v pulumi >/dev/null || { echo "the Pulumi CLI"; return; }
  command -v pulumi-language-nodejs >/dev/null || [ -x "$(dirname "$(command -v pulumi)")/pulumi-language-nodejs" ] \
    || { echo "the Pulumi Node.js language host"; return; }
  local plugins
  plugins="$(pulumi plugin ls 2>/dev/null || true)"
  for p in docker command random; do
    grep -Eq "^${p}[[:space:]]+resource" <<<"$plugins" || { echo "the Pulumi $p plugin"; return; }
  done
}
engine="${TASKFLOW_ENGINE:-}"
missing="$(real_engine_missing)"
if [ -z "$engine" ]; then
  if [ -z "$missing" ]; then engine=real; else engine=rehearsal; fi
fi
case "$engine" in
  real|rehearsal) ;;
  *) echo "dev-up: TASKFLOW_ENGINE must be real or rehearsal (got $engine)" >&2; exit 64 ;;
esac
if [ "$engine" = real ] && [ -n "$missing" ]; then
  echo "dev-up: TASKFLOW_ENGINE=real but $missing is not installed" >&2
  exit 2
fi

bash scripts/ensure-docker.sh || exit 2
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 2
if [ "$destroy" = false ]; then
  # Only what the dev stack runs: the data stores, the gateway and its API tag.
  tag="$(node scripts/stack-image.mjs dev --version)"
  bash scripts/build-images.sh --api-tags "$tag" || exit 2
fi

if [ "$engine" = real ]; then
  # A file backend inside the repo: nothing leaves this machine.
  mkdir -p .pulumi-state
  export PULUMI_BACKEND_URL="file://$root/.pulumi-state"
  export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
  export PULUMI_SKIP_UPDATE_CHECK=true
  # The passphrase secrets provider keeps the stack's `encryptionsalt` in its config file
  # and needs it again to read the state. `pulumi stack init` writes it into
  # Pulumi.dev.yaml; move it into a copy under .pulumi-state (refreshed from
  # Pulumi.dev.yaml each run), so the committed file stays as it is.
  config=.pulumi-state/Pulumi.dev.yaml
  salt_file=.pulumi-state/dev.encryptionsalt
  if ! pulumi stack select dev 2>/dev/null; then
    cp Pulumi.dev.yaml .pulumi-state/Pulumi.dev.yaml.orig
    pulumi stack init dev
    grep -E '^encryptionsalt:' Pulumi.dev.yaml >"$salt_file" || true
    mv .pulumi-state/Pulumi.dev.yaml.orig Pulumi.dev.yaml
  fi
  cp Pulumi.dev.yaml "$config"
  if [ -s "$salt_file" ]; then cat "$salt_file" >>"$config"; fi
  if [ "$destroy" = true ]; then
    pulumi destroy -s dev --config-file "$config" --yes || exit 1
    exit 0
  fi
  pulumi up -s dev --config-file "$config" --yes || exit 1
  echo "dev stack: $(pulumi stack output url -s dev)"
else
  echo "dev-up: ${missing:-nothing} is not installed: running the rehearsal (same program, same Docker engine) instead."
  if [ "$destroy" = true ]; then
    npm run --silent rehearse -- --stack dev --destroy || exit 1
    exit 0
  fi
  npm run --silent rehearse -- --stack dev || exit 1
fi
