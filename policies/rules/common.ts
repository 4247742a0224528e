// Helpers shared by the rules: how a TaskFlow container says what it is.
import { PolicyResource } from "@pulumi/policy";

import { LABELS } from "../../components/shared";

export const CONTAINER = "docker:index/container:Container";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";

type Labels = { label: string; value: string }[] | undefined;

/** The `taskflow.role` label (api, postgres, redis, gateway, ...), if any. */
export function roleOf(props: { labels?: Labels }): string | undefined {
  return props.labels?.find((l) => l.label === LABELS.role)?.value;
}

/** Postgres or Redis: by role label, or by image name for containers of other programs. */
export function isDataStore(props: { labels?: Labels; image?: string }): boolean {
  const role = roleOf(props);
  if (role) return role === "postgres" || role === "redis";
  return /(^|\/)(postgres|redis)[:@]/.test(props.image ?? "");
}

export function resourcesOfType(resources: PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((r) => r.type === type);
}
