#!/usr/bin/env node
// Runs beside the creation of new API replicas and removes a new replica as soon as
// Docker calls it `unhealthy`. The docker provider's `wait` polls only for `healthy`
// and would keep a never-healthy replica until `waitTimeout`
// (terraform-provider-docker internal/provider/resource_docker_container_funcs.go:590-628),
// and a failed update then leaves it running, in state, until the next good update.
// Once the container is gone the provider's inspect fails at once, so the update fails
// within a second, and nothing is left running. Only containers of this stack and role
// that run the new image (`--image`, its id) and were created around or after the
// watch's start count: old replicas, even unhealthy ones, are never touched (the
// gateway routes around those). Exit 0 when `--count` new replicas are healthy (or at
// `--timeout` having removed none: the provider's own wait decides), 1 when it removed
// any (once no new replica is still starting, or at `--timeout`), 64 usage.
"use strict";
const labels = require("../shared/labels.js");
const { docker } = require("../shared/hostDocker.js");

const USAGE = "usage: replica-watch.js --stack STACK --image IMAGE_ID --count N --timeout SECONDS";

/**
 * Pulumi starts the replicas' creates and this watch together; a container may exist a
 * moment before this process does. Older ones of the same image (pending deletes of a
 * failed update) are minutes old.
 */
const CREATED_SLACK_MS = 30_000;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!["--stack", "--image", "--count", "--timeout"].includes(flag) || value === undefined) throw new Error(USAGE);
    out[flag.slice(2)] = value;
  }
  for (const k of ["count", "timeout"]) {
    if (!/^\d{1,5}$/.test(out[k] ?? "") || Number(out[k]) < 1) throw new Error(`--${k} must be a whole number of at least 1\n${USAGE}`);
    out[k] = Number(out[k]);
  }
  if (!out.stack || !/^sha256:[0-9a-f]{64}$/.test(out.image ?? ""))
    throw new Error(`--stack and --image (sha256:<64 hex digits>) are required\n${USAGE}`);
  return out;
}

/**
 * One look at the stack's API containers: `{ id, name, image, created (ms), health }`.
 * Returns the new ones to remove (unhealthy), how many new ones are healthy, and how
 * many are still starting.
 */
function judge(containers, image, startedMs) {
  const fresh = containers.filter((c) => c.image === image && c.created >= startedMs - CREATED_SLACK_MS);
  return {
    remove: fresh.filter((c) => c.health === "unhealthy"),
    healthy: fresh.filter((c) => c.health === "healthy").length,
    starting: fresh.filter((c) => c.health !== "healthy" && c.health !== "unhealthy").length,
  };
}

/**
 * What to do after a look: keep watching, or exit 0 (every new replica healthy) or 1
 * (some were removed, and none is still starting: a bad release fails once all its
 * replicas are judged, so none is left running). At the timeout the watch stops
 * either way: 1 if it removed any, else 0 and the provider's own wait decides.
 */
function verdict({ healthy, starting }, removedCount, count, timedOut = false) {
  if (removedCount > 0) return (starting === 0 && removedCount + healthy >= count) || timedOut ? 1 : undefined;
  return healthy >= count || timedOut ? 0 : undefined;
}

function look(stack) {
  const ids = docker(["ps", "-aq", "--filter", `label=${labels.LABELS.stack}=${stack}`, "--filter", `label=${labels.LABELS.role}=api`])
    .split("\n")
    .filter(Boolean);
  if (ids.length === 0) return [];
  const format = "{{.Id}} {{.Name}} {{.Image}} {{.Created}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}";
  return docker(["inspect", "--format", format, ...ids])
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id, name, image, created, health] = line.split(" ");
      return { id, name: name.replace(/^\//, ""), image, created: Date.parse(created), health };
    });
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`replica-watch: ${e.message}`);
    process.exit(64);
  }
  const started = Date.now();
  const removed = [];
  for (;;) {
    let containers = [];
    try {
      containers = look(args.stack);
    } catch (e) {
      console.error(`replica-watch: ${e.message}`);
    }
    const seen = judge(containers, args.image, started);
    for (const c of seen.remove) {
      try {
        docker(["rm", "-f", c.id]);
      } catch {
        /* gone already */
      }
      removed.push(c.name);
      console.error(`replica-watch: removed ${c.name}: Docker reports it unhealthy (its health check kept failing after its start period)`);
    }
    const seconds = (Date.now() - started) / 1000;
    const exit = verdict(seen, removed.length, args.count, seconds > args.timeout);
    if (exit === 1) {
      console.error(`replica-watch: the new image never became healthy (${removed.join(", ")} removed); the old replicas keep serving`);
      process.exit(1);
    }
    if (exit === 0) {
      console.log(
        seen.healthy >= args.count
          ? `replica-watch: ${args.count} new replica(s) healthy after ${seconds.toFixed(1)}s`
          : `replica-watch: ${args.timeout}s passed; the provider's wait decides`,
      );
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

if (require.main === module) main();

exports.parseArgs = parseArgs;
exports.judge = judge;
exports.verdict = verdict;
