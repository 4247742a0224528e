// Preview stacks derived from the staging stack file: what changes, what must not
// collide, the cap, and which stacks the scheduled cleanup removes.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

import { describe, expect, it } from "vitest";
import { parse } from "yaml";

import { loadConfig, toPulumiConfig } from "../../config";
import { ROOT } from "../../config/stackFile";
import { checkPreviewCap, previewStackConfig, sameDockerHost, stalePreviews } from "../../previews/previewStack";
import { ofType, runProgram, T } from "../mocks";

const staging = () => parse(readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8")).config as Record<string, unknown>;
const IMAGE = "ghcr.io/taskflow/taskflow-api:0123456789abcdef0123456789abcdef01234567";

describe("previewStackConfig", () => {
  const preview = previewStackConfig(staging(), 123, IMAGE);
  const config = loadConfig(toPulumiConfig(preview.config));

  it("names the stack pr-<n>, runs the PR's image and staging's other images, on the previews' own Docker host", () => {
    const s = loadConfig(toPulumiConfig(staging()));
    expect(preview.stack).toBe("pr-123");
    expect(config.environment).toBe("preview");
    expect(config.image).toBe(IMAGE);
    expect([config.gateway.image, config.postgres.image, config.redis.image]).toEqual([s.gateway.image, s.postgres.image, s.redis.image]);
    expect(config.docker.host).toBe("ssh://preview@previews.taskflow.example");
    expect(config.docker.host).not.toBe(s.docker.host);
  });

  it("refuses to derive a preview without a Docker host of its own, or with staging's", () => {
    const without = { ...staging(), "taskflow:previews": { ...(staging()["taskflow:previews"] as object), dockerHost: undefined } };
    expect(() => previewStackConfig(without, 7, IMAGE)).toThrow(
      "taskflow:previews.dockerHost: got nothing (the key is missing); expected the Docker host previews deploy to",
    );
    const shared = {
      ...staging(),
      "taskflow:previews": { ...(staging()["taskflow:previews"] as object), dockerHost: "ssh://deploy@staging.taskflow.example" },
    };
    expect(() => previewStackConfig(shared, 7, IMAGE)).toThrow(
      `taskflow:previews.dockerHost: got "ssh://deploy@staging.taskflow.example"; expected a host other than staging's docker.host`,
    );
  });

  it.each([
    "ssh://deploy@STAGING.taskflow.example",
    "ssh://deploy@staging.taskflow.example:22",
    "ssh://preview@staging.taskflow.example",
    "ssh://deploy@staging.taskflow.example.",
  ])("refuses staging's host written another way: %s", (host) => {
    const shared = { ...staging(), "taskflow:previews": { ...(staging()["taskflow:previews"] as object), dockerHost: host } };
    expect(() => previewStackConfig(shared, 7, IMAGE)).toThrow("expected a host other than staging's docker.host");
  });

  it("tells other hosts apart from staging's: another name, another SSH port", () => {
    expect(sameDockerHost("ssh://deploy@previews.taskflow.example", "ssh://deploy@staging.taskflow.example")).toBe(false);
    expect(sameDockerHost("ssh://deploy@staging.taskflow.example:2222", "ssh://deploy@staging.taskflow.example")).toBe(false);
  });

  it("publishes its own port on a URL of its own, plain HTTP", () => {
    expect(preview.hostPort).toBe(20123);
    expect(config.gateway.hostPort).toBe(20123);
    expect(preview.url).toBe("http://pr-123.preview.taskflow.example:20123");
    expect(config.gateway.publicUrl).toBe(preview.url);
    expect(config.gateway.domain).toBeUndefined();
    expect(previewStackConfig(staging(), 124, IMAGE).hostPort).not.toBe(preview.hostPort);
  });

  it("turns off what a preview must not have: backups, protection (the GitHub side is another project)", () => {
    expect(config.backup.enabled).toBe(false);
    expect(config.protectData).toBe(false);
    for (const key of ["taskflow:previews", "taskflow:backup", "taskflow:protectData"]) {
      expect(preview.config).not.toHaveProperty([key]);
    }
    expect(config.api.replicas).toBe(1);
  });

  it("keeps staging's pinning rule: a movable tag is refused before anything is written", () => {
    expect(() => previewStackConfig(staging(), 5, "ghcr.io/taskflow/taskflow-api:latest")).toThrow(
      /taskflow:image: got "ghcr.io\/taskflow\/taskflow-api:latest"; expected an immutable image/,
    );
    expect(() => previewStackConfig(staging(), 0, IMAGE)).toThrow("pull request number: got 0; expected a whole number from 1");
  });

  it("declares a runtime whose every object carries the preview's stack label and no GitHub resource", async () => {
    const run = await runProgram("pr-123", toPulumiConfig(preview.config));
    for (const r of [...ofType(run, T.container), ...ofType(run, T.network), ...ofType(run, T.volume)]) {
      expect(r.inputs.labels).toContainEqual({ label: "taskflow.stack", value: "pr-123" });
      expect(r.inputs.name).toBeUndefined(); // auto-named: unique per stack
    }
    expect(run.resources.filter((r) => r.type.startsWith("github:"))).toEqual([]);
    expect(run.outputs.url).toBe(preview.url);
  });
});

describe("checkPreviewCap", () => {
  const capped = { ...staging(), "taskflow:previews": { maxConcurrent: 2, hostPortBase: 20000, portSlots: 100 } };

  it("lets a preview start below the cap, and an existing preview update at the cap", () => {
    expect(() => checkPreviewCap(capped, 3, ["staging", "pr-1"])).not.toThrow();
    expect(() => checkPreviewCap(capped, 2, ["staging", "pr-1", "pr-2"])).not.toThrow();
  });

  it("refuses a new preview at the cap, naming the running ones and the key to change", () => {
    expect(() => checkPreviewCap(capped, 3, ["production", "pr-1", "staging", "pr-2"])).toThrow(
      "preview cap reached: 2 previews are running (pr-1, pr-2) and taskflow:previews.maxConcurrent in Pulumi.staging.yaml is 2. " +
        "Close or merge a pull request (its preview is destroyed), or raise the cap.",
    );
  });

  it("refuses a preview whose port a running preview already holds", () => {
    expect(() => checkPreviewCap(capped, 105, ["pr-5"])).toThrow(/preview port clash: pr-105 and pr-5 would both publish port 20005/);
  });
});

describe("stalePreviews", () => {
  it("lists preview stacks whose pull request is not open, and never staging or production", () => {
    expect(stalePreviews(["staging", "production", "pr-1", "pr-2", "pr-30"], [2, 7])).toEqual(["pr-1", "pr-30"]);
    expect(stalePreviews(["pr-2"], [2])).toEqual([]);
  });
});

describe("previews/cli.ts", () => {
  const cli = (...args: string[]) =>
    spawnSync("node", ["-r", "ts-node/register/transpile-only", "previews/cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });

  it("exits 1 with the cap message, 64 on bad usage, and prints the stacks to clean up", () => {
    const full = cli("cap", "--pr", "9", "--stacks", "pr-1 pr-2 pr-3 pr-4 pr-5 staging");
    expect(full.status).toBe(1);
    expect(full.stderr).toContain("preview-stack: preview cap reached: 5 previews are running (pr-1, pr-2, pr-3, pr-4, pr-5)");
    const bad = cli("config", "--pr", "x", "--image", IMAGE);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain('--pr: got "x"; expected a pull request number');
    expect(cli("stale", "--stacks", "pr-1 pr-2 staging", "--open", "2").stdout).toBe("pr-1\n");
  }, 30_000);
});
