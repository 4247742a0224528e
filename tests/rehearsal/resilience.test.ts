// What happens between releases: a replica that dies or turns unhealthy gets no
// traffic, Postgres replacement keeps the data, and a backup restores.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  containers,
  docker,
  dockerAsync,
  freePort,
  get,
  networkOf,
  psql as psqlIn,
  rehearse,
  removeStack,
  startLoad,
  uniqueStack,
} from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

describe.skipIf(skipRehearsal)("resilience on real Docker", () => {
  requireDocker();
  const stack = uniqueStack("rh-resilience");
  let port: number;
  let base: Record<string, unknown>;
  const psql = (sql: string, db = "taskflow") => psqlIn(stack, sql, db);

  beforeAll(async () => {
    port = await freePort();
    // Backups on (as in production), so the pre-rollout dump runs here too.
    base = { "gateway.hostPort": port, "api.replicas": 2, "backup.enabled": true, image: "taskflow-api:v1" };
    const first = await rehearse(stack, base);
    if (!first.ok) throw new Error(`deploy failed: ${first.error}\n${first.log}`);
  }, 180_000);
  afterAll(() => removeStack(stack), 120_000);

  it("routes around a replica that dies while serving: no client sees an error", async () => {
    const [victim] = containers(stack, "api");
    const load = startLoad(port, 100);
    await sleep(2);
    await dockerAsync("kill", "--signal", "KILL", victim);
    await sleep(6);
    const report = await load.stop();
    expect(report.requests).toBeGreaterThan(1000);
    expect(report).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
  }, 60_000);

  it("stops routing to a replica that turns unhealthy, with no client error", async () => {
    // Wait until the killed replica is back (restart: unless-stopped) and healthy.
    for (
      let i = 0;
      i < 30 &&
      docker("ps", "--filter", `label=taskflow.stack=${stack}`, "--filter", "label=taskflow.role=api", "--filter", "health=healthy", "-q")
        .split("\n")
        .filter(Boolean).length < 2;
      i++
    )
      await sleep(1);
    const [sick, well] = containers(stack, "api");
    const internal = networkOf(stack, "internal");
    const hostnameOf = (c: string) => docker("inspect", "-f", "{{.Config.Hostname}}", c);
    const load = startLoad(port, 100);
    await sleep(1);
    // Cut it off from Postgres and Redis: its /health answers 503 from now on.
    await dockerAsync("network", "disconnect", internal, sick);
    try {
      await sleep(6); // two of Caddy's active health checks
      const servedBy = new Set<string>();
      for (let i = 0; i < 40; i++) servedBy.add((await get(port, "/api/v1/status")).body.replica);
      expect(servedBy).toEqual(new Set([hostnameOf(well)]));
      const report = await load.stop();
      expect(report).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    } finally {
      docker("network", "connect", internal, sick);
    }
  }, 90_000);

  it("keeps every row when the Postgres container is replaced", async () => {
    for (const title of ["write the runbook", "rotate secrets"]) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/tasks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title }),
      });
      expect(res.status).toBe(201);
    }
    const rowsBefore = psql("SELECT id, title FROM tasks ORDER BY id");
    const [pgBefore] = containers(stack, "postgres");
    // A new image reference (a patch upgrade) is a replacement: stop old, start new, same volume.
    docker("tag", "taskflow-postgres:15", "taskflow-postgres:15.20");
    try {
      const result = await rehearse(stack, { ...base, "postgres.image": "taskflow-postgres:15.20" });
      expect(result.error).toBeUndefined();
      expect(result.log).toMatch(/replace\s+docker:Container taskflow-postgres-container \(image; delete first\)/);
      const [pgAfter] = containers(stack, "postgres");
      expect(pgAfter).not.toBe(pgBefore);
      expect(psql("SELECT id, title FROM tasks ORDER BY id")).toBe(rowsBefore);
      expect(rowsBefore.split("\n")).toHaveLength(2);
    } finally {
      base = { ...base, "postgres.image": "taskflow-postgres:15.20" };
    }
  }, 180_000);

  it("takes a verified timestamped dump before a rollout, private and off the data volume, which restores into a fresh database", async () => {
    const pg = containers(stack, "postgres")[0];
    // What a crash or a full disk mid-dump leaves behind: it must not survive or count.
    docker("exec", pg, "sh", "-c", "head -c 100 /dev/urandom > /var/lib/postgresql/backups/taskflow-19990101T000000Z.dump.partial");
    const result = await rehearse(stack, { ...base, image: "taskflow-api:v2" });
    expect(result.error).toBeUndefined();
    const dump = /backup: (\S+\.dump)/.exec(result.log)?.[1];
    expect(dump).toMatch(/^\/var\/lib\/postgresql\/backups\/taskflow-\d{8}T\d{6}Z\.dump$/);
    expect(docker("exec", pg, "stat", "-c", "%a", dump!)).toBe("600");
    expect(docker("exec", pg, "stat", "-c", "%a", "/var/lib/postgresql/backups")).toBe("700");
    expect(
      docker("exec", pg, "ls", "/var/lib/postgresql/backups")
        .split("\n")
        .filter((f) => f.endsWith(".partial")),
    ).toEqual([]);
    expect(docker("exec", pg, "ls", "/var/lib/postgresql/data")).not.toContain("backups");
    // The dumps live on their own volume, not on the data volume.
    const mounts = JSON.parse(docker("inspect", "-f", "{{json .Mounts}}", pg)) as { Name: string; Destination: string }[];
    const volumeAt = (dest: string) => mounts.find((m) => m.Destination === dest)?.Name;
    expect(volumeAt("/var/lib/postgresql/backups")).toBeTruthy();
    expect(volumeAt("/var/lib/postgresql/backups")).not.toBe(volumeAt("/var/lib/postgresql/data"));
    psql("DROP DATABASE IF EXISTS restore_check", "postgres");
    psql("CREATE DATABASE restore_check", "postgres");
    docker("exec", pg, "pg_restore", "-U", "taskflow", "-d", "restore_check", "--no-owner", dump!);
    expect(psql("SELECT id, title FROM tasks ORDER BY id", "restore_check")).toBe(psql("SELECT id, title FROM tasks ORDER BY id"));
    // The dump holds the schema as Alembic left it: at the head revision.
    expect(psql("SELECT version_num FROM alembic_version", "restore_check")).toBe("0002");
  }, 180_000);
});
