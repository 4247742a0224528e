// Strings two languages must agree on, each written once and checked here against the
// side that reads it: the gateway's shell scripts (image/gateway-constants), the API's
// Python settings (the environment names the program sets), the operator scripts'
// label filters, and the Postgres image's backup directory.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import {
  apiEnv,
  appEnvironment,
  BACKUP_DIR,
  DRAINING_FILE_NAME,
  EDGE_PID_FILES,
  GATEWAY_RUN_DIR,
  LABELS,
  SECRET_FILES,
  SECRET_KEY_FILE,
  UPSTREAM_DNS_NAME,
  UPSTREAM_RESOLVER_ADDRESS,
  UPSTREAM_RESOLVER_PORT,
} from "../../components";
import { loadConfig, toPulumiConfig } from "../../config";
import { APP_SETTINGS } from "../../config/schema";
import { stackFileConfig } from "../mocks";

const ROOT = path.resolve(__dirname, "../..");
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8");

describe("the gateway's scripts and the program", () => {
  // Sourced as the scripts source it, so a value written as `$GATEWAY_RUN_DIR/...` counts.
  const constants = Object.fromEntries(
    execFileSync("bash", ["-c", '. "$1"; set -o posix; set', "_", path.join(ROOT, "components/gateway/image/gateway-constants")], {
      encoding: "utf8",
    })
      .split("\n")
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m![1], m![2].replace(/^'(.*)'$/, "$1")]),
  );

  it("say the same run directory, upstream name, resolver, pid files and drain file", () => {
    expect(constants.GATEWAY_RUN_DIR).toBe(GATEWAY_RUN_DIR);
    expect(constants.UPSTREAM_DNS_NAME).toBe(UPSTREAM_DNS_NAME);
    expect(constants.UPSTREAM_RESOLVER_ADDRESS).toBe(UPSTREAM_RESOLVER_ADDRESS);
    expect(Number(constants.UPSTREAM_RESOLVER_PORT)).toBe(UPSTREAM_RESOLVER_PORT);
    expect(constants.DNSMASQ_PID_FILE).toBe(EDGE_PID_FILES.dnsmasq);
    expect(constants.WATCH_PID_FILE).toBe(EDGE_PID_FILES.watch);
    expect(constants.DRAINING_FILE).toBe(`${GATEWAY_RUN_DIR}/${DRAINING_FILE_NAME}`);
  });

  it("the scripts take those strings from gateway-constants, not from their own copies", () => {
    for (const script of ["gateway-edge-init", "gateway-proxy-init", "gateway-upstreams"]) {
      const src = read(`components/gateway/image/${script}`);
      expect(src, script).toContain(". /usr/local/lib/taskflow/gateway-constants");
      const code = src
        .split("\n")
        .filter((l) => !l.trimStart().startsWith("#"))
        .join("\n");
      for (const literal of [GATEWAY_RUN_DIR, UPSTREAM_DNS_NAME, String(UPSTREAM_RESOLVER_PORT), "0100007F"])
        expect(code, `${script}: ${literal}`).not.toContain(literal);
    }
    expect(read("components/gateway/image/Dockerfile")).toContain("COPY gateway-constants /usr/local/lib/taskflow/gateway-constants");
  });
});

describe("the API's environment and the app that reads it", () => {
  const settings = read("app/taskflow/settings.py") + read("app/gunicorn.conf.py");
  const readByApp = (name: string) =>
    new RegExp(`(_read\\(env, "${name}"\\)|env\\.get\\("${name}"|environ\\.get\\(['"]${name}['"])`).test(settings) ||
    (name.endsWith("_FILE") && new RegExp(`_read\\(env, "${name.slice(0, -5)}"\\)`).test(settings));

  it("every variable the program sets on a replica or task is one the app reads", () => {
    const c = loadConfig(toPulumiConfig(stackFileConfig("dev")));
    // TASKFLOW_VERSION is for people (docker inspect); the app reports APP_VERSION, set at build.
    const names = [
      ...Object.keys(apiEnv({ settings: c.api, version: "v1", environment: "dev" })).filter((n) => n !== "TASKFLOW_VERSION"),
      "DATABASE_URL",
      "REDIS_URL",
      "SECRET_KEY_FILE",
      "DATABASE_URL_FILE",
      "REDIS_URL_FILE",
    ];
    expect(names.filter((n) => !readByApp(n))).toEqual([]);
    expect(readByApp("NOT_A_SETTING")).toBe(false);
  });

  it("every fixed name api.env may set is a setting the app reads (TZ: the C library's)", () => {
    expect(APP_SETTINGS.filter((n) => n !== "TZ" && !readByApp(n))).toEqual([]);
  });

  it("every stack environment maps to an environment the app accepts", () => {
    const accepted = /ENVIRONMENTS = \(([^)]*)\)/
      .exec(read("app/taskflow/settings.py"))![1]
      .split(",")
      .map((s) => s.trim().replace(/"/g, ""));
    for (const env of ["dev", "preview", "staging", "production"] as const) expect(accepted).toContain(appEnvironment(env));
  });

  it("the key writer writes the file every replica and task reads", () => {
    expect(SECRET_FILES.SECRET_KEY).toBe(SECRET_KEY_FILE);
  });
});

describe("the operator scripts and the labels", () => {
  it("filter on label keys the program sets", () => {
    const used = ["scripts/backup.sh", "scripts/restore.sh"].flatMap((f) =>
      [...read(f).matchAll(/label=(taskflow\.[a-z-]+)=/g)].map((m) => m[1]),
    );
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((k) => !Object.values(LABELS).includes(k as never))).toEqual([]);
  });
});

describe("the Postgres image and the backup", () => {
  it("the image makes the backup directory the program mounts (0700)", () => {
    const dockerfile = read("components/data/postgres-image/Dockerfile");
    expect(dockerfile).toContain(`mkdir -p /var/lib/postgresql/data ${BACKUP_DIR} `);
    expect(dockerfile).toContain(`chmod 700 ${BACKUP_DIR}`);
  });
});
