import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs program without type declarations
import { judge, parseArgs } from "../../components/bin/replica-watch.mjs";

const T0 = Date.parse("2026-11-30T12:00:00Z");
const c = (name: string, health: string, createdOffsetMs = 500) => ({ id: `id-${name}`, name, created: T0 + createdOffsetMs, health });

describe("replica-watch judge", () => {
  it("removes a new replica Docker calls unhealthy", () => {
    expect(judge([c("new-0", "unhealthy"), c("new-1", "starting")], T0, 2)).toEqual({ remove: [c("new-0", "unhealthy")], done: false });
  });

  it("never touches a replica created before the watch began, however unhealthy", () => {
    expect(judge([c("old-0", "unhealthy", -60_000), c("new-0", "healthy")], T0, 1)).toEqual({ remove: [], done: true });
  });

  it("is done once the expected number of new replicas are healthy, not before", () => {
    expect(judge([c("new-0", "healthy"), c("new-1", "starting")], T0, 2).done).toBe(false);
    expect(judge([c("new-0", "healthy"), c("new-1", "healthy")], T0, 2).done).toBe(true);
  });
});

describe("replica-watch parseArgs", () => {
  it("reads its four options", () => {
    expect(parseArgs(["--stack", "dev", "--version", "v2", "--count", "2", "--timeout", "130"])).toEqual({ stack: "dev", version: "v2", count: 2, timeout: 130 });
  });

  it.each([
    [["--stack", "dev", "--version", "v2", "--count", "0", "--timeout", "30"], /--count must be a whole number of at least 1/],
    [["--stack", "dev", "--version", "v2", "--count", "2", "--timeout", "x"], /--timeout must be a whole number/],
    [["--stack", "dev", "--version", "v2", "--count", "2", "--bogus", "1"], /usage: replica-watch.mjs/],
    [["--stack", "dev", "--count", "2", "--timeout", "30"], /usage: replica-watch.mjs/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
