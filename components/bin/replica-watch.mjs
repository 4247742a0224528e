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
// gateway routes around those). Exit 0 when `--count` new replicas are
// healthy (or at `--timeout`: the provider's own wait decides), 1 when it removed one,
// 64 usage.
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import labels from "../labels.js";

const USAGE = "usage: replica-watch.mjs --stack STACK --image IMAGE_ID --count N --timeout SECONDS";

/**
 * Pulumi starts the replicas' creates and this watch together; a container may exist a
 * moment before this process does. Older ones of the same image (pending deletes of a
 * failed update) are minutes old.
 */
const CREATED_SLACK_MS = 30_000;

function docker(args) {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) throw new Error(`docker ${args[0]} failed: ${(r.stderr || "").trim().split("\n").at(-1)}`);
  return r.stdout.trim();
}

export function parseArgs(argv) {
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
  if (!out.stack || !/^sha256:[0-9a-f]{64}$/.test(out.image ?? "")) throw new Error(`--stack and --image (sha256:<64 hex digits>) are required\n${USAGE}`);
  return out;
}

/**
 * One look at the stack's API containers: `{ id, name, image, created (ms), health }`.
 * Returns the new ones to remove (unhealthy), how many new ones are healthy, and how
 * many are still starting.
 */
export function judge(containers, image, startedMs) {
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
 * replicas are judged, so none is left running).
 */
export function verdict({ healthy, starting }, removedCount, count) {
  if (removedCount > 0) return starting === 0 && removedCount + healthy >= count ? 1 : undefined;
  return healthy >= count ? 0 : undefined;
}

function look(stack) {
  const ids = docker(["ps", "-aq", "--filter", `label=${labels.LABELS.stack}=${stack}`, "--filter", `label=${labels.LABELS.role}=api`])
    .split("\n").filter(Boolean);
  if (ids.length === 0) return [];
  const format = "{{.Id}} {{.Name}} {{.Image}} {{.Created}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}";
  return docker(["inspect", "--format", format, ...ids]).split("\n").filter(Boolean).map((line) => {
    const [id, name, image, created, health] = line.split(" ");
    return { id, name: name.replace(/^\//, ""), image, created: Date.parse(created), health };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
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
    try { containers = look(args.stack); } catch (e) { console.error(`replica-watch: ${e.message}`); }
    const look1 = judge(containers, args.image, started);
    for (const c of look1.remove) {
      try { docker(["rm", "-f", c.id]); } catch { /* gone already */ }
      removed.push(c.name);
      console.error(`replica-watch: removed ${c.name}: Docker reports it unhealthy (its health check kept failing after its start period)`);
    }
    const exit = verdict(look1, removed.length, args.count);
    if (exit === 1) {
      console.error(`replica-watch: the new image never became healthy (${removed.join(", ")} removed); the old replicas keep serving`);
      process.exit(1);
    }
    if (exit === 0) {
      console.log(`replica-watch: ${args.count} new replica(s) healthy after ${((Date.now() - started) / 1000).toFixed(1)}s`);
      process.exit(0);
    }
    if (Date.now() - started > args.timeout * 1000) {
      if (removed.length) {
        console.error(`replica-watch: the new image never became healthy (${removed.join(", ")} removed); the old replicas keep serving`);
        process.exit(1);
      }
      console.log(`replica-watch: ${args.timeout}s passed; the provider's wait decides`);
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
