// The operator scripts against a rehearsed stack's real containers.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ROOT } from "../../config/stackFile";
import { containers, freePort, get, psql as psqlIn, rehearse, removeStack, uniqueStack } from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

// restore.sh's safety dumps go to a temporary directory, never into the checkout.
const SAFETY_DIR = mkdtempSync(path.join(os.tmpdir(), "restore-safety-"));

function script(name: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", name), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    input: opts.input ?? "",
    env: { ...process.env, RESTORE_SAFETY_DIR: SAFETY_DIR, ...opts.env },
    timeout: 240_000,
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

describe("operator scripts", () => {
  it.each([
    "backup.sh",
    "restore.sh",
    "rollback.sh",
    "smoke.sh",
    "set-image.sh",
    "build-images.sh",
    "ensure-docker.sh",
    "dev-up.sh",
    "ci-ssh.sh",
    "test-setup.sh",
  ])("%s answers --help", (name) => {
    const r = script(name, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: /);
  });

  it.each([
    ["backup.sh", []],
    ["restore.sh", ["only-one"]],
    ["smoke.sh", ["http://x"]],
    ["rollback.sh", []],
  ])("%s refuses missing arguments with 64", (name, args) => {
    expect(script(name, args as string[]).code).toBe(64);
  });
});

/** smoke.sh against a stub API on 127.0.0.1 whose task read answers `taskRead` (status, body). */
async function smokeAgainstStub(taskRead: [number, string]) {
  const server = http.createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/health") return res.end('{"status":"ok"}');
    if (req.url === "/api/v1/status") return res.end('{"version":"v3"}');
    res.statusCode = taskRead[0];
    res.end(taskRead[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    // Not spawnSync: this process's event loop serves the stub meanwhile.
    return await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn("bash", [path.join(ROOT, "scripts", "smoke.sh"), `http://127.0.0.1:${port}`, "v3"], {
        env: { ...process.env, SMOKE_ATTEMPTS: "1", SMOKE_INTERVAL: "0" },
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (b) => (out += b));
      child.stderr.on("data", (b) => (err += b));
      child.on("close", (code) => resolve({ code, out: out.trim(), err: err.trim() }));
    });
  } finally {
    server.close();
  }
}

describe("smoke.sh's database read", () => {
  it("passes the app's own 404 for task 0 and fails a generic 404 (the route is gone) or a 500", async () => {
    expect(await smokeAgainstStub([404, '{"detail":"task not found"}'])).toMatchObject({ code: 0 });
    const gone = await smokeAgainstStub([404, '{"detail":"Not Found"}']);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe(
      `smoke: FAILED after 1 attempts: health 200, version 'v3', database read 404 without "task not found" (expected health 200, version 'v3', database read 404 "task not found")`,
    );
    expect((await smokeAgainstStub([500, "Internal Server Error"])).err).toContain("database read 500 (expected");
  });
});

describe.skipIf(skipRehearsal)("operator scripts on real Docker", () => {
  requireDocker();
  const stack = uniqueStack("rh-ops");
  const dir = mkdtempSync(path.join(os.tmpdir(), "backups-"));
  let port: number;
  const psql = (sql: string) => psqlIn(stack, sql);

  beforeAll(async () => {
    port = await freePort();
    for (const image of ["taskflow-api:v1", "taskflow-api:v2"]) {
      const r = await rehearse(stack, { "gateway.hostPort": port, image });
      if (!r.ok) throw new Error(`deploy failed: ${r.error}\n${r.log}`);
    }
  }, 240_000);
  afterAll(async () => {
    await removeStack(stack);
    rmSync(SAFETY_DIR, { recursive: true, force: true });
  }, 120_000);

  it("smoke.sh passes for the version that runs and fails, bounded, for another", () => {
    expect(script("smoke.sh", [`http://127.0.0.1:${port}`, "v2"]).code).toBe(0);
    const fail = script("smoke.sh", [`http://127.0.0.1:${port}`, "v9"], { env: { SMOKE_ATTEMPTS: "2", SMOKE_INTERVAL: "1" } });
    expect(fail.code).toBe(1);
    expect(fail.err).toBe(
      `smoke: FAILED after 2 attempts: health 200, version 'v2', database read 404 (expected health 200, version 'v9', database read 404 "task not found")`,
    );
  });

  it("smoke.sh fails a release whose database reads fail, though its health and version pass (what the health gate cannot see)", async () => {
    // The app's role loses SELECT on tasks: /health (SELECT 1) and /api/v1/status still
    // answer, a read of a task answers 500.
    psql("REVOKE SELECT ON tasks FROM taskflow_app");
    try {
      expect((await get(port, "/health")).status).toBe(200);
      const fail = script("smoke.sh", [`http://127.0.0.1:${port}`, "v2"], { env: { SMOKE_ATTEMPTS: "2", SMOKE_INTERVAL: "1" } });
      expect(fail.code).toBe(1);
      expect(fail.err).toBe(
        `smoke: FAILED after 2 attempts: health 200, version 'v2', database read 500 (expected health 200, version 'v2', database read 404 "task not found")`,
      );
    } finally {
      psql("GRANT SELECT ON tasks TO taskflow_app");
    }
    expect(script("smoke.sh", [`http://127.0.0.1:${port}`, "v2"]).out).toMatch(
      /^smoke: .* healthy, version v2, database read answers \(attempt 1\)$/,
    );
  });

  it("backs up, verifies, and restores after the rows are gone", async () => {
    await fetch(`http://127.0.0.1:${port}/api/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "survive the restore" }),
    });
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

  it("restore.sh refuses a missing, corrupt or truncated file, or no confirmation, before touching the database", () => {
    const rows = psql("SELECT count(*) FROM tasks");
    expect(script("restore.sh", [stack, path.join(dir, "nope.dump"), "--yes"]).code).toBe(3);
    const corrupt = path.join(dir, "corrupt.dump");
    writeFileSync(corrupt, "not a dump at all");
    const bad = script("restore.sh", [stack, corrupt, "--yes"]);
    expect(bad.code).toBe(3);
    expect(bad.err).toBe(`restore: ${corrupt} is not a complete pg_dump custom-format file; nothing was changed`);
    const good = readdirSync(dir).find((f) => f.endsWith(".dump") && f.startsWith(stack))!;
    // A dump cut to half (a crash, a full disk): its table of contents still reads.
    const whole = readFileSync(path.join(dir, good));
    const half = path.join(dir, "half.dump");
    writeFileSync(half, whole.subarray(0, Math.floor(whole.length / 2)));
    const cut = script("restore.sh", [stack, half, "--yes"]);
    expect(cut.code).toBe(3);
    expect(cut.err).toBe(`restore: ${half} is not a complete pg_dump custom-format file; nothing was changed`);
    const no = script("restore.sh", [stack, path.join(dir, good)], { input: "n\n" });
    expect(no.code).toBe(4);
    // The question names the database, the stack and the Docker host it would change.
    expect(no.out + no.err).toContain(
      `into database taskflow of stack ${stack} on Docker host unix:///var/run/docker.sock (this machine), replacing its contents? [y/N]`,
    );
    expect(psql("SELECT count(*) FROM tasks")).toBe(rows);
  }, 60_000);

  it("backup.sh writes private files (0600 in a 0700 directory) and counts only finished dumps", async () => {
    const own = mkdtempSync(path.join(os.tmpdir(), "backups-mode-"));
    const target = path.join(own, "dumps");
    writeFileSync(path.join(own, "placeholder"), "");
    const r = script("backup.sh", [stack, "--dir", target, "--keep", "1"]);
    expect(r.code).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o700);
    expect(statSync(r.out).mode & 0o777).toBe(0o600);
    expect(readdirSync(target).filter((f) => f.endsWith(".partial"))).toEqual([]);
    rmSync(own, { recursive: true, force: true });
  }, 60_000);

  it("restore.sh saves the current database before it restores, so a wrong restore can be undone", async () => {
    const safetyDir = mkdtempSync(path.join(os.tmpdir(), "safety-"));
    const backup = script("backup.sh", [stack, "--dir", dir, "--keep", "5"]);
    await fetch(`http://127.0.0.1:${port}/api/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "written after the backup" }),
    });
    const current = psql("SELECT id, title FROM tasks ORDER BY id");
    const r = script("restore.sh", [stack, backup.out, "--yes"], { env: { RESTORE_SAFETY_DIR: safetyDir } });
    expect(r.code).toBe(0);
    const saved = /the current database is saved in (\S+\.dump)/.exec(r.out)?.[1];
    expect(saved).toMatch(new RegExp(`^${safetyDir}/${stack}-\\d{8}T\\d{6}Z\\.dump$`));
    expect(psql("SELECT title FROM tasks WHERE title = 'written after the backup'")).toBe("");
    // Undo: restoring the safety dump brings back the row written after the backup.
    expect(script("restore.sh", [stack, saved!, "--yes"], { env: { RESTORE_SAFETY_DIR: safetyDir } }).code).toBe(0);
    expect(psql("SELECT id, title FROM tasks ORDER BY id")).toBe(current);
    rmSync(safetyDir, { recursive: true, force: true });
  }, 90_000);

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
