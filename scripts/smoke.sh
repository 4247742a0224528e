#!/usr/bin/env bash
# Smoke test after a deploy, through the public URL: /health answers 200, /api/v1/status
# reports the expected version, and a read through the database answers (the health gate
# checks the first two only: a release whose queries fail passes it), retried a bounded
# number of times.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/smoke.sh URL EXPECTED_VERSION
Checks URL/health (200), URL/api/v1/status ("version" == EXPECTED_VERSION) and
URL/api/v1/tasks/0 (404 "task not found": a read through the database; ids start at 1, so
nothing is written or shown; a generic 404 means the route is gone, and fails).
Env: SMOKE_ATTEMPTS (default 30), SMOKE_INTERVAL seconds (default 2).
Exit codes: 0 pass, 1 fail after all attempts, 64 usage.
USAGE
}
[ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -eq 2 ] || { usage >&2; exit 64; }
url="${1%/}" expected="$2"
attempts="${SMOKE_ATTEMPTS:-30}" interval="${SMOKE_INTERVAL:-2}"

last=""
for i in $(seq 1 "$attempts"); do
  health="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/health" || true)"
  version="$(curl -s --max-time 5 "$url/api/v1/status" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).version??"")}catch{console.log("")}})' || true)"
  # The body, then the status on a line of its own.
  db="$(curl -s -w '\n%{http_code}' --max-time 5 "$url/api/v1/tasks/0" || true)"
  db_status="${db##*$'\n'}"
  db_ok=false
  if [ "$db_status" = "404" ] && [[ "$db" == *'"task not found"'* ]]; then db_ok=true; fi
  if [ "$health" = "200" ] && [ "$version" = "$expected" ] && [ "$db_ok" = true ]; then
    echo "smoke: $url healthy, version $version, database read answers (attempt $i)"
    exit 0
  fi
  last="health $health, version '${version}', database read ${db_status:-000}"
  if [ "$db_status" = "404" ] && [ "$db_ok" = false ]; then last="$last without \"task not found\""; fi
  sleep "$interval"
done
echo "smoke: FAILED after $attempts attempts: $last (expected health 200, version '$expected', database read 404 \"task not found\")" >&2
exit 1
