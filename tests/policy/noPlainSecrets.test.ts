import { describe, expect, it } from "vitest";

import { BACKUP_SCRIPT, migrationArgv, REDIS_HEALTHCHECK_TEST } from "../../components";
import { noPlainSecrets } from "../../policies/rules/noPlainSecrets";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

const FIX =
  "Keep it a Pulumi secret and pass it as an uploaded file (*_FILE) or through the environment of a command, never in the command itself.";
const cmd = (create: string) => ({ type: "command:local:Command", props: { create } });

describe("no-plain-secrets", () => {
  it("passes the program's own containers and commands", async () => {
    expect(
      await violations(noPlainSecrets, withProps(apiReplica(), { envs: ["POSTGRES_PASSWORD_FILE=/run/secrets/pw", "PORT=8000"] })),
    ).toEqual([]);
    expect(await violations(noPlainSecrets, withProps(apiReplica(), { healthcheck: { tests: REDIS_HEALTHCHECK_TEST } }))).toEqual([]);
    expect(
      await violations(
        noPlainSecrets,
        cmd(JSON.stringify(migrationArgv({ image: "i", network: "n", stack: "s", user: "1", memoryMb: 1, command: ["alembic"] }))),
      ),
    ).toEqual([]);
    expect(await violations(noPlainSecrets, cmd(BACKUP_SCRIPT))).toEqual([]);
  });

  it.each([
    [{ envs: ["POSTGRES_PASSWORD=hunter22"] }, `Container env var POSTGRES_PASSWORD holds a secret value. ${FIX}`],
    [{ envs: ["GITHUB_TOKEN=ghp_abcdef"] }, `Container env var GITHUB_TOKEN holds a secret value. ${FIX}`],
    [{ labels: [{ label: "api-key", value: "x" }] }, "Container label api-key holds a secret. Labels are public metadata: remove it."],
    [
      { labels: [{ label: "note", value: "password=hunter2hunter2" }] },
      "Container label note holds a secret. Labels are public metadata: remove it.",
    ],
    [{ command: ["redis-server", "--requirepass", "s3cr3tpassw0rd"] }, `Container command contains a literal credential. ${FIX}`],
    [
      { healthcheck: { tests: ["CMD", "redis-cli", "-a", "s3cr3t", "ping"] } },
      `Container healthcheck.tests contains a literal credential. ${FIX}`,
    ],
  ])("refuses %j", async (props, message) => {
    expect(await violations(noPlainSecrets, withProps(apiReplica(), props))).toEqual([message]);
  });

  it.each([["PGPASSWORD=hunter2hunter2 pg_dump -h db"], ['["psql","postgresql://taskflow:hunter2hunter2@db/taskflow"]']])(
    "refuses a command string with a literal credential: %s",
    async (create) => {
      expect(await violations(noPlainSecrets, cmd(create))).toEqual([`Command create string contains a literal credential. ${FIX}`]);
    },
  );
});
