import { spawnSync } from "node:child_process";
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import { ROOT } from "../mocks";

const run = (arg: string, input?: string) =>
  spawnSync("node", [path.join(ROOT, "components/shared/run-argv.js"), arg], { encoding: "utf8", input });

describe("run-argv (the commands' interpreter)", () => {
  it("passes every word literally, with no shell in between", () => {
    const r = run(JSON.stringify(["printf", "%s|", "a b", "$(id)", "; rm -rf /"]));
    expect(r.stdout).toBe("a b|$(id)|; rm -rf /|");
    expect(r.status).toBe(0);
  });

  it("exits with the command's own exit code", () => {
    expect(run(JSON.stringify(["sh", "-c", "exit 7"])).status).toBe(7);
  });

  it("passes stdin through (the cutover sends the Caddyfile this way)", () => {
    expect(run(JSON.stringify(["cat"]), "config\n").stdout).toBe("config\n");
  });

  it("refuses anything but a JSON list of strings", () => {
    const r = run("docker ps");
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("expected a JSON list of strings");
  });
});
