import { describe, expect, it } from "vitest";

import { dataVolumesProtected } from "../../policies/rules/dataVolumesProtected";
import { violations } from "./harness";

const volume = (role: string, protect: boolean) => ({
  type: "docker:index/volume:Volume",
  props: { labels: [{ label: "taskflow.role", value: role }] },
  opts: { protect },
});

describe("data-volumes-protected", () => {
  it.each(["postgres-data", "postgres-backups", "redis-data"])("passes a protected %s volume", async (role) => {
    expect(await violations(dataVolumesProtected, volume(role, true))).toEqual([]);
  });
  it.each(["postgres-data", "postgres-backups", "redis-data"])("refuses an unprotected %s volume", async (role) => {
    expect(await violations(dataVolumesProtected, volume(role, false))).toEqual([
      "Data volume is not protected. Set the resource option protect: true (config taskflow:protectData).",
    ]);
  });
  it("leaves other volumes alone", async () => {
    expect(await violations(dataVolumesProtected, volume("gateway-config", false))).toEqual([]);
  });
});
