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
  pacedRate,
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

  // Runs in a replica, as the app would: connects with the credentials the app is given
  // (its *_FILE settings, or DATABASE_URL/REDIS_URL when set instead) and tries what an
  // attacker who owns the app would try, those named on its command line. Prints one
  // "<what>: allowed" or "<what>: refused: <why>" line each.
  const ATTEMPTS_PY = [
    "import os, sys, psycopg2, redis",
    "from taskflow.settings import _read",
    "db = psycopg2.connect(_read(os.environ, 'DATABASE_URL').replace('+psycopg2', ''))",
    "db.autocommit = True",
    "r = redis.Redis.from_url(_read(os.environ, 'REDIS_URL'))",
    "def sql(statement):",
    "    with db.cursor() as c: c.execute(statement)",
    "tries = {",
    // The program reads its input: one that exits first (`true`) breaks the pipe, at random.
    "    'copy to program': lambda: sql(\"COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'\"),",
    "    'create table': lambda: sql('CREATE TABLE intruder (x int)'),",
    "    'drop table': lambda: sql('DROP TABLE tasks'),",
    "    'create role': lambda: sql('CREATE ROLE intruder'),",
    "    'read rows': lambda: sql('SELECT count(*) FROM tasks'),",
    "    'write rows': lambda: sql(\"INSERT INTO tasks (title) VALUES ('least privilege check')\"),",
    "    'config set': lambda: r.execute_command('CONFIG', 'SET', 'maxmemory', '1gb'),",
    "    'module list': lambda: r.execute_command('MODULE', 'LIST'),",
    "    'flushall': lambda: r.execute_command('FLUSHALL'),",
    "    'eval': lambda: r.execute_command('EVAL', 'return 1', '0'),",
    "    'publish': lambda: r.execute_command('PUBLISH', 'channel', 'x'),",
    "    'keys': lambda: r.execute_command('KEYS', '*'),",
    "    'set, get, expire': lambda: (r.set('lp-check', 'v', ex=5), r.get('lp-check'), r.pipeline().incr('lp-n').expire('lp-n', 5).execute()),",
    "    'ping': lambda: r.execute_command('PING'),",
    "    'other database': lambda: psycopg2.connect(_read(os.environ, 'DATABASE_URL').replace('+psycopg2', '').rsplit('/', 1)[0] + '/postgres').close(),",
    "}",
    "for label in sys.argv[1:]:",
    "    try:",
    "        tries[label]()",
    "        print(label + ': allowed')",
    "    except Exception as e:",
    "        print(label + ': refused: ' + str(e).splitlines()[0])",
  ].join("\n");
  const attempts = (replica: string, labels: string[], env: string[] = []) =>
    Object.fromEntries(
      docker("exec", ...env, replica, "python3", "-c", ATTEMPTS_PY, ...labels)
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
    );

  it("gives the API least privilege: no connection string in `docker inspect`; its credentials cannot run a program on Postgres, change the schema or reconfigure Redis", () => {
    const [replica] = containers(stack, "api");
    expect(docker("inspect", "-f", "{{json .Config.Env}}", replica)).not.toMatch(/postgresql:|redis:\/\/|PASSWORD/i);
    try {
      const app = attempts(replica, [
        "copy to program",
        "create table",
        "drop table",
        "create role",
        "read rows",
        "write rows",
        "config set",
        "module list",
        "flushall",
        "eval",
        "publish",
        "keys",
        "set, get, expire",
        "ping",
        "other database",
      ]);
      expect(app["copy to program"]).toMatch(
        /^refused: must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program/,
      );
      expect(app["create table"]).toMatch(/^refused: permission denied for schema public/);
      expect(app["drop table"]).toMatch(/^refused: must be owner of table tasks/);
      expect(app["create role"]).toMatch(/^refused: permission denied to create role/);
      expect(app["read rows"]).toBe("allowed");
      expect(app["write rows"]).toBe("allowed");
      expect(app["config set"]).toMatch(/^refused: this user has no permissions to run the 'config\|set' command/);
      expect(app["module list"]).toMatch(/^refused: this user has no permissions to run the 'module\|list' command/);
      expect(app["flushall"]).toMatch(/^refused: this user has no permissions to run the 'flushall' command/);
      expect(app.eval).toMatch(/^refused: this user has no permissions to run the 'eval' command/);
      expect(app.publish).toMatch(/^refused: this user has no permissions to run the 'publish' command/);
      expect(app.keys).toMatch(/^refused: this user has no permissions to run the 'keys' command/);
      expect(app["set, get, expire"]).toBe("allowed");
      expect(app.ping).toBe("allowed");
      expect(app["other database"]).toMatch(/^refused: .*permission denied for database "postgres"/);
      // The same probe with the admin's credentials (what the API had before the roles)
      // finds the harmless doors open: it can tell a refusal from an allowance.
      const [pg] = containers(stack, "postgres");
      const [cache] = containers(stack, "redis");
      const admin = attempts(
        replica,
        ["copy to program", "module list", "eval", "other database"],
        [
          "-e",
          "DATABASE_URL_FILE=",
          "-e",
          `DATABASE_URL=postgresql://taskflow:${docker("exec", pg, "cat", "/run/secrets/postgres-password")}@postgres:5432/taskflow`,
          "-e",
          "REDIS_URL_FILE=",
          "-e",
          `REDIS_URL=redis://:${docker("exec", cache, "cat", "/run/secrets/redis-password")}@redis:6379/0`,
        ],
      );
      expect(admin).toEqual({ "copy to program": "allowed", "module list": "allowed", eval: "allowed", "other database": "allowed" });
    } finally {
      psql("DELETE FROM tasks WHERE title = 'least privilege check'");
    }
  }, 60_000);

  it("runs every container on a read-only root filesystem: a write outside its volumes and tmpfs is refused, the servers still serve", async () => {
    // /var/tmp is mode 1777 in every Debian image: any user writes it on a writable root,
    // so the refusal below can only come from the read-only root (it names it).
    const roles = { api: "/tmp", postgres: "/run/postgresql", redis: "/tmp", gateway: "/run/gateway", "gateway-caddy": "/run/gateway" };
    for (const [role, tmpfs] of Object.entries(roles)) {
      const [c] = containers(stack, role);
      expect(docker("inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", c), role).toBe("true");
      const write = (file: string) => {
        try {
          docker("exec", c, "sh", "-c", `touch ${file} && rm ${file} && echo written`);
          return "written";
        } catch (e) {
          return String((e as Error).message);
        }
      };
      expect(write("/var/tmp/intruder"), role).toMatch(/Read-only file system/);
      expect(write(`${tmpfs}/probe`), role).toBe("written");
    }
    // What the program uploads is on each data store's secrets volume.
    for (const role of ["postgres", "redis"]) {
      const [c] = containers(stack, role);
      const mounts: { Destination: string; Type: string }[] = JSON.parse(docker("inspect", "-f", "{{json .Mounts}}", c));
      expect(mounts.find((m) => m.Destination === "/run/secrets")?.Type, role).toBe("volume");
    }
    // Both data stores still take writes: a task stored through the API (Postgres), and
    // a key set with the app's Redis user.
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "read-only root check" }),
    });
    expect(res.status).toBe(201);
    expect(psql("SELECT count(*) FROM tasks WHERE title = 'read-only root check'")).toBe("1");
    psql("DELETE FROM tasks WHERE title = 'read-only root check'"); // the row counts below are this file's own
    expect(attempts(containers(stack, "api")[0], ["set, get, expire"])["set, get, expire"]).toBe("allowed");
  });

  it("keeps internal paths off the gateway: 404 for metrics and API docs, and a public /health that says only ok", async () => {
    // The replicas answer these themselves (the docs outside production): the gateway must not pass them on.
    const [replica] = containers(stack, "api");
    expect(
      docker("exec", replica, "python3", "-c", "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8000/metrics').status)"),
    ).toBe("200");
    for (const p of ["/metrics", "/metrics/x", "/docs", "/openapi.json", "/redoc"]) expect((await get(port, p)).status, p).toBe(404);
    const health = await get(port, "/health");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    expect(health.headers["content-type"]).toBe("application/json");
    expect((await get(port, "/api/v1/status")).status).toBe(200);
  }, 60_000);

  it("routes around a replica that dies while serving: no client sees an error", async () => {
    const [victim] = containers(stack, "api");
    const load = startLoad(port, 100);
    await sleep(2);
    await dockerAsync("kill", "--signal", "KILL", victim);
    await sleep(6);
    const report = await load.stop();
    // Paced: about pacedRate(100) a second over these 8 s.
    expect(report.requests).toBeGreaterThan(0.75 * pacedRate(100) * 8);
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

  // Last: it stops the replicas under the stack (the program's state does not know).
  it("counts the failures of an outage caused on purpose under the paced load (the instrument the rollout tests trust)", async () => {
    const load = startLoad(port, 10);
    await sleep(1);
    const replicas = containers(stack, "api");
    await dockerAsync("stop", "-t", "1", ...replicas);
    // Longer than Caddy's lb_try_duration (5 s): requests that meet no replica fail.
    await sleep(7);
    await dockerAsync("start", ...replicas);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await get(port, "/api/v1/status").catch(() => ({ status: 0 }))).status !== 200) await sleep(0.5);
    await sleep(1);
    const report = await load.stop();
    console.log(`paced load through an outage of every replica: ${JSON.stringify({ ...report, titles: undefined })}`);
    // Caddy holds each request up to lb_try_duration and tries again: most are answered
    // late, those still without a replica then fail, and every one of them is counted.
    expect(report.non2xx + report.errors + report.timeouts).toBeGreaterThan(0);
    // And latency counts from when each request was due: the held ones show the outage.
    expect(report.p99).toBeGreaterThan(4000);
  }, 120_000);
});
