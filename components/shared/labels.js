// The label keys every TaskFlow object carries, in one place. Containers, networks and
// volumes get them from the program (containerDefaults.ts); the one-shot containers
// of commands (migration, key writer, health probe) from labelArgs; the policy pack,
// the rehearsal and the benchmark find objects by them. Dependency-free CommonJS, so
// the plain Node programs (gates/health-gate.js, api/replica-watch.js) share it; typed by labels.d.ts.
"use strict";

const LABELS = Object.freeze({
  /** The stack an object belongs to: what cleanup and the tests select on. */
  stack: "taskflow.stack",
  /** What it is: api, gateway, gateway-caddy, postgres, migration, ... */
  role: "taskflow.role",
  /** The release an API replica or task runs. */
  version: "taskflow.version",
  /**
   * A digest of the secret files an API replica (its connection strings, its key) or
   * Redis (redis.conf, its password) reads: a rotated password changes it, which replaces
   * the container (replicas new ones first), because each reads those files only when it starts. (Not named "secret": the policy pack
   * refuses labels named like one.)
   */
  rotation: "taskflow.rotation",
  /** Created by the program (not by hand). */
  managedBy: "taskflow.managed-by",
});

/** `docker run --label` arguments for a one-shot container of a stack with a role. */
function labelArgs(stack, role) {
  return ["--label", `${LABELS.stack}=${stack}`, "--label", `${LABELS.role}=${role}`];
}

exports.LABELS = LABELS;
exports.labelArgs = labelArgs;
