// Preview stacks on the local engine: staging and two pull-request previews side by
// side, each from the real staging stack file through previews/cli.ts (with
// local images and the local engine substituted). No name or port collides, each
// preview has its own empty database, and destroying a preview leaves nothing with
// its label while staging keeps serving.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROOT } from "../../config/stackFile";
import { containers, docker, freePort, get, RehearsalResult, rehearse, removeStack, uniqueStack } from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

const aliases: string[] = [];

/** A content-addressed tag (12 hex of the image id): "pinned" as staging requires, and true. */
function pinnedAlias(image: string): string {
  const id = docker("image", "inspect", "-f", "{{.Id}}", image).replace("sha256:", "").slice(0, 12);
  const alias = `${image.split(":")[0]}:${id}`;
  docker("tag", image, alias);
  aliases.push(alias);
  return alias;
}

const labeled = (kind: string[], stack: string) =>
  docker(...kind, "-q", "--filter", `label=taskflow.stack=${stack}`)
    .split("\n")
    .filter(Boolean);

describe.skipIf(skipRehearsal)("preview stacks beside staging on real Docker", () => {
  requireDocker();
  const dir = mkdtempSync(path.join(os.tmpdir(), "previews-"));
  const staging = uniqueStack("rh-staging");
  // Two PR numbers whose preview ports (20000 + n) are free here.
  const prs: number[] = [];
  const previews = () => prs.map((n) => `pr-${n}`);
  const results: Record<string, RehearsalResult> = {};
  const ports: Record<string, number> = {};
  let local: Record<string, unknown>;
  let apiImage: string;

  const previewConfig = (pr: number) =>
    execFileSync(
      "node",
      [
        "-r",
        "ts-node/register/transpile-only",
        "previews/cli.ts",
        "config",
        "--pr",
        String(pr),
        "--image",
        apiImage,
        "--out",
        path.join(dir, `Pulumi.pr-${pr}.yaml`),
      ],
      { cwd: ROOT, encoding: "utf8" },
    );

  beforeAll(async () => {
    local = {
      "docker.host": "unix:///var/run/docker.sock",
      "gateway.bindAddress": "127.0.0.1",
      "gateway.image": pinnedAlias("taskflow-caddy:2.6"),
      "postgres.image": pinnedAlias("taskflow-postgres:15"),
      "redis.image": pinnedAlias("taskflow-redis:7"),
      // The fixture image reports the version it was built as, not its tag.
      "api.version": "v1",
    };
    apiImage = pinnedAlias("taskflow-api:v1");
    while (prs.length < 2) {
      const n = 100 + Math.floor(Math.random() * 899);
      if (prs.includes(n) || labeled(["ps", "-a"], `pr-${n}`).length) continue;
      if (await portFree(20000 + n)) prs.push(n);
    }
    ports[staging] = await freePort();
    // Staging's own rule asks for digests, which images built here (never pushed to a
    // registry) do not have: its stand-in runs staging's file as environment preview,
    // which keeps the pinned-tag rule and everything else of staging's.
    results[staging] = await rehearse(
      staging,
      {
        ...local,
        environment: "preview",
        image: apiImage,
        "gateway.hostPort": ports[staging],
        "gateway.publicUrl": `http://127.0.0.1:${ports[staging]}`,
      },
      [],
      ["--config-from", "staging"],
    );
    for (const pr of prs) {
      const out = previewConfig(pr);
      ports[`pr-${pr}`] = Number(/^port=(\d+)$/m.exec(out)![1]);
      results[`pr-${pr}`] = await rehearse(
        `pr-${pr}`,
        { ...local, "gateway.publicUrl": `http://127.0.0.1:${ports[`pr-${pr}`]}` },
        [],
        ["--config-file", path.join(dir, `Pulumi.pr-${pr}.yaml`)],
      );
    }
  }, 480_000);
  afterAll(async () => {
    for (const s of [staging, ...previews()]) await removeStack(s);
    if (aliases.length) docker("rmi", ...aliases); // only the tags: the images keep their own
    rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("runs staging and both previews, each on its own port", async () => {
    for (const s of [staging, ...previews()]) {
      expect(results[s].error, s).toBeUndefined();
      expect((await get(ports[s], "/api/v1/status")).body.version).toBe("v1");
    }
    expect(ports[`pr-${prs[0]}`]).toBe(20000 + prs[0]);
    expect(new Set(Object.values(ports)).size).toBe(3);
  });

  it("shares no container, network or volume between the stacks", () => {
    const of = (kind: string[]) => [staging, ...previews()].map((s) => labeled(kind, s));
    for (const kind of [
      ["ps", "-a"],
      ["network", "ls"],
      ["volume", "ls"],
    ]) {
      const sets = of(kind);
      for (const ids of sets) expect(ids.length).toBeGreaterThan(0);
      expect(new Set(sets.flat()).size, kind.join(" ")).toBe(sets.flat().length);
    }
    // One API replica per preview (previews.replicas), two in staging.
    expect(containers(`pr-${prs[0]}`, "api")).toHaveLength(1);
    expect(containers(staging, "api")).toHaveLength(2);
  });

  it("gives each preview its own empty database", async () => {
    const made = await fetch(`http://127.0.0.1:${ports[staging]}/api/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"title":"staging only"}',
    });
    expect(made.status).toBe(201);
    expect((await get(ports[staging], "/api/v1/tasks")).body.tasks.length).toBeGreaterThan(0);
    for (const p of previews()) expect((await get(ports[p], "/api/v1/tasks")).body.tasks).toEqual([]);
  });

  it("destroys a preview without leaving a container, network or volume, and staging keeps serving", async () => {
    const [gone, kept] = previews();
    const destroyed = await rehearse(gone, {}, ["--destroy"]);
    expect(destroyed.error).toBeUndefined();
    for (const kind of [
      ["ps", "-a"],
      ["network", "ls"],
      ["volume", "ls"],
    ])
      expect(labeled(kind, gone), kind.join(" ")).toEqual([]);
    expect((await get(ports[staging], "/health")).status).toBe(200);
    expect((await get(ports[kept], "/health")).status).toBe(200);
  }, 120_000);
});

/** True when nothing listens on 127.0.0.1:port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}
