// The operator scripts against a rehearsed stack's real containers.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/stackConfig";
import { containers, docker, freePort, get, rehearse, removeStack, uniqueStack } from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

function script(name: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", name), ...args], {
    cwd: ROOT, encoding: "utf8", input: opts.input ?? "", env: { ...process.env, ...opts.env }, timeout: 240_000,
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe("operator scripts", () => {
  it.each(["backup.sh", "restore.sh", "rollback.sh", "smoke.sh", "set-image.sh", "build-images.sh", "ensure-docker.sh", "dev-up.sh", "ci-ssh.sh", "test-setup.sh"])(
    "%s answers --help", (name) => {
      const r = script(name, ["--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: /);
    });

  it.each([["backup.sh", []], ["restore.sh", ["only-one"]], ["smoke.sh", ["http://x"]], ["rollback.sh", []]])("%s refuses missing arguments with 64", (name, args) => {
    expect(script(name, args as string[]).code).toBe(64);
  });
});

describe.skipIf(skipRehearsal)("operator scripts on real Docker", () => {
  requireDocker();
  const stack = uniqueStack("rh-ops");
  const dir = mkdtempSync(path.join(os.tmpdir(), "backups-"));
  let port: number;
  const psql = (sql: string) => docker("exec", containers(stack, "postgres")[0], "psql", "-U", "taskflow", "-d", "taskflow", "-Atc", sql);

  beforeAll(async () => {
    port = await freePort();
    for (const image of ["taskflow-api:v1", "taskflow-api:v2"]) {
      const r = await rehearse(stack, { "gateway.hostPort": port, image });
      if (!r.ok) throw new Error(`deploy failed: ${r.error}\n${r.log}`);
    }
  }, 240_000);
  afterAll(() => removeStack(stack), 120_000);

  it("smoke.sh passes for the version that runs and fails, bounded, for another", () => {
    expect(script("smoke.sh", [`http://127.0.0.1:${port}`, "v2"]).code).toBe(0);
    const fail = script("smoke.sh", [`http://127.0.0.1:${port}`, "v9"], { env: { SMOKE_ATTEMPTS: "2", SMOKE_INTERVAL: "1" } });
    expect(fail.code).toBe(1);
    expect(fail.err).toBe("smoke: FAILED after 2 attempts: health 200, version 'v2' (expected version 'v9')");
  });

  it("backs up, verifies, and restores after the rows are gone", async () => {
    await fetch(`http://127.0.0.1:${port}/api/v1/tasks`, { method: "POST", body: JSON.stringify({ title: "survive the restore" }) });
    const before = psql("SELECT id, title FROM tasks ORDER BY id");
    const backup = script("backup.sh", [stack, "--dir", dir, "--keep", "2"]);
    expect(backup.code).toBe(0);
    expect(backup.out).toMatch(new RegExp(`^${dir}/${stack}-\\d{8}T\\d{6}Z\\.dump$`));
    psql("DELETE FROM tasks");
    expect(psql("SELECT count(*) FROM tasks")).toBe("0");
    const restore = script("restore.sh", [stack, backup.out, "--yes"]);
    expect(restore.code).toBe(0);
    expect(psql("SELECT id, title FROM tasks ORDER BY id")).toBe(before);
  }, 60_000);

  it("keeps only the newest N dumps", async () => {
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 1100)); // distinct timestamps
      expect(script("backup.sh", [stack, "--dir", dir, "--keep", "2"]).code).toBe(0);
    }
    expect(readdirSync(dir).filter((f) => f.endsWith(".dump"))).toHaveLength(2);
  }, 60_000);

  it("restore.sh refuses a missing or corrupt file, or no confirmation, before touching the database", () => {
    const rows = psql("SELECT count(*) FROM tasks");
    expect(script("restore.sh", [stack, path.join(dir, "nope.dump"), "--yes"]).code).toBe(3);
    const corrupt = path.join(dir, "corrupt.dump");
    writeFileSync(corrupt, "not a dump at all");
    const bad = script("restore.sh", [stack, corrupt, "--yes"]);
    expect(bad.code).toBe(3);
    expect(bad.err).toBe(`restore: ${corrupt} is not a valid pg_dump custom-format file; nothing was changed`);
    const good = readdirSync(dir).find((f) => f.endsWith(".dump") && f.startsWith(stack))!;
    expect(script("restore.sh", [stack, path.join(dir, good)], { input: "n\n" }).code).toBe(4);
    expect(psql("SELECT count(*) FROM tasks")).toBe(rows);
  }, 60_000);

  it("rollback.sh returns the stack to the previous image from its history", async () => {
    const r = script("rollback.sh", [stack, "--yes"], { env: { TASKFLOW_REHEARSE: "1" } });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`rollback: stack ${stack}: taskflow-api:v2 -> taskflow-api:v1`);
    expect((await get(port, "/api/v1/status")).body.version).toBe("v1");
    expect(containers(stack, "api", "v2")).toEqual([]);
  }, 120_000);

  it("rollback.sh refuses a tag that exists neither on the host nor in a registry", () => {
    const r = script("rollback.sh", [stack, "no-such-tag", "--yes"], { env: { TASKFLOW_REHEARSE: "1" } });
    expect(r.code).toBe(2);
    expect(r.err).toBe("rollback: image taskflow-api:no-such-tag is neither on the Docker host nor in its registry");
  });
});
