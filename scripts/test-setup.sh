#!/usr/bin/env bash
# Runs before `npm test`: a Docker engine and the local images for the real-Docker
# tests. Under CI (CI=true) a failure here fails the run; elsewhere it prints why and
# the real-Docker tests skip with that reason.
set -euo pipefail

if [ "${1:-}" = "--help" ]; then
  echo "usage: scripts/test-setup.sh   (ensure-go-tools.sh, ensure-docker.sh, then build-images.sh; strict when CI=true)"
  exit 0
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# actionlint (npm run lint) and act (tests/pipeline): without them those fail (they never skip).
bash "$root/scripts/ensure-go-tools.sh" || echo "test-setup: actionlint/act could not be installed; the lint and pipeline tests will fail" >&2
if bash "$root/scripts/ensure-docker.sh" && bash "$root/scripts/build-images.sh"; then
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "test-setup: Docker or the local images could not be prepared; CI needs them" >&2
  exit 1
fi
echo "test-setup: no Docker here; the real-Docker tests will be skipped (they run in CI)" >&2
