#!/usr/bin/env bash
# Makes sure a Docker engine answers and the test tools are there: installs docker.io,
# debootstrap, shellcheck, docker-registry, flake8, jq and openssh-server from Debian when
# missing, starts dockerd when no engine answers.
# Idempotent: does nothing on a machine that already has both.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/ensure-docker.sh [--help]
Installs docker.io, debootstrap, shellcheck, docker-registry, flake8, jq and openssh-server (apt-get, needs root)
when missing (no service of theirs is started) and starts
dockerd in the background when `docker info` does not answer; waits up to 60 s.
Exit codes: 0 engine answers, 1 could not install or start it.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v shellcheck >/dev/null || missing+=(shellcheck)
# The image registry the pipeline tests push to (tests/pipeline/registry.ts).
command -v docker-registry >/dev/null || missing+=(docker-registry)
# The workflows' run: lines use jq, which GitHub's runner images carry; the pipeline
# tests run those lines on this host.
command -v jq >/dev/null || missing+=(jq)
# The Python linter of `npm run lint` (Debian's, run by Debian's interpreter).
/usr/bin/python3 -m flake8 --version >/dev/null 2>&1 || missing+=(flake8)
# The pipeline tests reach their stacks' Docker host through an sshd of their own
# (tests/pipeline/sshd.ts runs /usr/sbin/sshd with its own configuration).
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-docker: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "ensure-docker: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  # No package starts a service of its own (the machine's sshd on port 22, a second
  # dockerd): Debian's invoke-rc.d asks policy-rc.d, and 101 means "not allowed".
  # Only when the machine has no policy of its own; removed again on exit.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  echo "ensure-docker: engine answers"
  exit 0
fi
echo "ensure-docker: starting dockerd (log: /tmp/dockerd.log)"
nohup dockerd >/tmp/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "ensure-docker: engine answers"
    exit 0
  fi
  sleep 1
done
echo "ensure-docker: dockerd did not answer within 60 s; see /tmp/dockerd.log" >&2
exit 1
