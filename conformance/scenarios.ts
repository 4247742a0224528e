// The updates whose plans the real engine recorded and the rehearsal must reproduce,
// in the order they run on one stack. Each scenario's config is the dev stack file with
// BASE and its own settings applied: a whole config, not a change to the previous one,
// so a scenario reads on its own. API cpus is 1 so the provider's read-back of a whole
// number ("1.0") is exercised; a short wait timeout keeps the bad tag's failure short;
// the canary step is on, with its shortest window.
import { stackFileConfig, withSetting, writeStackFile } from "../config/stackFile";

export interface Scenario {
  name: string;
  /** Settings on top of BASE (dot paths, as `npm run rehearse -- --set`). */
  sets: Record<string, unknown>;
  /** `pulumi destroy` instead of `pulumi up`. */
  destroy?: boolean;
  /** Whether the update succeeds. */
  ok: boolean;
}

export const BASE: Record<string, unknown> = {
  image: "taskflow-api:v1",
  "api.replicas": 2,
  "api.cpus": 1,
  "api.waitTimeoutSeconds": 20,
  "gateway.hostPort": 18480,
  // The canary runs in every update (as in staging and production); with no traffic it is not judged.
  "canary.enabled": true,
  "canary.windowSeconds": 5,
};

export const SCENARIOS: Scenario[] = [
  { name: "fresh-deploy", sets: {}, ok: true },
  { name: "no-change", sets: {}, ok: true },
  { name: "v1-to-v2", sets: { image: "taskflow-api:v2" }, ok: true },
  { name: "bad-tag", sets: { image: "taskflow-api:never-healthy" }, ok: false },
  { name: "good-tag-after-bad", sets: { image: "taskflow-api:v2" }, ok: true },
  { name: "rollback", sets: { image: "taskflow-api:v1" }, ok: true },
  { name: "replicas-2-to-3", sets: { "api.replicas": 3 }, ok: true },
  { name: "gateway-setting", sets: { "api.replicas": 3, "gateway.lbTryDurationSeconds": 3 }, ok: true },
  { name: "data-store-setting", sets: { "api.replicas": 3, "gateway.lbTryDurationSeconds": 3, "postgres.cpus": 2 }, ok: true },
  { name: "destroy", sets: {}, destroy: true, ok: true },
];

/** The scenario's whole config, as Pulumi hands it to the program (`taskflow:key -> string`). */
export function scenarioConfig(s: Scenario, overrides: Record<string, unknown> = {}): Record<string, string> {
  let config = stackFileConfig("dev");
  for (const [k, v] of Object.entries({ ...BASE, ...s.sets, ...overrides })) config = withSetting(config, k, v);
  return config;
}

/** Writes the scenario's config as a stack file (for `pulumi up --config-file` and `rehearse --config-file`). */
export function writeScenarioStackFile(file: string, s: Scenario, overrides: Record<string, unknown> = {}): void {
  writeStackFile(file, scenarioConfig(s, overrides));
}

/** The fixture file of a scenario: its position keeps the directory listing in run order. */
export const fixtureName = (s: Scenario) => `${String(SCENARIOS.indexOf(s) + 1).padStart(2, "0")}-${s.name}.json`;
