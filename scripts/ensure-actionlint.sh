#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter `npm run lint` runs) into
# .tools/bin with `go install`, from the Go module proxy, at the version pinned here.
# Idempotent: does nothing when .tools/bin/actionlint is that version.
set -euo pipefail

VERSION=v1.7.12
if [ "${1:-}" = "--help" ]; then
  echo "usage: scripts/ensure-actionlint.sh   (go install github.com/rhysd/actionlint/cmd/actionlint@$VERSION into .tools/bin)"
  exit 0
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
if [ -x "$bin/actionlint" ] && [ "$("$bin/actionlint" -version | head -1)" = "$VERSION" ]; then
  exit 0
fi
command -v go >/dev/null || { echo "ensure-actionlint: needs Go (go install) to install actionlint $VERSION" >&2; exit 1; }
echo "ensure-actionlint: installing actionlint $VERSION into .tools/bin"
GOBIN="$bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
