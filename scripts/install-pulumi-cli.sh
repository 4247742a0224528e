#!/usr/bin/env bash
# Builds the Pulumi CLI at the version this project pins (@pulumi/pulumi in
# package.json) from the Go module proxy, once, and caches it. Only the CLI: its
# Node.js language host and the provider plugins are served by no registry these
# machines reach, so a user installs them as Pulumi documents (README "Toolchain").
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/install-pulumi-cli.sh [--print-path] [--help]
Builds `pulumi` vX.Y.Z (the @pulumi/pulumi version in package.json) with `go build`
from the Go module proxy into $TASKFLOW_CACHE/pulumi-cli/vX.Y.Z/bin/pulumi (default
~/.cache/taskflow), unless it is already there. About 7 minutes on 2 idle cores,
20 on busy ones; 112 MB, plus about 3 GB of Go module and build cache.
It does not touch PATH: add the printed directory yourself.
  --print-path  print the directory that holds `pulumi` (building it first if needed)
Needs: go (1.25 or newer) and the Go module proxy.
Exit codes: 0 built or already there, 1 the build failed, 2 go is missing, 64 usage.
USAGE
}
print_path=false
for arg in "$@"; do
  case "$arg" in
    --help) usage; exit 0 ;;
    --print-path) print_path=true ;;
    *) echo "install-pulumi-cli: unknown argument $arg" >&2; usage >&2; exit 64 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || { echo "install-pulumi-cli: go is not installed" >&2; exit 2; }
version="v$(node -p 'require(process.argv[1]).dependencies["@pulumi/pulumi"]' "$root/package.json")"
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "install-pulumi-cli: cannot read the pinned version (got $version)" >&2; exit 1; }
dir="${TASKFLOW_CACHE:-$HOME/.cache/taskflow}/pulumi-cli/$version"
if [ -x "$dir/bin/pulumi" ] && [ "$("$dir/bin/pulumi" version)" = "$version" ]; then
  [ "$print_path" = true ] && echo "$dir/bin" || echo "install-pulumi-cli: $dir/bin/pulumi $version is there"
  exit 0
fi

echo "install-pulumi-cli: building pulumi $version from the Go module proxy into $dir (several minutes)" >&2
mkdir -p "$dir/module" "$dir/bin"
cd "$dir/module"
cat >go.mod <<MOD
module taskflow.local/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 $version
	github.com/pulumi/pulumi/sdk/v3 $version
)
MOD
# pkg/v3 builds only with the replace directives of its own go.mod (a fork of
# atotto/clipboard): a module that requires it must repeat them, all but those that
# point into pulumi's own repository (`=> ../sdk`), which the proxy serves instead.
pkg_mod="$(GOFLAGS=-mod=mod go mod download -json "github.com/pulumi/pulumi/pkg/v3@$version" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).GoMod))')"
grep -E '^replace ' "$pkg_mod" | grep -Ev '=> *\.' >>go.mod || true
cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
GOFLAGS=-mod=mod go mod tidy >&2
if ! GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$dir/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2; then
  echo "install-pulumi-cli: go build failed" >&2
  exit 1
fi
echo "install-pulumi-cli: built $("$dir/bin/pulumi" version) at $dir/bin/pulumi" >&2
[ "$print_path" = true ] && echo "$dir/bin"
exit 0
