#!/usr/bin/env bash
# The checkout stand-in's one job: GITHUB_WORKSPACE holds REF, cloned from
# TASKFLOW_PIPELINE_REMOTE at DEPTH (0: the whole history), as actions/checkout leaves it.
set -euo pipefail
: "${TASKFLOW_PIPELINE_REMOTE:?the pipeline test sets the git remote}"
cd "$GITHUB_WORKSPACE"
git init -q .
git remote add origin "$TASKFLOW_PIPELINE_REMOTE"
if [ "$DEPTH" = "0" ]; then
  git fetch -q origin '+refs/heads/*:refs/remotes/origin/*'
  git fetch -q origin "$REF"
else
  git fetch -q --depth "$DEPTH" origin "$REF"
fi
git checkout -q --detach FETCH_HEAD
echo "checkout (stand-in): $(git rev-parse HEAD) at depth ${DEPTH}, $(git rev-list --count HEAD) commit(s) of history"
