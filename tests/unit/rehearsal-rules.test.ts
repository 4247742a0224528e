// The rehearsal's update-or-replace decisions, which mirror the providers' schemas.
import { describe, expect, it } from "vitest";

import { REPLICA_REPLACE_ON_CHANGES } from "../../components";
import { changedKeys } from "../../rehearsal/engine";
import { CONTAINER_IN_PLACE, PROVIDERS } from "../../rehearsal/providers";

const container = PROVIDERS["docker:index/container:Container"];
const command = PROVIDERS["command:local:Command"];

describe("rehearsal step rules", () => {
  it.each([
    [["memory"], true],
    [["memorySwap", "restart"], true],
    [["healthcheck"], true],
    [["tmpfs"], true],
    [["cpus"], false],
    [["image"], false],
    [["envs"], false],
    [["labels"], false],
    [["memory", "image"], false],
  ])("updates a container in place only for non-ForceNew inputs: %j -> %s", (changed, inPlace) => {
    expect(container.updatable(changed as string[])).toBe(inPlace);
  });

  it("rolls replicas on every in-place input the provider cannot apply to a running container", () => {
    for (const k of ["healthcheck", "tmpfs"]) {
      expect(CONTAINER_IN_PLACE).toContain(k);
      expect(REPLICA_REPLACE_ON_CHANGES).toContain(k);
    }
  });

  it("re-runs a command in place, and replaces it when its triggers change", () => {
    expect(command.updatable(["create", "stdin"])).toBe(true);
    expect(command.updatable(["create", "triggers"])).toBe(false);
  });

  it("compares inputs structurally, ignoring key order", () => {
    expect(changedKeys({ a: { x: 1, y: 2 }, b: [1] }, { b: [1], a: { y: 2, x: 1 } })).toEqual([]);
    expect(changedKeys({ a: 1, b: 2 }, { a: 1, c: 3 })).toEqual(["b", "c"]);
  });
});
