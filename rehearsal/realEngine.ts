// The real `pulumi up` behind the same call the rehearsal answers (rehearsal/client.ts
// rehearse()), for the real-Docker tests and the benchmark where a user's machine has
// the toolchain: the Pulumi CLI, its Node.js language host and the docker, command and
// random plugins. Nothing here installs them. TASKFLOW_ENGINE=real|rehearsal chooses;
// unset, the real engine is used when all of it is installed.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";

import { parseSetting, ROOT, stackFileConfig, stackFileConfigAt, withSetting, writeStackFile } from "../config/stackFile";
import { parseEvents, planFromEvents, Step } from "../conformance/plan";

/** The plugins the program's SDKs ask for (package.json pins their versions). */
export const REQUIRED_PLUGINS = ["docker", "command", "random"];

let detected: string | undefined | null = null;

/** Why the real engine cannot run here, or undefined when it can. */
export function realEngineMissing(): string | undefined {
  if (detected !== null) return detected;
  const cli = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  if (cli.status !== 0) return (detected = "the Pulumi CLI is not installed");
  const host = spawnSync(
    "sh",
    ["-c", 'command -v pulumi-language-nodejs || ls "$(dirname "$(command -v pulumi)")/pulumi-language-nodejs"'],
    { encoding: "utf8" },
  );
  if (host.status !== 0) return (detected = "the Pulumi Node.js language host (pulumi-language-nodejs) is not installed");
  const plugins = spawnSync("pulumi", ["plugin", "ls", "--json"], { encoding: "utf8" });
  const names = new Set(
    (JSON.parse(plugins.stdout || "[]") as { name: string; kind: string }[]).filter((p) => p.kind === "resource").map((p) => p.name),
  );
  const missing = REQUIRED_PLUGINS.filter((p) => !names.has(p));
  return (detected = missing.length ? `Pulumi plugins missing: ${missing.join(", ")}` : undefined);
}

/** Which engine rehearse() uses: TASKFLOW_ENGINE, else the real one where it is installed. */
export function engineKind(): "real" | "rehearsal" {
  const chosen = process.env.TASKFLOW_ENGINE;
  if (chosen === "real" || chosen === "rehearsal") return chosen;
  return realEngineMissing() === undefined ? "real" : "rehearsal";
}

export interface EngineResult {
  ok: boolean;
  error?: string;
  outputs: Record<string, unknown>;
  counts: Record<string, number>;
  seconds: number;
  plan: Step[];
  failedStep?: string;
  log: string;
}

const STATE = path.join(ROOT, ".pulumi-state");

/**
 * `pulumi up` (or, with `--destroy` in `extra`, `pulumi destroy` and `stack rm`) of a
 * stack on the local file backend, with its config built as the rehearsal builds it:
 * `base` (`--config-from NAME` or `--config-file PATH`) plus `sets`.
 */
export async function realUp(stack: string, sets: Record<string, unknown>, extra: string[], base: string[]): Promise<EngineResult> {
  const unknown = extra.filter((a) => a !== "--destroy");
  if (unknown.length) throw new Error(`the real engine takes no ${unknown.join(" ")}`);
  const destroy = extra.includes("--destroy");
  mkdirSync(path.join(STATE, "config"), { recursive: true });
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${STATE}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const configFile = path.join(STATE, "config", `Pulumi.${stack}.yaml`);
  const started = Date.now();
  let log = "";
  let stdout = "";
  const run = (args: string[]) =>
    new Promise<number>((resolve) => {
      stdout = "";
      const child = spawn("pulumi", args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (b) => {
        log += b;
        stdout += b;
      });
      child.stderr.on("data", (b) => {
        log += b;
      });
      child.on("close", (code) => resolve(code ?? 1));
    });
  if (!destroy) {
    let config = base[0] === "--config-file" ? stackFileConfigAt(base[1]) : stackFileConfig(base[1] ?? "dev");
    for (const [k, v] of Object.entries(sets)) config = withSetting(config, k, typeof v === "string" ? parseSetting(`${k}=${v}`)[1] : v);
    writeStackFile(configFile, config);
  }
  if ((await run(["stack", "select", stack, "--non-interactive"])) !== 0 && !destroy)
    await run(["stack", "init", stack, "--non-interactive"]);
  // --json: the engine's events, one a line (conformance/plan.ts reads them).
  const code = await run([
    destroy ? "destroy" : "up",
    "--yes",
    "--skip-preview",
    "--non-interactive",
    "--json",
    "-s",
    stack,
    ...(destroy ? [] : ["--config-file", configFile]),
  ]);
  const eventLog = parseEvents(stdout);
  // Kept for reading a run afterwards (phases, diagnostics): one file per update.
  writeFileSync(path.join(STATE, "config", `${stack}-${started}.events`), stdout);
  let outputs: Record<string, unknown> = {};
  if (destroy) {
    await run(["stack", "rm", stack, "--yes", "--force", "--non-interactive"]);
  } else {
    const out = spawnSync("pulumi", ["stack", "output", "--json", "-s", stack], { cwd: ROOT, env, encoding: "utf8" });
    try {
      outputs = JSON.parse(out.stdout);
    } catch {
      /* none yet */
    }
  }
  const summary = eventLog.find((e) => e.summaryEvent)?.summaryEvent?.resourceChanges ?? {};
  const errors = eventLog
    .map((e) => e.diagnosticEvent)
    .filter((d) => d?.severity === "error")
    .map((d) => d!.message.trim());
  const failed = eventLog.find((e) => e.resOpFailedEvent)?.resOpFailedEvent?.metadata;
  return {
    failedStep: failed ? `${failed.type} ${failed.urn.split("::").at(-1)}` : undefined,
    ok: code === 0,
    error: code === 0 ? undefined : errors.join("\n") || log.split("\n").slice(-5).join("\n"),
    outputs,
    counts: summary,
    seconds: (Date.now() - started) / 1000,
    plan: planFromEvents(stack, eventLog, code === 0).steps,
    log,
  };
}
