#!/usr/bin/env bash
# Installs the Go tools the tests use into .tools/bin with `go install`, from the Go
# module proxy, at the versions pinned here: actionlint (the workflow linter of
# `npm run lint`) and act (runs the workflow files for tests/pipeline).
# Idempotent: a tool already there at its version is left alone.
set -euo pipefail

TOOLS=(
  "actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12"
  "act github.com/nektos/act v0.2.89"
)
if [ "${1:-}" = "--help" ]; then
  echo "usage: scripts/ensure-go-tools.sh   (go install into .tools/bin: ${TOOLS[*]})"
  exit 0
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"
for tool in "${TOOLS[@]}"; do
  read -r name module version <<<"$tool"
  stamp="$bin/.$name.version"
  if [ -x "$bin/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    continue
  fi
  command -v go >/dev/null || { echo "ensure-go-tools: needs Go (go install) to install $name $version" >&2; exit 1; }
  echo "ensure-go-tools: installing $name $version into .tools/bin"
  GOBIN="$bin" go install "$module@$version"
  echo "$version" >"$stamp"
done
