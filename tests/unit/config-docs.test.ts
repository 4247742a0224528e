import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { z } from "zod";

import { githubStackSchema } from "../../config";
import { configKeys, readConfigBlock, renderConfigBlock, renderConfigTable, replaceConfigBlock } from "../../config/configDocs";

const README = join(__dirname, "..", "..", "README.md");
const row = (key: string) => configKeys().find((k) => k.key === key);

describe("README's config-key table", () => {
  it("is the table the schema renders", () => {
    const readme = readFileSync(README, "utf8");
    expect(readConfigBlock(readme), "README.md's config table is not what config/schema.ts renders: run `npm run docs:config`").toBe(
      renderConfigBlock(),
    );
  });

  it("gives every key of the schema a description", () => {
    const undescribed = configKeys()
      .filter((k) => !k.description)
      .map((k) => k.key);
    expect(undescribed, "describe these keys in config/schema.ts (`.describe(...)` as the key's last call)").toEqual([]);
  });
});

describe("configKeys", () => {
  it("lists each key once, in schema order, with the default the schema computes", () => {
    expect(row("api.replicas")).toMatchObject({ default: "2", description: "API replicas, 1–20" });
    expect(row("api.healthcheck.retries")?.default).toBe("3");
    expect(row("api.migrationCommand")?.default).toBe("`[alembic, upgrade, head]`");
    expect(row("api.readOnlyRootFilesystem")?.default).toBe("true");
    expect(row("gateway.cpus")?.default).toBe("0.5");
    expect(row("logging.maxSize")?.default).toBe("`10m`");
    expect(row("api.env")?.default).toBe("`{}`");
    const keys = configKeys().map((k) => k.key);
    expect(keys.slice(0, 3)).toEqual(["environment", "image", "runtime"]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("marks required keys, optional keys without a default, and defaults computed elsewhere", () => {
    expect(row("environment")?.default).toBe("(required)");
    expect(row("gateway.image")?.default).toBe("(required)");
    expect(row("gateway.domain")?.default).toBe("–");
    expect(row("api.version")?.default).toBe("see meaning");
    expect(row("gateway.publicUrl")?.default).toBe("see meaning");
    expect(row("gateway.hsts")?.default).toBe("see meaning");
  });

  it("documents a map per GitHub environment as one key", () => {
    const github = configKeys(githubStackSchema);
    const at = (key: string) => github.find((k) => k.key === key);
    expect(at("github.variables.{staging,production,preview,production-preview,github-settings,deploy-bot}")?.default).toBe("`{}`");
    expect(at("githubSecrets.{staging,production,preview,production-preview,github-settings,deploy-bot}")?.default).toBe("`{}`");
    expect(github.map((k) => k.key)).not.toContain("github.variables.staging");
    expect(
      configKeys().filter((k) => k.key.startsWith("github")),
      "the runtime stacks hold no GitHub keys",
    ).toEqual([]);
  });

  it("finds no description that a later .default() hides", () => {
    // zod 4 keeps a description on the schema it was given to, not on a wrapper made after.
    const schema = z.strictObject({ hidden: z.number().describe("lost").default(1), kept: z.number().default(1).describe("kept") });
    expect(configKeys(schema)).toEqual([
      { key: "hidden", default: "1", description: undefined },
      { key: "kept", default: "1", description: "kept" },
    ]);
  });
});

describe("renderConfigTable", () => {
  it("renders one row per key, with | escaped", () => {
    expect(renderConfigTable([{ key: "a.b", default: "`x`", description: "this | that" }])).toBe(
      "| key | default | meaning |\n|---|---|---|\n| `a.b` | `x` | this \\| that |",
    );
    expect(renderConfigTable()).toContain("| `api.replicas` | 2 | API replicas, 1–20 |");
  });

  it("refuses a key without a description and names it", () => {
    expect(() => renderConfigTable([{ key: "api.port", default: "8000", description: undefined }])).toThrow(
      'config/schema.ts: no description for api.port; add .describe("...") as each key\'s last call',
    );
  });
});

describe("replaceConfigBlock", () => {
  const readme = "# T\n\nbefore\n<!-- config-table:start -->\nold\n<!-- config-table:end -->\nafter\n";

  it("replaces only the block between the markers", () => {
    expect(replaceConfigBlock(readme, "<!-- config-table:start -->\nnew\n<!-- config-table:end -->")).toBe(
      "# T\n\nbefore\n<!-- config-table:start -->\nnew\n<!-- config-table:end -->\nafter\n",
    );
  });

  it("refuses a README without exactly one block", () => {
    expect(() => replaceConfigBlock("# T\n", "x")).toThrow(
      "README.md: expected one <!-- config-table:start --> ... <!-- config-table:end --> block",
    );
    expect(() => replaceConfigBlock(readme + readme, "x")).toThrow("expected one");
  });
});
