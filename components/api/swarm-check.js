#!/usr/bin/env node
// Swarm runtime precondition, run before anything is created: DOCKER_HOST must reach a
// swarm manager, and that node (where Postgres and Redis run, with their volumes) must
// carry the data-node label. Exit 0 ok, 1 not ready (with what to do), 64 usage.
"use strict";
const { docker } = require("../shared/hostDocker.js");

const USAGE = "usage: swarm-check.js --data-label LABEL   (e.g. taskflow.data; the node needs LABEL=true)";

/** What is wrong with this node for the swarm runtime, or undefined when nothing is. */
function problem(info, labelValue, label) {
  const [state, manager] = info.split(" ");
  if (state !== "active")
    return `this Docker host is not in a swarm (state ${state || "unknown"}): run \`docker swarm init\` on it, or point docker.host at a manager`;
  if (manager !== "true") return "this Docker host is a swarm worker: point docker.host at a manager (services are created there)";
  if (labelValue !== "true") {
    return (
      `this node must be the data node, labeled ${label}=true (Postgres and Redis run here, with their volumes): ` +
      `docker node update --label-add ${label}=true $(docker node inspect self --format '{{.Description.Hostname}}')`
    );
  }
  return undefined;
}

if (require.main === module) {
  const [flag, label] = process.argv.slice(2);
  if (flag !== "--data-label" || !label) {
    console.error(USAGE);
    process.exit(64);
  }
  try {
    const info = docker(["info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}"]);
    const value = info.startsWith("active true")
      ? docker(["node", "inspect", "self", "--format", `{{ index .Spec.Labels ${JSON.stringify(label)} }}`])
      : "";
    const why = problem(info, value, label);
    if (why) {
      console.error(`swarm-check: ${why}`);
      process.exit(1);
    }
    console.log(`swarm-check: swarm manager and data node (${label}=true)`);
  } catch (e) {
    console.error(`swarm-check: ${e.message}`);
    process.exit(1);
  }
}

exports.problem = problem;
