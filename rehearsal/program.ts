// Runs the program (index.ts) under Pulumi mocks: the one way both the rehearsal
// (rehearsal/cli.ts, whose mocks act on Docker) and the unit tests (their mocks.ts,
// whose mocks only record) start it.
import * as pulumi from "@pulumi/pulumi";

import { Registration, watchRegistrations } from "./monitor";

export interface MockedRun {
  stack: string;
  /** `taskflow:key -> value`, as Pulumi hands stack config to the program. */
  config: Record<string, string>;
  secretKeys?: string[];
  mocks: pulumi.runtime.Mocks;
  /** Each registration before the mocks see it (resource options live only there). */
  before?: (r: Registration) => void;
  /** Each registration after the mocks answered. */
  after?: (r: Registration, urn: string, state: Record<string, any>) => void;
  /** Loads index.ts afresh and returns its exports. */
  load: () => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/** Sets config and mocks, watches registrations, loads the program; returns its exported Outputs. */
export async function startProgram(run: MockedRun): Promise<[string, pulumi.Output<unknown>][]> {
  pulumi.runtime.setAllConfig(run.config, run.secretKeys ?? []);
  await pulumi.runtime.setMocks(run.mocks, "taskflow", run.stack, false);
  watchRegistrations(run.before ?? (() => {}), run.after);
  const program = await run.load();
  return Object.entries(program).filter((e): e is [string, pulumi.Output<unknown>] => pulumi.Output.isInstance(e[1]));
}

/** The value of an Output, once known. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) =>
    output.apply((v) => {
      resolve(v);
      return v;
    }),
  );
}

/** Waits for the registrations the program still has in flight. */
export const settled = (): Promise<void> => (pulumi.runtime as any).waitForRPCs();
