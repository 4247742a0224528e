// The one backup procedure (components/data/backup.sh), run for real with stand-in
// pg_dump and pg_restore: as the pre-rollout backup runs it (`sh -c BACKUP_SCRIPT`,
// the file without its comments) and as scripts/backup.sh runs it (the file itself).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { BACKUP_SCRIPT, BACKUP_SCRIPT_FILE } from "../../components";

let tmp: string;
let bin: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "taskflow-backup-"));
  bin = path.join(tmp, "bin");
  fs.mkdirSync(bin);
  // pg_dump writes a "dump" (or fails with FAIL_DUMP); pg_restore reads all of stdin and
  // fails on FAIL_VERIFY, as a truncated dump would make it.
  fs.writeFileSync(path.join(bin, "pg_dump"), '#!/bin/sh\n[ -z "${FAIL_DUMP:-}" ] || exit 1\necho "dump of $4 by $2"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "pg_restore"), '#!/bin/sh\ncat >/dev/null\n[ -z "${FAIL_VERIFY:-}" ]\n', { mode: 0o755 });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ways = {
  "in the container (sh -c BACKUP_SCRIPT)": ["-c", BACKUP_SCRIPT],
  "on the host (sh backup.sh)": [BACKUP_SCRIPT_FILE],
};

describe.each(Object.entries(ways))("backup procedure, %s", (_, shArgs) => {
  const dir = () => path.join(tmp, "backups");
  const run = (env: Record<string, string> = {}) =>
    spawnSync("sh", shArgs, {
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH}`, BACKUP_DIR: dir(), KEEP: "2", POSTGRES_USER: "taskflow", POSTGRES_DB: "taskflow", ...env },
    });
  const dumps = () => fs.readdirSync(dir()).sort();

  it("writes a verified, private dump named by UTC time, and prints its path", () => {
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    const file = r.stdout.trim();
    expect(path.basename(file)).toMatch(/^taskflow-\d{8}T\d{6}Z\.dump$/);
    expect(fs.readFileSync(file, "utf8")).toBe("dump of taskflow by taskflow\n");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir()).mode & 0o777).toBe(0o700);
    expect(r.stderr).toContain(`backup: ${file}`);
  });

  it("never overwrites a dump of the same second, and keeps the newest KEEP", () => {
    const files = [run(), run(), run()].map((r) => (expect(r.status, r.stderr).toBe(0), r.stdout.trim()));
    expect(new Set(files).size).toBe(3);
    expect(dumps()).toHaveLength(2);
    expect(dumps()).toContain(path.basename(files[2]));
  });

  it("leaves no .dump when the dump or its verification fails", () => {
    for (const env of [{ FAIL_DUMP: "1" }, { FAIL_VERIFY: "1" }] as Record<string, string>[]) {
      const r = run(env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(env.FAIL_DUMP ? /pg_dump failed/ : /does not verify/);
      expect(dumps()).toEqual([]);
    }
  });

  it("refuses a KEEP that is not a whole number from 1, before dumping anything", () => {
    for (const keep of ["0", "-1", "two", "1;id"]) {
      const r = run({ KEEP: keep });
      expect(r.status).toBe(64);
      expect(r.stderr).toContain(`KEEP must be a whole number >= 1 (got ${keep})`);
    }
    expect(fs.existsSync(dir())).toBe(false);
  });

  it("removes what a dump cut short left behind, which never counts toward KEEP", () => {
    fs.mkdirSync(dir(), { recursive: true });
    fs.writeFileSync(path.join(dir(), "taskflow-19990101T000000Z.dump.partial"), "half");
    expect(run().status).toBe(0);
    expect(dumps().filter((f) => f.endsWith(".partial"))).toEqual([]);
  });

  it("names dumps by PREFIX when given (scripts/backup.sh names them by stack)", () => {
    expect(path.basename(run({ PREFIX: "staging" }).stdout.trim())).toMatch(/^staging-\d{8}T\d{6}Z\.dump$/);
  });
});
