// Types of labels.js.
export const LABELS: {
  readonly stack: "taskflow.stack";
  readonly role: "taskflow.role";
  readonly version: "taskflow.version";
  readonly rotation: "taskflow.rotation";
  readonly managedBy: "taskflow.managed-by";
};
export function labelArgs(stack: string, role: string): string[];
