import { describe, expect, it } from "vitest";

import { limits } from "../../components/shared";
import { dockerCpus } from "../../config/dockerCpus";

// Expected values: what terraform-provider-docker's nanoInt64ToDecimalString
// (internal/provider/helpers.go:133, pulumi-docker v5.1.0's upstream) returned for these
// limits when run as Go on 2026-11-30. Its quirks are the point: it counts every "0".
const READ_BACK: [number, string][] = [
  [1, "1.0"],
  [2, "2.0"],
  [11, "11.0"],
  [64, "64.0"],
  [10, "10."],
  [20, "20."],
  [40, "40."],
  [0.5, "0.5"],
  [0.1, "0.1"],
  [0.25, "0.25"],
  [0.15, "0.15"],
  [0.33, "0.33"],
  [0.95, "0.95"],
  [1.05, "1.05"],
  [1.5, "1.5"],
  [3.25, "3.25"],
  [0.05, "0.1"],
  [0.06, "0.1"],
  [0.07, "0.1"],
];

describe("dockerCpus", () => {
  it.each(READ_BACK)("spells %s CPUs as the provider reads them back (%s)", (cpus, spelled) => {
    expect(dockerCpus(cpus)).toBe(spelled);
  });

  it("is what every container's limits send, so a no-change update has no cpus diff", () => {
    expect(limits({ memoryMb: 512, cpus: 1 })).toEqual({ memory: 512, memorySwap: 512, cpus: "1.0" });
  });
});
