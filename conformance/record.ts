// `npm run conformance:record -- [--check] [--only NAME]`
// Runs the conformance scenarios through the real Pulumi CLI and its plugins (as
// installed on this machine: nothing here installs or builds them) against the local
// Docker engine, on a file backend in a temporary directory, and reduces each update's
// event log to a plan (conformance/plan.ts).
//   default  write conformance/fixtures/NN-<scenario>.json (plan, versions, summary)
//   --check  compare the live plans with the committed fixtures instead; exit 1 on a difference
// CONFORMANCE_TOOLCHAIN_NOTE is kept in each fixture's recordedWith (e.g. how a plugin was built).
// Needs: pulumi, the Node.js language host and the docker, command and random plugins;
// scripts/build-images.sh's images. Stack `conformance`, gateway on 127.0.0.1:18480.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ROOT } from "../config/stackFile";
import { removeLabeled } from "../rehearsal/client";
import { realEngineMissing } from "../rehearsal/realEngine";
import { comparePlans, describeStep, parseEvents, planFromEvents, RecordedPlan } from "./plan";
import { fixtureName, SCENARIOS, writeScenarioStackFile } from "./scenarios";

const STACK = "conformance";
export const FIXTURES = path.join(ROOT, "conformance", "fixtures");
const USAGE =
  "usage: npm run conformance:record -- [--check] [--only NAME]   (exit codes: 0 recorded or equal, 1 a difference or a failed run, 64 usage)";

function main(): number {
  const argv = process.argv.slice(2);
  const check = argv.includes("--check");
  const onlyAt = argv.indexOf("--only");
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  const unknown = argv.filter((a, i) => !["--check", "--only"].includes(a) && !(onlyAt >= 0 && i === onlyAt + 1));
  if (argv.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  if (unknown.length || (onlyAt >= 0 && !only)) {
    console.error(`record: unknown arguments ${unknown.join(" ")}\n${USAGE}`);
    return 64;
  }

  const missing = realEngineMissing();
  if (missing) {
    console.error(
      `record: ${missing} (the recorder uses an installed toolchain: CLI, Node.js language host, docker/command/random plugins)`,
    );
    return 1;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), "conformance-"));
  const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${work}/state`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  const pulumi = (args: string[]) => spawnSync("pulumi", args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
  mkdirSync(`${work}/state`);
  const versions = toolchainVersions(pulumi);
  console.log(
    `record: ${Object.entries(versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  if (pulumi(["stack", "init", STACK, "--non-interactive"]).status !== 0) throw new Error("pulumi stack init failed");

  let differences = 0;
  let failedRuns = 0;
  try {
    for (const s of SCENARIOS) {
      const stackFile = path.join(work, `Pulumi.${STACK}.yaml`);
      writeScenarioStackFile(stackFile, s);
      const events = path.join(work, `${s.name}.events`);
      const started = Date.now();
      // --json streams the engine's events, one JSON object a line (this CLI has no --event-log).
      const run = pulumi([
        s.destroy ? "destroy" : "up",
        "--yes",
        "--skip-preview",
        "--non-interactive",
        "--json",
        "-s",
        STACK,
        "--config-file",
        stackFile,
      ]);
      const seconds = (Date.now() - started) / 1000;
      writeFileSync(events, run.stdout);
      writeFileSync(path.join(work, `${s.name}.log`), run.stderr);
      const log = parseEvents(run.stdout);
      const ok = run.status === 0;
      const plan = planFromEvents(s.name, log, ok);
      const summary = log.find((e) => e.summaryEvent)?.summaryEvent?.resourceChanges ?? {};
      console.log(`record: ${s.name}: ${ok ? "ok" : "FAILED"} in ${seconds.toFixed(1)}s, ${JSON.stringify(summary)}`);
      for (const step of plan.steps) console.log(`  ${describeStep(step)}`);
      if (ok !== s.ok) {
        failedRuns++;
        console.error(`record: ${s.name} was expected to ${s.ok ? "succeed" : "fail"}; log: ${path.join(work, `${s.name}.log`)}`);
        console.error(run.stdout.split("\n").slice(-30).join("\n"));
      }
      if (only && only !== s.name) continue;
      const file = path.join(FIXTURES, fixtureName(s));
      if (check) {
        if (!existsSync(file)) {
          console.error(`record: no fixture ${file}`);
          differences++;
          continue;
        }
        const recorded: RecordedPlan = JSON.parse(readFileSync(file, "utf8"));
        const problems = comparePlans(recorded, plan);
        for (const p of problems) console.error(`record: live plan differs: ${p}`);
        differences += problems.length;
      } else {
        const previous: RecordedPlan | undefined = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : undefined;
        const recorded: RecordedPlan & { summary: Record<string, number>; seconds: number } = {
          ...plan,
          recordedWith: versions,
          recordedAt: new Date().toISOString(),
          summary,
          seconds,
          ...(previous?.knownDifferences ? { knownDifferences: previous.knownDifferences } : {}),
        };
        writeFileSync(file, `${JSON.stringify(recorded, null, 1)}\n`);
      }
    }
  } finally {
    // Whatever a failed run left behind: destroy, then anything still labeled with the stack.
    pulumi([
      "destroy",
      "--yes",
      "--skip-preview",
      "--non-interactive",
      "-s",
      STACK,
      "--config-file",
      path.join(work, `Pulumi.${STACK}.yaml`),
    ]);
    pulumi(["stack", "rm", STACK, "--yes", "--force", "--non-interactive"]);
    removeLabeled(STACK);
    if (!process.env.CONFORMANCE_KEEP) rmSync(work, { recursive: true, force: true });
    else console.log(`record: logs and event logs kept in ${work}`);
  }
  return differences || failedRuns ? 1 : 0;
}

/** The CLI's and each plugin's version, as the engine reports them. */
function toolchainVersions(pulumi: (args: string[]) => { stdout: string; status: number | null }): Record<string, string> {
  const out: Record<string, string> = { pulumi: pulumi(["version"]).stdout.trim() };
  const plugins: { name: string; kind: string; version: string }[] = JSON.parse(pulumi(["plugin", "ls", "--json"]).stdout || "[]");
  for (const p of plugins) out[`${p.kind}:${p.name}`] = [out[`${p.kind}:${p.name}`], p.version].filter(Boolean).join(", ");
  const host = spawnSync("pulumi-language-nodejs", ["--version"], { encoding: "utf8" });
  out["language:nodejs"] = host.status === 0 ? host.stdout.trim() : "beside the CLI (no --version)";
  out.docker = execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8" }).trim();
  // Where a plugin is not the release its version says (built from other source), say so.
  if (process.env.CONFORMANCE_TOOLCHAIN_NOTE) out.note = process.env.CONFORMANCE_TOOLCHAIN_NOTE;
  return out;
}

if (require.main === module) process.exit(main());
