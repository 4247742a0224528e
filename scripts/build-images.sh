#!/usr/bin/env bash
# Builds the local images the dev stack and the rehearsal use (no registry here):
# a Debian bookworm base from debootstrap, then Postgres, Redis, Caddy and the TaskFlow
# API (app/) FROM it. Idempotent: an image is rebuilt only when its inputs change (the
# hash of its build context, build args and base image is kept as a label).
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/build-images.sh [--api-tags TAG[,TAG...]] [--help]
Builds taskflow-base:bookworm (also tagged as app/Dockerfile's BASE_IMAGE),
taskflow-postgres:15, taskflow-redis:7, taskflow-caddy:2.6 and the TaskFlow API
(app/) as taskflow-api:{v1,v2,test,never-healthy,bad-migration,flaky,slow-start,errors} on
the local Docker engine, skipping images whose inputs have not changed.
  --api-tags  build only these API tags (e.g. v1 for the dev stack); default: all
Needs: docker (engine running), debootstrap (only when the base image is missing).
Env: TASKFLOW_CACHE (default ~/.cache/taskflow) keeps the debootstrap tree.
Exit codes: 0 built or up to date, 1 a build failed, 2 a tool is missing, 64 usage.
USAGE
}
api_tags="v1,v2,test,never-healthy,bad-migration,flaky,slow-start,errors"
while [ $# -gt 0 ]; do
  case "$1" in
    --help) usage; exit 0 ;;
    --api-tags) [ $# -ge 2 ] || { usage >&2; exit 64; }; api_tags="$2"; shift 2 ;;
    *) echo "build-images: unknown argument $1" >&2; usage >&2; exit 64 ;;
  esac
done
wanted() { case ",$api_tags," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${TASKFLOW_CACHE:-$HOME/.cache/taskflow}"
base=taskflow-base:bookworm

command -v docker >/dev/null || { echo "build-images: docker is not installed" >&2; exit 2; }
docker info >/dev/null 2>&1 || { echo "build-images: no Docker engine answers" >&2; exit 2; }

ensure_base() {
  if docker image inspect "$base" >/dev/null 2>&1; then
    echo "build-images: $base present"
    return
  fi
  command -v debootstrap >/dev/null || { echo "build-images: debootstrap is not installed" >&2; exit 2; }
  local tree="$cache/rootfs-bookworm"
  if [ ! -f "$tree/.complete" ]; then
    echo "build-images: debootstrap bookworm into $tree (a few minutes, once)"
    rm -rf "$tree" && mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$tree" >"$cache/debootstrap.log" 2>&1 \
      || { echo "build-images: debootstrap failed, see $cache/debootstrap.log" >&2; exit 1; }
    touch "$tree/.complete"
  fi
  tar -C "$tree" --exclude=./.complete -c . | docker import - "$base" >/dev/null
  echo "build-images: imported $base"
}

# app/Dockerfile names a pinned Debian base that CI runners pull from a registry; here,
# with no registry, the debootstrap base stands in under that same name.
app_base() {
  sed -n 's/^ARG BASE_IMAGE=//p' "$root/app/Dockerfile"
}

# build NAME:TAG CONTEXT [--build-arg K=V ...]
build() {
  local image="$1" context="$2"
  shift 2
  local hash current
  hash="$( (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; printf '%s\n' "$@"; docker image inspect -f '{{.Id}}' "$base") | sha256sum | cut -c1-16)"
  current="$(docker image inspect -f '{{index .Config.Labels "taskflow.inputs"}}' "$image" 2>/dev/null || true)"
  if [ "$current" = "$hash" ]; then
    echo "build-images: $image up to date"
    return
  fi
  echo "build-images: building $image"
  local log="$cache/build-${image//[:\/]/-}.log"
  mkdir -p "$cache"
  if ! docker build --label "taskflow.inputs=$hash" -t "$image" "$@" "$context" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "build-images: building $image failed (full log: $log)" >&2
    exit 1
  fi
}

ensure_base
docker tag "$base" "$(app_base)"
build taskflow-postgres:15 "$root/components/data/postgres-image"
build taskflow-redis:7 "$root/components/data/redis-image"
build taskflow-caddy:2.6 "$root/components/gateway/image"
# The TaskFlow API (app/): its test stage, two releases of the production image, and
# the fault tags the rollout tests deploy (the `faults` stage; never in production).
app="$root/app"
if wanted test; then build taskflow-api:test "$app" --target test; fi
for release in v1 v2; do
  if wanted "$release"; then build "taskflow-api:$release" "$app" --build-arg APP_VERSION="$release"; fi
done
for fault in never-healthy bad-migration flaky slow-start errors; do
  if wanted "$fault"; then build "taskflow-api:$fault" "$app" --target faults --build-arg APP_VERSION="$fault" --build-arg FAULT="$fault"; fi
done
echo "build-images: done"
