#!/usr/bin/env bash
# The pulumi/actions stand-in's one job (see action.yml).
set -euo pipefail
: "${TASKFLOW_REHEARSAL_STATE_DIR:?the pipeline test sets the shared rehearsal state folder}"
echo "$GITHUB_ACTION_PATH/bin" >>"$GITHUB_PATH"
if [ -z "$COMMAND" ]; then
  echo "pulumi (stand-in): CLI ${CLI_VERSION:-?} installed (a shim over the rehearsal state)"
  exit 0
fi
# As pulumi/actions: a command logs in to the backend, which needs a token.
: "${PULUMI_ACCESS_TOKEN:?PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions}"
cd "$GITHUB_WORKSPACE/$WORK_DIR"
rehearse=(node -r ts-node/register/transpile-only rehearsal/cli.ts --stack "$STACK")
case "$COMMAND" in
  up)
    # The policy pack is the mocks' to check (tests/policy); the rehearsal does not run it.
    echo "pulumi (stand-in): up -s $STACK (policy pack ${POLICY_PACKS:-none}: checked by tests/policy, not here)"
    "${rehearse[@]}" --config-from "$STACK"
    ;;
  destroy)
    # As pulumi/actions: a stack that does not exist is an error, not a no-op.
    [ -f "$TASKFLOW_REHEARSAL_STATE_DIR/$STACK.json" ] || { echo "error: no stack named '$STACK' found" >&2; exit 255; }
    echo "pulumi (stand-in): destroy -s $STACK${REMOVE:+ (remove: $REMOVE)}"
    "${rehearse[@]}" --destroy
    if [ "$REMOVE" = "true" ]; then rm -f "$TASKFLOW_REHEARSAL_STATE_DIR/$STACK.json"; fi
    ;;
  *)
    echo "pulumi (stand-in): '$COMMAND' is not modelled by the rehearsal" >&2
    exit 1
    ;;
esac
