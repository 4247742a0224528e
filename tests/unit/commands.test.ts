import { describe, expect, it } from "vitest";

import { BACKUP_SCRIPT, backupArgv, cutoverArgv, healthGateArgv, migrationArgv, REDIS_HEALTHCHECK_TEST } from "../../components";
import { databaseRoles, databaseRolesSql, REDIS_APP_USER, renderRedisConf } from "../../components/data";
import { secretFilesWriterArgv, secretFilesWriterScript, secretFilesWriterStdin } from "../../components/shared/secretFilesWriter";

describe("command argument lists", () => {
  it("runs the migration once in the new image, on the internal network, secrets from the environment", () => {
    expect(
      migrationArgv({
        image: "sha256:abc",
        network: "net-int",
        stack: "dev",
        user: "10001:10001",
        memoryMb: 256,
        command: ["alembic", "upgrade", "head"],
      }),
    ).toEqual([
      "docker",
      "run",
      "--rm",
      "--network",
      "net-int",
      "--label",
      "taskflow.stack=dev",
      "--label",
      "taskflow.role=migration",
      "--user",
      "10001:10001",
      "--security-opt",
      "no-new-privileges:true",
      "--cap-drop",
      "ALL",
      "--read-only",
      "--tmpfs",
      "/tmp:rw,noexec,nosuid,size=64m",
      "--memory",
      "256m",
      "-e",
      "DATABASE_URL",
      "-e",
      "REDIS_URL",
      "sha256:abc",
      "alembic",
      "upgrade",
      "head",
    ]);
  });

  it("sets the gateway's upstreams to exactly the given replicas, with no Caddy reload", () => {
    const probe = { port: 8000, healthPath: "/health", intervalSeconds: 2 };
    const flags = ["--port", "8000", "--health-path", "/health", "--interval", "2"];
    expect(cutoverArgv("gw-1", ["api-a", "api-b"], probe)).toEqual([
      "docker",
      "exec",
      "gw-1",
      "gateway-upstreams",
      "set",
      ...flags,
      "api-a",
      "api-b",
    ]);
    expect(cutoverArgv("gw-1", ["tasks.svc"], probe)).toEqual([
      "docker",
      "exec",
      "gw-1",
      "gateway-upstreams",
      "set",
      ...flags,
      "tasks.svc",
    ]);
    expect(cutoverArgv("gw-1", ["a"], probe).join(" ")).not.toMatch(/reload|caddy/);
  });

  it("gates on every replica by name", () => {
    expect(
      healthGateArgv({
        gatewayUrl: "http://127.0.0.1:8080",
        expectedVersion: "v2",
        replicas: ["a", "b"],
        port: 8000,
        healthPath: "/health",
        statusPath: "/api/v1/status",
        attempts: 3,
        intervalSeconds: 2,
        timeoutSeconds: 60,
      }),
    ).toEqual([
      "node",
      "components/gates/health-gate.js",
      "--gateway-url",
      "http://127.0.0.1:8080",
      "--expect-version",
      "v2",
      "--port",
      "8000",
      "--health-path",
      "/health",
      "--status-path",
      "/api/v1/status",
      "--attempts",
      "3",
      "--interval",
      "2",
      "--timeout",
      "60",
      "--replica",
      "a",
      "--replica",
      "b",
    ]);
  });

  it("trusts the gateway's internal CA only when told which gateway holds it", () => {
    const base = {
      gatewayUrl: "https://localhost:8443",
      expectedVersion: "v2",
      replicas: ["a"],
      port: 8000,
      healthPath: "/health",
      statusPath: "/s",
      attempts: 1,
      intervalSeconds: 1,
      timeoutSeconds: 5,
    };
    const argv = healthGateArgv({ ...base, gatewayCaFrom: "gw-1" });
    expect(argv.slice(2, 6)).toEqual(["--gateway-url", "https://localhost:8443", "--gateway-ca-from", "gw-1"]);
    expect(healthGateArgv(base)).not.toContain("--gateway-ca-from");
  });

  it("leaves out the gateway for the gate before the cutover", () => {
    expect(
      healthGateArgv({
        expectedVersion: "v2",
        replicas: ["a"],
        port: 8000,
        healthPath: "/health",
        statusPath: "/s",
        attempts: 1,
        intervalSeconds: 1,
        timeoutSeconds: 5,
      }),
    ).not.toContain("--gateway-url");
  });

  it("dumps inside the Postgres container with a fixed script and its settings as environment", () => {
    expect(backupArgv("pg-1", "/var/lib/postgresql/backups", 30)).toEqual([
      "docker",
      "exec",
      "-e",
      "BACKUP_DIR=/var/lib/postgresql/backups",
      "-e",
      "KEEP=30",
      "pg-1",
      "sh",
      "-c",
      BACKUP_SCRIPT,
    ]);
    expect(BACKUP_SCRIPT).toContain("--format=custom");
  });

  it("reads the Redis password from a file at check time, never from the check itself", () => {
    expect(REDIS_HEALTHCHECK_TEST.join(" ")).toContain("$(cat /run/secrets/redis-password)");
  });
});

describe("databaseRolesSql", () => {
  const sql = databaseRolesSql({ database: "taskflow", roles: databaseRoles("taskflow"), ownerPassword: "o1", appPassword: "a1" });
  const lines = sql.split("\n");

  it("resolves names in pg_catalog first: it runs as the superuser", () => {
    expect(lines[0]).toBe("SET search_path = pg_catalog, pg_temp;");
  });

  it("keeps the database the admin's (its owner could set every session's defaults) and gives the owner role CREATE on public only", () => {
    expect(sql).toContain('ALTER DATABASE "taskflow" OWNER TO CURRENT_USER;');
    expect(sql).not.toMatch(/ALTER DATABASE "taskflow" OWNER TO "taskflow_owner"/);
    expect(sql).toContain('GRANT USAGE, CREATE ON SCHEMA public TO "taskflow_owner";');
    expect(sql).toContain('GRANT USAGE ON SCHEMA public TO "taskflow_app";');
    expect(sql).toContain('ALTER DATABASE "taskflow" RESET ALL;');
  });

  it("makes both roles without superuser, database or role creation", () => {
    for (const role of ["taskflow_owner", "taskflow_app"]) {
      expect(sql).toContain(`ALTER ROLE "${role}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD`);
    }
  });

  it("refuses a name or password that could break out of the SQL", () => {
    expect(() =>
      databaseRolesSql({ database: "x; DROP", roles: databaseRoles("taskflow"), ownerPassword: "o", appPassword: "a" }),
    ).toThrow();
    expect(() =>
      databaseRolesSql({ database: "taskflow", roles: databaseRoles("taskflow"), ownerPassword: "o'x", appPassword: "a" }),
    ).toThrow();
  });
});

describe("renderRedisConf", () => {
  const conf = renderRedisConf({ password: "p", appPassword: "a", maxmemoryMb: 64, maxmemoryPolicy: "allkeys-lru", appendonly: true });

  it("sets the password, memory bound, eviction and persistence", () => {
    expect(conf.split("\n")).toEqual(
      expect.arrayContaining(["requirepass p", "maxmemory 64mb", "maxmemory-policy allkeys-lru", "appendonly yes", "dir /data"]),
    );
  });

  it("gives the API its own user, without the admin and dangerous commands (CONFIG, MODULE, FLUSHALL, ...)", () => {
    expect(conf.split("\n")).toContain(
      `user ${REDIS_APP_USER} on >a ~* resetchannels -@all +@connection +@read +@write +@keyspace +@transaction -@admin -@dangerous`,
    );
  });
});

describe("the data stores' secrets writer (shared/secretFilesWriter.ts)", () => {
  it("reads one `name base64(content)` line per file, so a multi-line redis.conf stays one line", () => {
    const stdin = secretFilesWriterStdin({ "redis.conf": "user default on\nrequirepass x y\n", "redis-password": "p w" });
    expect(stdin.split("\n")).toEqual([
      `redis.conf ${Buffer.from("user default on\nrequirepass x y\n").toString("base64")}`,
      `redis-password ${Buffer.from("p w").toString("base64")}`,
      "",
    ]);
  });
  it.each(["../etc/passwd", "a b", "x;rm", "A", "", "redis.conf\n"])("refuses the file name %j", (name) => {
    expect(() => secretFilesWriterStdin({ [name]: "v" })).toThrow(/is not a plain name/);
    expect(() => secretFilesWriterScript([name])).toThrow(/is not a plain name/);
  });
  it("runs as root with CHOWN only, no network, a read-only root, the volume and owner named, and the script accepting only its files", () => {
    const argv = secretFilesWriterArgv({
      image: "taskflow-redis:7",
      volume: "vol",
      stack: "dev",
      role: "redis-secret-writer",
      owner: "999:999",
      names: ["redis.conf", "redis-password"],
    });
    expect(argv.slice(0, 6)).toEqual(["docker", "run", "--rm", "-i", "--network", "none"]);
    for (const flag of [
      ["--cap-drop", "ALL"],
      ["--cap-add", "CHOWN"],
      ["-v", "vol:/run/secrets"],
      ["-e", "OWNER=999:999"],
    ])
      expect(argv.join(" ")).toContain(flag.join(" "));
    expect(argv).toContain("--read-only");
    expect(argv.at(-1)).toContain('case "$name" in redis.conf | redis-password) ;;');
  });
});
