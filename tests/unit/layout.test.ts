// The layout rules of components/ (one folder per part of the system), checked on the
// import graph itself: a part's files import their own part, shared/ and the config;
// another part only through its index; nothing imports back up, and the parts form no
// cycle. Outside components/, the program's code takes a part through its index too.
import * as fs from "node:fs";
import * as path from "node:path";

import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const COMPONENTS = path.join(ROOT, "components");
const PARTS = ["api", "data", "gates", "gateway", "github", "shared"];
/** Which parts each part may use (through its index): the layers, bottom up. */
const MAY_USE: Record<string, string[]> = {
  shared: [],
  gates: ["shared"],
  data: ["shared"],
  github: [],
  api: ["shared", "gates"],
  gateway: ["shared", "gates"],
};

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : filesUnder(p);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) ? [p] : [];
  });
}

/** Relative imports and requires of a file, resolved to absolute paths (a folder: its index). */
function importsOf(file: string): string[] {
  const src = fs.readFileSync(file, "utf8");
  return [...src.matchAll(/(?:\bfrom\s+|\brequire\(\s*|^import\s+)["'](\.[^"']*)["']/gm)].map((m) =>
    path.resolve(path.dirname(file), m[1]),
  );
}

const rel = (p: string) => path.relative(ROOT, p);
const partOf = (p: string) => path.relative(COMPONENTS, p).split(path.sep)[0];

describe("components/ by part of the system", () => {
  const files = filesUnder(COMPONENTS);

  it("has exactly the parts, each with an index, and at its top only the composition", () => {
    const top = fs.readdirSync(COMPONENTS, { withFileTypes: true });
    expect(
      top
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort(),
    ).toEqual(PARTS);
    expect(
      top
        .filter((e) => e.isFile())
        .map((e) => e.name)
        .sort(),
    ).toEqual(["index.ts", "taskflowStack.ts"]);
    for (const part of PARTS) expect(fs.existsSync(path.join(COMPONENTS, part, "index.ts")), part).toBe(true);
  });

  it("a part imports its own files, shared/, the config, and other parts only through their index, as layered", () => {
    const problems: string[] = [];
    for (const file of files.filter((f) => PARTS.includes(partOf(f)))) {
      const part = partOf(file);
      for (const target of importsOf(file)) {
        if (target.startsWith(path.join(ROOT, "config"))) continue;
        if (!target.startsWith(COMPONENTS + path.sep)) {
          problems.push(`${rel(file)} imports ${rel(target)} (outside components/ and config/)`);
          continue;
        }
        const other = partOf(target);
        if (other === part) continue;
        if (!PARTS.includes(other)) {
          problems.push(`${rel(file)} imports ${rel(target)}, above the parts`);
          continue;
        }
        if (!MAY_USE[part].includes(other)) {
          problems.push(`${rel(file)} (${part}) uses ${other}, which it may not`);
          continue;
        }
        // Plain CommonJS programs cannot load a TypeScript index: they take shared/'s .js files directly.
        const viaIndex = target === path.join(COMPONENTS, other) || (file.endsWith(".js") && other === "shared" && target.endsWith(".js"));
        if (!viaIndex) problems.push(`${rel(file)} reaches into ${rel(target)}; import ../${other} (its index)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("outside components/, the program's code takes a part through components/ or a part's index", () => {
    const dirs = ["bench", "conformance", "policies", "previews", "rehearsal", "config"].map((d) => path.join(ROOT, d));
    const problems = [...dirs.flatMap(filesUnder), path.join(ROOT, "index.ts")].flatMap((file) =>
      importsOf(file)
        .filter((t) => t.startsWith(COMPONENTS) && t !== COMPONENTS && !PARTS.some((p) => t === path.join(COMPONENTS, p)))
        .map((t) => `${rel(file)} reaches into ${rel(t)}`),
    );
    expect(problems).toEqual([]);
  });

  it("nothing outside tests/ imports from tests/", () => {
    const dirs = ["bench", "components", "conformance", "config", "policies", "previews", "rehearsal", "scripts"].map((d) =>
      path.join(ROOT, d),
    );
    const problems = [...dirs.flatMap(filesUnder), path.join(ROOT, "index.ts")].flatMap((file) =>
      importsOf(file)
        .filter((t) => t.startsWith(path.join(ROOT, "tests")))
        .map((t) => `${rel(file)} imports ${rel(t)}`),
    );
    expect(problems).toEqual([]);
  });

  it("one module style: TypeScript, and CommonJS for the programs Node runs without a loader (no ES module syntax in them)", () => {
    const problems: string[] = [];
    for (const file of files) {
      const name = path.basename(file);
      if (/\.(mjs|cjs)$/.test(name)) problems.push(`${rel(file)}: .mjs/.cjs; use .ts, or CommonJS .js for a program`);
      if (name.endsWith(".js")) {
        const src = fs.readFileSync(file, "utf8");
        if (/^(import|export)\s/m.test(src)) problems.push(`${rel(file)}: ES module syntax in a CommonJS file`);
        if (!src.includes('"use strict";')) problems.push(`${rel(file)}: no "use strict"`);
        // A program (run by path, with a #!) is named like a command; a module like the TypeScript files.
        const program = src.startsWith("#!");
        if (program && !/^[a-z]+(-[a-z]+)+\.js$/.test(name)) problems.push(`${rel(file)}: a program is named kebab-case (run-argv.js)`);
        if (!program && !/^[a-z][A-Za-z]*\.js$/.test(name))
          problems.push(`${rel(file)}: a module is named camelCase (healthGateOptions.js)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("names every program the commands run by a path that exists", async () => {
    const { HEALTH_GATE, REPLICA_WATCH, RUN_ARGV, SWARM_CHECK } = await import("../../components");
    for (const program of [HEALTH_GATE, REPLICA_WATCH, RUN_ARGV, SWARM_CHECK]) {
      expect(fs.readFileSync(path.join(ROOT, program), "utf8").startsWith("#!/usr/bin/env node"), program).toBe(true);
    }
  });
});
