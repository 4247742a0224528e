import { describe, expect, it } from "vitest";

// @ts-expect-error: a plain CommonJS program without type declarations
import { judge, parseArgs, verdict } from "../../components/api/replica-watch.js";

const T0 = Date.parse("2026-11-30T12:00:00Z");
const NEW = `sha256:${"b".repeat(64)}`;
const OLD = `sha256:${"a".repeat(64)}`;
const c = (name: string, health: string, createdOffsetMs = 500, image = NEW) => ({
  id: `id-${name}`,
  name,
  image,
  created: T0 + createdOffsetMs,
  health,
});

describe("replica-watch judge", () => {
  it("removes a new replica Docker calls unhealthy", () => {
    expect(judge([c("new-0", "unhealthy"), c("new-1", "starting")], NEW, T0)).toEqual({
      remove: [c("new-0", "unhealthy")],
      healthy: 0,
      starting: 1,
    });
  });

  it("counts a new replica created just before the watch started (Pulumi starts both together)", () => {
    expect(judge([c("new-0", "healthy", -2_000), c("new-1", "healthy", -500)], NEW, T0)).toMatchObject({ healthy: 2 });
  });

  it("never touches a replica of the old image, however unhealthy or recent", () => {
    expect(judge([c("old-0", "unhealthy", 100, OLD), c("new-0", "healthy")], NEW, T0)).toEqual({ remove: [], healthy: 1, starting: 0 });
  });

  it("never touches an older container of the same image (a failed update's pending delete)", () => {
    expect(judge([c("older-0", "unhealthy", -600_000), c("new-0", "starting")], NEW, T0)).toEqual({ remove: [], healthy: 0, starting: 1 });
  });
});

describe("replica-watch verdict", () => {
  it("passes once the expected number of new replicas are healthy, not before", () => {
    expect(verdict({ healthy: 1, starting: 1 }, 0, 2)).toBeUndefined();
    expect(verdict({ healthy: 2, starting: 0 }, 0, 2)).toBe(0);
  });

  it("stops at the timeout: failing if it removed any, else leaving it to the provider's wait", () => {
    expect(verdict({ healthy: 0, starting: 1 }, 1, 2, true)).toBe(1);
    expect(verdict({ healthy: 1, starting: 1 }, 0, 2, true)).toBe(0);
    expect(verdict({ healthy: 1, starting: 1 }, 0, 2, false)).toBeUndefined();
  });

  it("fails only when every new replica is judged, so none is left running", () => {
    expect(verdict({ healthy: 0, starting: 1 }, 1, 2)).toBeUndefined();
    expect(verdict({ healthy: 0, starting: 0 }, 2, 2)).toBe(1);
    expect(verdict({ healthy: 1, starting: 0 }, 1, 2)).toBe(1);
  });
});

describe("replica-watch parseArgs", () => {
  it("reads its four options", () => {
    expect(parseArgs(["--stack", "dev", "--image", NEW, "--count", "2", "--timeout", "130"])).toEqual({
      stack: "dev",
      image: NEW,
      count: 2,
      timeout: 130,
    });
  });

  it.each([
    [["--stack", "dev", "--image", NEW, "--count", "0", "--timeout", "30"], /--count must be a whole number of at least 1/],
    [["--stack", "dev", "--image", NEW, "--count", "2", "--timeout", "x"], /--timeout must be a whole number/],
    [["--stack", "dev", "--image", NEW, "--count", "2", "--bogus", "1"], /usage: replica-watch.js/],
    [["--stack", "dev", "--image", "taskflow-api:v2", "--count", "2", "--timeout", "30"], /--image \(sha256/],
    [["--stack", "dev", "--count", "2", "--timeout", "30"], /--image \(sha256/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
