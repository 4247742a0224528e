import { readFileSync } from "node:fs";
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import { ConfigError, GITHUB_STACK, loadConfig, loadGithubStackConfig } from "../../config";
import { ROOT, stackFileConfigAt, withSetting } from "../../config/stackFile";
import { registrations, runProgram, stackFileConfig } from "../mocks";

/** A stack's file: the runtime's at the top, the GitHub side's (stack `release`) in github/. */
const stackConfig = (stack: string) =>
  stack === GITHUB_STACK ? stackFileConfigAt(path.join(ROOT, "github", `Pulumi.${stack}.yaml`)) : stackFileConfig(stack);

/** A stack file's config with one key changed: `api.replicas` edits inside the object. */
const withKey = (stack: string, key: string, value: unknown) => withSetting(stackConfig(stack), key, value);

/** The GitHub side's keys go to its own loader; every other stack is a runtime stack. */
function problemsOf(config: Record<string, string>, secretKeys: string[] = []): string[] {
  try {
    if (config["taskflow:environment"] === undefined && config["taskflow:github"] !== undefined) loadGithubStackConfig(config, secretKeys);
    else loadConfig(config, secretKeys);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const DIGEST = "sha256:" + "a".repeat(64);
const NUMERIC_USER =
  "a non-root uid[:gid] in numbers from 1 to 2147483646, e.g. 999:999 (a name cannot own uploaded files or tmpfs mounts)";
const USER = "a non-root user: a name or uid[:gid] with uid and gid from 1 to 2147483646 (never root, uid 0 or gid 0, however written)";
const URL_PATH = "an absolute URL path such as /health (no spaces, no query string, no // or .. segments)";
const DOCKER_HOST =
  "a Docker host: unix:///path or ssh://user@host[:port] (tcp:// is refused: plain TCP to a Docker engine gives root to anyone on the network)";
const RESERVED =
  "a name the program does not set itself (reserved: APP_VERSION, DATABASE_URL, DATABASE_URL_FILE, REDIS_URL, REDIS_URL_FILE, SECRET_KEY, SECRET_KEY_FILE, PORT, TASKFLOW_VERSION, TASKFLOW_ENV, GRACEFUL_TIMEOUT, PATH, HOME, LD_PRELOAD, LD_LIBRARY_PATH, PYTHONPATH, PYTHONSTARTUP)";
const CPUS = "a number from 0.05 to 64 with at most 9 decimals, not 0.05 to 0.09 (the docker provider reads those back as 0.1)";
const PUBLIC_URL = "an http(s) URL where clients reach the gateway";
const VERSION = "a version such as v1.2.3 or a commit SHA: letters, digits, '.', '_', '+' and '-', one line, at most 128 characters";
const REQUIRED_CHECKS = "a non-empty list of check names (one line each): main must require at least one";
const ENV_NAME = "environment variable names: A-Z, 0-9 and _";
const APP_SETTING =
  "one of the app's own settings: CORS_ORIGINS, LOG_LEVEL, TZ, WEB_CONCURRENCY or TASKFLOW_APP_<NAME> (variables the runtime reads, such as LD_*, PG*, PYTHON* or GUNICORN_CMD_ARGS, are refused)";
const ENV_VALUE = "a single-line value without control characters";
const ACME_CA = "an https URL of an ACME directory (host, port and path only), e.g. https://ca.internal/acme/acme/directory";
const ACME_CA_ROOT =
  "one PEM certificate of a CA (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----, basicConstraints CA:TRUE), at most 16 KiB";
// A real root and a real leaf (tests/unit/certificates, made with openssl; no key kept).
const ROOT_CA_PEM = readFileSync(path.join(__dirname, "certificates", "root-ca.pem"), "utf8");
const LEAF_PEM = readFileSync(path.join(__dirname, "certificates", "leaf.pem"), "utf8");

// Input an attacker with write access to a stack file (or a careless one) might try:
// root in disguise, shell metacharacters, newlines, path tricks, look-alike characters,
// absurd numbers and reserved names. Each is refused with a message naming the key.
const HOSTILE: [string, string, unknown, string][] = [
  ["dev", "api.user", "00", `taskflow:api.user: got "00"; expected ${USER}`],
  ["dev", "api.user", "00:00", `taskflow:api.user: got "00:00"; expected ${USER}`],
  ["dev", "api.user", "000", `taskflow:api.user: got "000"; expected ${USER}`],
  ["dev", "api.user", "1000:0", `taskflow:api.user: got "1000:0"; expected ${USER}`],
  ["dev", "api.user", "1000:000", `taskflow:api.user: got "1000:000"; expected ${USER}`],
  ["dev", "postgres.runAs", "0999:0", `taskflow:postgres.runAs: got "0999:0"; expected ${NUMERIC_USER}`],
  ["dev", "gateway.user", "99999999999", `taskflow:gateway.user: got "99999999999"; expected ${NUMERIC_USER}`],
  // A name cannot own the uploads or the read-only root's tmpfs mounts (uid= takes a number).
  ["dev", "redis.runAs", "redis", `taskflow:redis.runAs: got "redis"; expected ${NUMERIC_USER}`],
  ["dev", "gateway.user", "caddy", `taskflow:gateway.user: got "caddy"; expected ${NUMERIC_USER}`],
  ["dev", "postgres.runAs", "999:999,uid=0", `taskflow:postgres.runAs: got "999:999,uid=0"; expected ${NUMERIC_USER}`],
  // The ACME CA's URL and root go into the Caddyfile and a file: no Caddyfile syntax, no second certificate's worth of text.
  [
    "production",
    "gateway.acmeCa",
    "https://ca.internal/dir {\n}\nadmin 0.0.0.0:2019",
    `taskflow:gateway.acmeCa: got "https://ca.internal/dir {\\n}\\nadmin 0.0.0.0:2019"; expected ${ACME_CA}`,
  ],
  [
    "production",
    "gateway.acmeCa",
    'https://ca.internal/dir"',
    `taskflow:gateway.acmeCa: got "https://ca.internal/dir\\""; expected ${ACME_CA}`,
  ],
  ["production", "gateway.acmeCa", "http://ca.internal/dir", `taskflow:gateway.acmeCa: got "http://ca.internal/dir"; expected ${ACME_CA}`],
  [
    "production",
    "gateway.acmeCaRoot",
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n}\nadmin 0.0.0.0:2019\n",
    `taskflow:gateway.acmeCaRoot: got "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n}\\nadmin 0.0.0.0:2019\\n"; expected ${ACME_CA_ROOT}`,
  ],
  ["dev", "redis.runAs", "999\n", `taskflow:redis.runAs: got "999\\n"; expected ${NUMERIC_USER}`],
  ["dev", "api.user", "app; rm -rf /", `taskflow:api.user: got "app; rm -rf /"; expected ${USER}`],
  ["dev", "api.user", "app\nroot", `taskflow:api.user: got "app\\nroot"; expected ${USER}`],
  ["dev", "api.user", "rооt", `taskflow:api.user: got "rооt"; expected ${USER}`], // Cyrillic o's
  // Read back by the docker provider as "0.1": a diff, so a replacement, on every update.
  ["dev", "postgres.cpus", 0.05, `taskflow:postgres.cpus: got 0.05; expected ${CPUS}`],
  ["dev", "api.cpus", 0.07, `taskflow:api.cpus: got 0.07; expected ${CPUS}`],
  ["dev", "api.healthPath", "//evil.example/health", `taskflow:api.healthPath: got "//evil.example/health"; expected ${URL_PATH}`],
  ["dev", "api.statusPath", "/api/../../admin", `taskflow:api.statusPath: got "/api/../../admin"; expected ${URL_PATH}`],
  ["dev", "api.healthPath", "/health$(id)", `taskflow:api.healthPath: got "/health$(id)"; expected ${URL_PATH}`],
  ["dev", "api.healthPath", "/health\n/x", `taskflow:api.healthPath: got "/health\\n/x"; expected ${URL_PATH}`],
  ["dev", "api.env", { DATABASE_URL: "postgresql://evil/x" }, `taskflow:api.env.DATABASE_URL: got "DATABASE_URL"; expected ${RESERVED}`],
  ["dev", "api.env", { REDIS_URL: "redis://evil" }, `taskflow:api.env.REDIS_URL: got "REDIS_URL"; expected ${RESERVED}`],
  ["dev", "api.env", { PORT: "1" }, `taskflow:api.env.PORT: got "PORT"; expected ${RESERVED}`],
  // The image's own version is what the gates compare with the tag: a stack file cannot fake it.
  ["dev", "api.env", { APP_VERSION: "v2" }, `taskflow:api.env.APP_VERSION: got "APP_VERSION"; expected ${RESERVED}`],
  ["dev", "api.env", { LD_PRELOAD: "/tmp/x.so" }, `taskflow:api.env.LD_PRELOAD: got "LD_PRELOAD"; expected ${RESERVED}`],
  // An allow list: what the runtime reads (libpq's PG*, the loader's LD_*, Python's, gunicorn's) changes what runs.
  ["dev", "api.env", { PGHOSTADDR: "x" }, `taskflow:api.env.PGHOSTADDR: got "PGHOSTADDR"; expected ${APP_SETTING}`],
  ["dev", "api.env", { PGSSLMODE: "x" }, `taskflow:api.env.PGSSLMODE: got "PGSSLMODE"; expected ${APP_SETTING}`],
  ["dev", "api.env", { PGOPTIONS: "x" }, `taskflow:api.env.PGOPTIONS: got "PGOPTIONS"; expected ${APP_SETTING}`],
  ["dev", "api.env", { LD_AUDIT: "x" }, `taskflow:api.env.LD_AUDIT: got "LD_AUDIT"; expected ${APP_SETTING}`],
  ["dev", "api.env", { GUNICORN_CMD_ARGS: "x" }, `taskflow:api.env.GUNICORN_CMD_ARGS: got "GUNICORN_CMD_ARGS"; expected ${APP_SETTING}`],
  ["dev", "api.env", { PYTHONWARNINGS: "x" }, `taskflow:api.env.PYTHONWARNINGS: got "PYTHONWARNINGS"; expected ${APP_SETTING}`],
  [
    "dev",
    "api.env",
    { PROMETHEUS_MULTIPROC_DIR: "x" },
    `taskflow:api.env.PROMETHEUS_MULTIPROC_DIR: got "PROMETHEUS_MULTIPROC_DIR"; expected ${APP_SETTING}`,
  ],
  ["dev", "api.env", { TASKFLOW_APP_: "x" }, `taskflow:api.env.TASKFLOW_APP_: got "TASKFLOW_APP_"; expected ${APP_SETTING}`],
  ["dev", "api.env", { "A;B": "1" }, `taskflow:api.env.A;B: got "A;B"; expected ${ENV_NAME}`],
  ["dev", "api.env", { LOG_LEVEL: "info\nEVIL=1" }, `taskflow:api.env.LOG_LEVEL: got "info\\nEVIL=1"; expected ${ENV_VALUE}`],
  ["dev", "docker.host", "tcp://10.0.0.5:2375", `taskflow:docker.host: got "tcp://10.0.0.5:2375"; expected ${DOCKER_HOST}`],
  ["dev", "docker.host", "ssh://deploy@host;id", `taskflow:docker.host: got "ssh://deploy@host;id"; expected ${DOCKER_HOST}`],
  [
    "dev",
    "docker.host",
    "unix:///var/run/docker.sock\n",
    `taskflow:docker.host: got "unix:///var/run/docker.sock\\n"; expected ${DOCKER_HOST}`,
  ],
  // ssh would read a host starting with "-" as an option (ProxyCommand runs a program).
  ["dev", "docker.host", "ssh://root@-oProxyCommand", `taskflow:docker.host: got "ssh://root@-oProxyCommand"; expected ${DOCKER_HOST}`],
  ["dev", "docker.host", "ssh://deploy@host:99999", `taskflow:docker.host: got "ssh://deploy@host:99999"; expected ${DOCKER_HOST}`],
  ["dev", "docker.host", "ssh://deploy@host:0", `taskflow:docker.host: got "ssh://deploy@host:0"; expected ${DOCKER_HOST}`],
  [
    "release",
    "github.variables",
    { production: { DOCKER_HOST: "tcp://10.0.0.5:2375" } },
    `taskflow:github.variables.production.DOCKER_HOST: got "tcp://10.0.0.5:2375"; expected ${DOCKER_HOST}`,
  ],
  ["dev", "gateway.publicUrl", "javascript:alert(1)", `taskflow:gateway.publicUrl: got "javascript:alert(1)"; expected ${PUBLIC_URL}`],
  ["dev", "gateway.publicUrl", "file:///etc/passwd", `taskflow:gateway.publicUrl: got "file:///etc/passwd"; expected ${PUBLIC_URL}`],
  [
    "dev",
    "gateway.publicUrl",
    "https://taskflow.example/\nX-Evil: 1",
    `taskflow:gateway.publicUrl: got "https://taskflow.example/\\nX-Evil: 1"; expected ${PUBLIC_URL}`,
  ],
  ["dev", "api.version", "v1\nroot", `taskflow:api.version: got "v1\\nroot"; expected ${VERSION}`],
  ["dev", "api.version", "v1;id", `taskflow:api.version: got "v1;id"; expected ${VERSION}`],
  ["release", "github.requiredChecks", [], `taskflow:github.requiredChecks: got []; expected ${REQUIRED_CHECKS}`],
  ["dev", "api.replicas", 1e9, "taskflow:api.replicas: got 1000000000; expected a whole number from 1 to 20"],
  ["dev", "api.memoryMb", -1, "taskflow:api.memoryMb: got -1; expected a whole number from 32 to 262144"],
  ["dev", "gateway.hostPort", 0, "taskflow:gateway.hostPort: got 0; expected a whole number from 1 to 65535"],
];

describe("loadConfig", () => {
  it.each(["dev", "staging", "production"])("accepts the shipped %s stack file", (stack) => {
    expect(problemsOf(stackFileConfig(stack))).toEqual([]);
  });

  it("accepts the app's own settings in api.env", () => {
    const env = { CORS_ORIGINS: "https://app.example", LOG_LEVEL: "debug", TZ: "UTC", WEB_CONCURRENCY: "1", TASKFLOW_APP_FEATURE_X: "on" };
    expect(problemsOf(withSetting(stackFileConfig("dev"), "api.env", env))).toEqual([]);
  });

  it("fills every default in one place", () => {
    const c = loadConfig(stackFileConfig("dev"));
    expect(c.api.healthPath).toBe("/health");
    expect(c.api.migrationCommand).toEqual(["alembic", "upgrade", "head"]);
    expect(c.healthGate).toEqual({ attempts: 3, intervalSeconds: 1, timeoutSeconds: 60 });
    expect(c.backup).toEqual({ enabled: false, keep: 14 });
    expect(c.docker.host).toBe("unix:///var/run/docker.sock");
  });

  // Each row: stack, key changed, new value, the exact problem line.
  describe.each([
    [
      "dev",
      "image",
      undefined,
      "taskflow:image: got nothing (the key is missing); expected an image reference: repository[:tag][@sha256:<64 hex digits>]",
    ],
    ["dev", "environment", "prod", 'taskflow:environment: got "prod"; expected one of dev, preview, staging, production'],
    ["dev", "api.replicas", 0, "taskflow:api.replicas: got 0; expected a whole number from 1 to 20"],
    ["dev", "api.replicas", 21, "taskflow:api.replicas: got 21; expected a whole number from 1 to 20"],
    ["dev", "api.replicas", 2.5, "taskflow:api.replicas: got 2.5; expected a whole number from 1 to 20"],
    ["dev", "api.replicas", "three", 'taskflow:api.replicas: got "three"; expected a whole number from 1 to 20'],
    [
      "staging",
      "image",
      "ghcr.io/taskflow/taskflow-api:latest",
      'taskflow:image: got "ghcr.io/taskflow/taskflow-api:latest"; expected an immutable image: a commit-SHA or x.y[.z] version tag, or a @sha256 digest (`latest` and other movable tags are refused outside dev)',
    ],
    [
      "staging",
      "image",
      "ghcr.io/taskflow/taskflow-api",
      'taskflow:image: got "ghcr.io/taskflow/taskflow-api"; expected an immutable image: a commit-SHA or x.y[.z] version tag, or a @sha256 digest (`latest` and other movable tags are refused outside dev)',
    ],
    [
      "staging",
      "postgres.image",
      "postgres:15",
      'taskflow:postgres.image: got "postgres:15"; expected an immutable image: a commit-SHA or x.y[.z] version tag, or a @sha256 digest (`latest` and other movable tags are refused outside dev)',
    ],
    [
      "production",
      "image",
      "ghcr.io/taskflow/taskflow-api:3f2a9c1",
      'taskflow:image: got "ghcr.io/taskflow/taskflow-api:3f2a9c1"; expected an image pinned by digest, repository[:tag]@sha256:<64 hex digits> (staging and production run exactly the image that was built and scanned: a tag can be pushed again, a digest cannot)',
    ],
    [
      "staging",
      "image",
      "ghcr.io/taskflow/taskflow-api:3f2a9c1",
      'taskflow:image: got "ghcr.io/taskflow/taskflow-api:3f2a9c1"; expected an image pinned by digest, repository[:tag]@sha256:<64 hex digits> (staging and production run exactly the image that was built and scanned: a tag can be pushed again, a digest cannot)',
    ],
    [
      "dev",
      "image",
      "taskflow-api@sha256:abc",
      'taskflow:image: got "taskflow-api@sha256:abc"; expected an image reference: repository[:tag][@sha256:<64 hex digits>]',
    ],
    [
      "dev",
      "image",
      `taskflow-api@${DIGEST}`,
      "taskflow:api.version: got nothing (the key is missing); expected the version the status endpoint reports, required when `image` has a digest but no tag",
    ],
    [
      "dev",
      "replicas",
      3,
      "taskflow:replicas: unknown key (got 3); expected one of: environment, image, runtime, swarm, docker, api, gateway, postgres, redis, healthGate, canary, backup, logging, protectData, previews",
    ],
    [
      "staging",
      "canary.replicas",
      5,
      "taskflow:canary.replicas: got 5; expected at most api.replicas (2): the canary is some of the new replicas",
    ],
    ["staging", "canary.maxErrorIncrease", 2, "taskflow:canary.maxErrorIncrease: got 2; expected a number from 0 to 1"],
    ["staging", "canary.windowSeconds", 1, "taskflow:canary.windowSeconds: got 1; expected a whole number from 5 to 600"],
    [
      "dev",
      "api.replicaz",
      3,
      "taskflow:api.replicaz: unknown key (got 3); expected one of: replicas, port, healthPath, statusPath, version, user, memoryMb, cpus, readOnlyRootFilesystem, waitTimeoutSeconds, destroyGraceSeconds, migrationCommand, healthcheck, env",
    ],
    ["dev", "gateway.hostPort", 70000, "taskflow:gateway.hostPort: got 70000; expected a whole number from 1 to 65535"],
    ["dev", "api.user", "root", `taskflow:api.user: got "root"; expected ${USER}`],
    ["dev", "api.user", "0:0", `taskflow:api.user: got "0:0"; expected ${USER}`],
    ["dev", "api.healthPath", "health", `taskflow:api.healthPath: got "health"; expected ${URL_PATH}`],
    [
      "dev",
      "api.migrationCommand",
      [],
      "taskflow:api.migrationCommand: got []; expected a non-empty list of command words, e.g. [alembic, upgrade, head]",
    ],
    [
      "dev",
      "redis.memoryMb",
      70,
      "taskflow:redis.memoryMb: got 70; expected at least 80 (redis.maxmemoryMb + 25% for Redis's own overhead), or the kernel kills Redis before it evicts",
    ],
    [
      "dev",
      "healthGate.intervalSeconds",
      30,
      "taskflow:healthGate.timeoutSeconds: got 60; expected at least attempts x intervalSeconds = 90, or the gate can never pass",
    ],
    ["dev", "docker.host", "localhost:2375", `taskflow:docker.host: got "localhost:2375"; expected ${DOCKER_HOST}`],
    [
      "dev",
      "docker.host",
      "ssh://deploy@box",
      "taskflow:gateway.publicUrl: got nothing (the key is missing); expected the URL clients use to reach the gateway; required when `docker.host` is not a local socket (the health gate calls it)",
    ],
    [
      "dev",
      "postgres.database",
      "Task-Flow",
      'taskflow:postgres.database: got "Task-Flow"; expected a lower-case identifier: a-z, 0-9 and _, starting with a letter, at most 63 characters',
    ],
    [
      "dev",
      "logging.maxSize",
      "10MB",
      'taskflow:logging.maxSize: got "10MB"; expected a size such as 10m or 1g (a number followed by k, m or g)',
    ],
    [
      "dev",
      "redis.maxmemoryPolicy",
      "lru",
      'taskflow:redis.maxmemoryPolicy: got "lru"; expected a Redis maxmemory-policy such as allkeys-lru or noeviction',
    ],
    ["dev", "protectData", "yes", 'taskflow:protectData: got "yes"; expected true or false'],
    [
      "dev",
      "gateway.domain",
      "https://taskflow.example",
      'taskflow:gateway.domain: got "https://taskflow.example"; expected a DNS host name such as taskflow.example.com (letters, digits, dashes and dots; no scheme, port or path)',
    ],
    [
      "dev",
      "gateway.tls",
      "letsencrypt",
      'taskflow:gateway.tls: got "letsencrypt"; expected acme (a public CA) or internal (Caddy\'s own CA)',
    ],
    ["dev", "gateway.acmeEmail", "ops", 'taskflow:gateway.acmeEmail: got "ops"; expected an e-mail address for the CA\'s expiry notices'],
    [
      "production",
      "gateway.domain",
      undefined,
      "taskflow:gateway.domain: got nothing (the key is missing); expected the host name production serves over HTTPS (required in production)",
    ],
    [
      "production",
      "gateway.tls",
      "internal",
      'taskflow:gateway.tls: got "internal"; expected acme in production: browsers do not trust Caddy\'s internal CA',
    ],
    [
      "production",
      "gateway.httpsHostPort",
      80,
      "taskflow:gateway.httpsHostPort: got 80; expected a host port other than gateway.hostPort (80)",
    ],
    [
      "dev",
      "gateway.acmeCa",
      "https://ca.internal/acme/local/directory",
      'taskflow:gateway.acmeCa: got "https://ca.internal/acme/local/directory"; expected only with gateway.domain and gateway.tls: acme (the CA issues that name\'s certificate)',
    ],
    [
      "production",
      "gateway.acmeCaRoot",
      ROOT_CA_PEM,
      `taskflow:gateway.acmeCaRoot: got ${JSON.stringify(ROOT_CA_PEM)}; expected only with gateway.acmeCa: the public CAs' roots are trusted already`,
    ],
    // Base64 that is no certificate, and a certificate that is no CA: Caddy would refuse both at start.
    [
      "production",
      "gateway.acmeCaRoot",
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
      `taskflow:gateway.acmeCaRoot: got "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"; expected ${ACME_CA_ROOT}`,
    ],
    [
      "production",
      "gateway.acmeCaRoot",
      LEAF_PEM,
      `taskflow:gateway.acmeCaRoot: got ${JSON.stringify(LEAF_PEM)}; expected ${ACME_CA_ROOT}`,
    ],
    [
      "production",
      "gateway.acmeCa",
      "https://ca.internal:65536/dir",
      `taskflow:gateway.acmeCa: got "https://ca.internal:65536/dir"; expected ${ACME_CA}`,
    ],
    [
      "production",
      "gateway.acmeCa",
      "https://ca.internal:0/dir",
      `taskflow:gateway.acmeCa: got "https://ca.internal:0/dir"; expected ${ACME_CA}`,
    ],
    ["dev", "previews.maxConcurrent", 0, "taskflow:previews.maxConcurrent: got 0; expected a whole number from 1 to 50"],
  ])("%s stack with %s = %j", (stack, key, value, message) => {
    it("is refused with a message naming the key, the value and what is expected", () => {
      expect(problemsOf(withKey(stack, key, value))).toContain(message);
    });
  });

  describe.each(HOSTILE)("hostile input: %s stack with %s = %j", (stack, key, value, message) => {
    it("is refused with a message naming the key and what is expected", () => {
      expect(problemsOf(withKey(stack, key, value))).toContain(message);
    });
  });

  it("lists every problem in one error, not just the first", () => {
    let config = withKey("dev", "api.replicas", 0);
    config = { ...config, "taskflow:gateway": JSON.stringify({ ...JSON.parse(config["taskflow:gateway"]), hostPort: 0 }) };
    delete config["taskflow:image"];
    const error = (() => {
      try {
        loadConfig(config);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.message).toMatch(/^Invalid stack config \(3 problems\):\n {2}- taskflow:/);
  });

  it("never prints the value of a key Pulumi marks secret", () => {
    const config = { ...stackFileConfig("dev"), "taskflow:logging": JSON.stringify({ token: "ghp_supersecret" }) };
    const problems = problemsOf(config, ["taskflow:logging"]);
    expect(problems.join("\n")).not.toContain("ghp_supersecret");
    expect(problems).toEqual([expect.stringMatching(/^taskflow:logging\.token: unknown key \(got \[secret\]\); expected one of: /)]);
  });

  it("refuses taskflow:__proto__ as an unknown key, without it changing any other setting", () => {
    const config = { ...stackFileConfig("dev"), "taskflow:__proto__": JSON.stringify({ environment: "production", protectData: true }) };
    expect(problemsOf(config)).toEqual([
      expect.stringMatching(
        /^taskflow:__proto__: unknown key \(got \{"environment":"production","protectData":true\}\); expected one of: environment, image/,
      ),
    ]);
  });

  it("ignores other namespaces' keys (docker:host, pulumi:tags)", () => {
    expect(problemsOf({ ...stackFileConfig("dev"), "docker:host": "unix:///x", "pulumi:tags": "{}" })).toEqual([]);
  });

  it("registers no resource when the config is bad", async () => {
    const run = runProgram("dev", withKey("dev", "api.replicas", 0));
    await expect(run).rejects.toThrow(/taskflow:api.replicas: got 0/);
    expect(registrations).toEqual([]);
  });
});
