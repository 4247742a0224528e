// `npm run rehearse -- --stack NAME [--config-from dev] [--set key=value ...] [--destroy] [--result FILE]`
// Runs the real program (index.ts) with a stack's config under Pulumi mocks whose
// steps create the resources on the local Docker engine (see engine.ts).
import { writeFileSync } from "node:fs";
import * as path from "node:path";

import { loadConfig } from "../config";
import { parseSetting, ROOT, stackFileConfig, stackFileConfigAt, withSetting } from "../config/stackFile";
import { useDockerHost } from "./dockerApi";
import { Rehearsal } from "./engine";
import { settled, startProgram, valueOf } from "./program";
import { rehearsalStateFile } from "./stateFile";

const USAGE = `usage: npm run rehearse -- --stack NAME [--config-from STACKFILE | --config-file PATH] [--set key=value]... [--destroy] [--result FILE]
  --stack        stack name: labels the Docker objects, names the state file .rehearsal/NAME.json
                 (TASKFLOW_REHEARSAL_STATE_DIR: another folder, a backend shared by several checkouts)
  --config-from  which Pulumi.<name>.yaml to read (default: NAME when that file exists, else dev)
  --config-file  read this stack file instead (e.g. a preview's, from previews/cli.ts)
  --set          change one config key, e.g. --set image=taskflow-api:v2 --set api.replicas=2
  --reuse-config start from the previous update's --config-from and --set values
  --destroy      delete everything the stack's state holds
  --history      print the images of the stack's successful updates, newest first, and exit
  --result       write {ok, error, outputs, counts, seconds, plan, timings, failedStep} as JSON to FILE (plan: conformance/plan.ts)
exit codes: 0 success, 1 the update failed, 64 usage`;

interface Args {
  stack: string;
  configFrom?: string;
  configFile?: string;
  sets: [string, unknown][];
  destroy: boolean;
  history: boolean;
  reuse: boolean;
  result?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { stack: "", sets: [], destroy: false, history: false, reuse: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--stack") args.stack = value();
    else if (a === "--config-from") args.configFrom = value();
    else if (a === "--config-file") args.configFile = path.resolve(value());
    else if (a === "--set") args.sets.push(parseSetting(value()));
    else if (a === "--destroy") args.destroy = true;
    else if (a === "--history") args.history = true;
    else if (a === "--reuse-config") args.reuse = true;
    else if (a === "--result") args.result = value();
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(args.stack)) throw new Error("--stack is required: lower-case letters, digits and dashes");
  return args;
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`rehearse: ${(e as Error).message}\n${USAGE}`);
    return 64;
  }
  const started = Date.now();
  const log = (line: string) => console.log(line);
  const engine = new Rehearsal(rehearsalStateFile(args.stack), log);
  if (args.history) {
    // What rollback.sh offers: the state file itself stays the rehearsal's own.
    for (const image of [...(engine.state.history ?? [])].reverse()) console.log(image);
    return 0;
  }
  let outputs: Record<string, unknown> = {};

  try {
    if (args.destroy) {
      log(`rehearse: destroying stack ${args.stack}`);
      // The engine the stack's config names (its docker.host): --config-file/--config-from
      // when given, else the last update's settings; the local engine when neither resolves.
      const last = engine.state.settings;
      const from = args.configFile ?? args.configFrom;
      try {
        const config = from ? configOf(from, []) : last ? configOf(last.configFrom, last.sets) : undefined;
        if (config) await useDockerHost(loadConfig(config).docker.host);
      } catch (e) {
        log(`rehearse: destroying through the local engine (the stack's docker.host: ${(e as Error).message})`);
        await useDockerHost("unix:///var/run/docker.sock");
      }
      await engine.destroy();
    } else {
      const previous = args.reuse ? engine.state.settings : undefined;
      const base = args.configFile ?? args.configFrom ?? previous?.configFrom ?? (existsStackFile(args.stack) ? args.stack : "dev");
      const sets = [...(previous?.sets ?? []).filter(([k]) => !args.sets.some(([n]) => n === k)), ...args.sets];
      const config = configOf(base, sets);
      await useDockerHost(loadConfig(config).docker.host);
      log(
        `rehearse: updating stack ${args.stack} (config from ${args.configFile ?? `Pulumi.${base}.yaml`}${sets.length ? `, ${sets.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}` : ""})`,
      );
      outputs = await runProgram(args.stack, config, engine);
      if (!engine.failure) {
        await engine.finish();
        engine.state.settings = { configFrom: base, sets };
        const history = (engine.state.history ??= []);
        if (history.at(-1) !== outputs.image) history.push(String(outputs.image));
        // The outputs the workflows read back (`pulumi stack output`): none is a secret.
        engine.state.outputs = { image: String(outputs.image), url: String(outputs.url) };
        engine.save();
      }
    }
  } catch (e) {
    engine.failure ??= e as Error;
  }
  const error = engine.failure?.message;
  const seconds = (Date.now() - started) / 1000;
  const c = engine.counts;
  log(
    `rehearse: ${args.destroy ? "destroy" : "update"} ${error ? "FAILED" : "succeeded"} in ${seconds.toFixed(1)}s: ` +
      `${c.created} created, ${c.updated} updated, ${c.replaced} replaced, ${c.deleted} deleted, ${c.same} unchanged`,
  );
  if (error) log(`rehearse: error: ${error}`);
  else if (outputs.url)
    log(`rehearse: ${outputs.url} serves ${outputs.image} (replicas: ${(outputs.replicaNames as string[]).join(", ")})`);
  if (args.result)
    writeFileSync(
      args.result,
      JSON.stringify(
        { ok: !error, error, outputs, counts: c, seconds, plan: engine.plan, timings: engine.timings, failedStep: engine.failedStep },
        null,
        1,
      ),
    );
  return error ? 1 : 0;
}

/** A stack file's config (`base`: a path, or a stack name) with `sets` applied. */
function configOf(base: string, sets: [string, unknown][]): Record<string, string> {
  let config = base.includes("/") ? stackFileConfigAt(base) : stackFileConfig(base);
  for (const [k, v] of sets) config = withSetting(config, k, v);
  return config;
}

function existsStackFile(stack: string): boolean {
  try {
    stackFileConfig(stack);
    return true;
  } catch {
    return false;
  }
}

async function runProgram(stack: string, config: Record<string, string>, engine: Rehearsal): Promise<Record<string, unknown>> {
  // A failed step rejects the outputs of everything after it; the engine has the cause.
  process.on("unhandledRejection", (e) => {
    engine.failure ??= e as Error;
  });
  const exported = await startProgram({
    stack,
    config,
    mocks: engine.mocks,
    before: (r) => engine.noteRegistration(r),
    // The program is loaded as the language host loads it: CommonJS, by path.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    load: () => require(path.join(ROOT, "index.ts")),
  });
  const outputs: Record<string, unknown> = {};
  const allOutputs = Promise.allSettled(
    exported.map(async ([k, v]) => {
      outputs[k] = await valueOf(v);
    }),
  ).then(async (results) => {
    await settled();
    const rejected = results.find((s) => s.status === "rejected") as PromiseRejectedResult | undefined;
    if (rejected && !engine.failure) engine.failure = rejected.reason;
  });
  // After a failed step, outputs that depend on it never settle: stop once the engine
  // has failed and its running steps are done, as `pulumi up` does.
  const keepAlive = setInterval(() => {}, 1000);
  await Promise.race([allOutputs, engine.stopped]);
  clearInterval(keepAlive);
  return outputs;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
