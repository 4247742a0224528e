// Workflows parsed by GitHub's own parser (@actions/workflow-parser): a file it
// reports errors for would be rejected by GitHub. The YAML is also read as plain data
// for shape assertions.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

import { parse } from "yaml";

import { ROOT } from "../../config/stackFile";

export const WORKFLOW_DIR = path.join(ROOT, ".github/workflows");

export function workflowFiles(): string[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((f) => f.endsWith(".yml"))
    .sort();
}

export async function parserErrors(file: string): Promise<string[]> {
  const { parseWorkflow, NoOperationTraceWriter, convertWorkflowTemplate } = await import("@actions/workflow-parser");
  const content = readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
  const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length === 0 && result.value) {
    const template = await convertWorkflowTemplate(result.context, result.value);
    errors.push(...(template.errors ?? []).map((e: { Message: string }) => e.Message));
  }
  return errors;
}

export interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps: {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    if?: string;
    id?: string;
    "working-directory"?: string;
  }[];
}

export interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}

export function workflowText(file: string): string {
  return readFileSync(path.join(WORKFLOW_DIR, file), "utf8");
}

export function workflow(file: string): Workflow {
  return parse(readFileSync(path.join(WORKFLOW_DIR, file), "utf8"));
}

export const needsOf = (job: Job): string[] => [job.needs ?? []].flat();
