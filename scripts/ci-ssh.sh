#!/usr/bin/env bash
# CI: installs the deploy SSH key and the Docker host's known host key, so
# DOCKER_HOST=ssh://... works for the docker provider and the commands.
set -euo pipefail
if [ "${1:-}" = "--help" ]; then
  echo "usage: SSH_KEY=... SSH_KNOWN_HOSTS=... scripts/ci-ssh.sh   (writes ~/.ssh/id_ed25519 and ~/.ssh/known_hosts)"
  exit 0
fi
: "${SSH_KEY:?SSH_KEY is empty: set the environment secret DOCKER_SSH_KEY}"
: "${SSH_KNOWN_HOSTS:?SSH_KNOWN_HOSTS is empty: set the variable DOCKER_KNOWN_HOSTS}"
mkdir -p ~/.ssh && chmod 700 ~/.ssh
printf '%s\n' "$SSH_KEY" > ~/.ssh/id_ed25519 && chmod 600 ~/.ssh/id_ed25519
printf '%s\n' "$SSH_KNOWN_HOSTS" > ~/.ssh/known_hosts
