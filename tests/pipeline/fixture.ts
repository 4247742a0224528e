// What every pipeline test sets up and takes down around its act runs: the tools, the
// registry with the runtime's images by digest, and afterwards the stacks it deployed,
// the images it pushed and its folder.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";

import { ROOT } from "../../config/stackFile";
import { freePort, removeLabeled } from "../../rehearsal/client";
import { ACT, makeRepo, Repo } from "./act";
import { pushByDigest, Registry, REGISTRY_BINARY, startRegistry } from "./registry";

export interface PipelineFixture {
  repo: Repo;
  registry: Registry;
  /** The shared rehearsal state: every job's "backend" (TASKFLOW_REHEARSAL_STATE_DIR). */
  stateDir: string;
  /** Image names pushed to the registry (removed from the engine afterwards). */
  pushed: string[];
  /** The gateway's, Postgres's and Redis's images by digest, as stack settings. */
  runtimeImages: Record<string, string>;
}

/** act, the registry, a repository with its remote, and the runtime's images pushed by digest. */
export async function setUpPipeline(): Promise<PipelineFixture> {
  for (const [what, file] of [
    ["act", ACT],
    ["docker-registry", REGISTRY_BINARY],
  ])
    if (!existsSync(file)) throw new Error(`${what} is missing (${file}): npm test's pretest installs it`);
  const repo = makeRepo();
  const registry = await startRegistry(repo.dir, await freePort());
  const at = (name: string) => `${registry.address}/taskflow/${name}`;
  const runtimeImages = {
    "gateway.image": pushByDigest("taskflow-caddy:2.6", at("taskflow-gateway:2.6")),
    "postgres.image": pushByDigest("taskflow-postgres:15", at("taskflow-postgres:15")),
    "redis.image": pushByDigest("taskflow-redis:7", at("taskflow-redis:7")),
  };
  const pushed = Object.values(runtimeImages).map((ref) => ref.split("@")[0]);
  return { repo, registry, stateDir: path.join(repo.dir, "pulumi-state"), pushed, runtimeImages };
}

/**
 * Destroys `stacks` through the engine (each with its stack file from the work clone when
 * it has one: its docker.host; `wrap` runs the command, e.g. in the runs' namespace),
 * removes whatever still carries their labels, the images and the folder.
 */
export function tearDownPipeline(
  f: PipelineFixture | undefined,
  stacks: string[],
  wrap: (argv: string[]) => [string, string[]] = ([cmd, ...args]) => [cmd, args],
): void {
  if (!f) return;
  for (const stack of stacks) {
    const file = path.join(f.repo.work, `Pulumi.${stack}.yaml`);
    const [cmd, args] = wrap([
      "node", "-r", "ts-node/register/transpile-only", "rehearsal/cli.ts", "--stack", stack, "--destroy",
      ...(existsSync(file) ? ["--config-file", file] : []),
    ]); // prettier-ignore
    spawnSync(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, TASKFLOW_REHEARSAL_STATE_DIR: f.stateDir },
      stdio: "ignore",
    });
    removeLabeled(stack);
  }
  f.registry.stop();
  for (const image of f.pushed) spawnSync("docker", ["rmi", "-f", image], { stdio: "ignore" });
  rmSync(f.repo.dir, { recursive: true, force: true });
}
