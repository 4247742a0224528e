import { describe, expect, it } from "vitest";

import { containerHealthcheck } from "../../policies/rules/containerHealthcheck";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

const MESSAGE = "Container has no health check. Set healthcheck.tests (e.g. [CMD, ...] probing the service's health endpoint).";

describe("container-healthcheck", () => {
  it("passes a container with a health check", async () => {
    expect(await violations(containerHealthcheck, apiReplica())).toEqual([]);
  });
  it.each([[undefined], [{ tests: [] }], [{ tests: ["NONE"] }]])("refuses healthcheck %j", async (healthcheck) => {
    expect(await violations(containerHealthcheck, withProps(apiReplica(), { healthcheck }))).toEqual([MESSAGE]);
  });
});
