import { describe, expect, it } from "vitest";

import { apiReplicasCreateBeforeDelete } from "../../policies/rules/apiReplicasCreateBeforeDelete";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("api-replicas-create-before-delete", () => {
  it("passes a replica replaced create-first that waits for health", async () => {
    expect(await violations(apiReplicasCreateBeforeDelete, apiReplica())).toEqual([]);
  });
  it.each([
    [
      {},
      { deleteBeforeReplace: true },
      "API replica is not replaced create-before-delete. Set the resource option deleteBeforeReplace: false explicitly.",
    ],
    [
      {},
      { deleteBeforeReplace: undefined },
      "API replica is not replaced create-before-delete. Set the resource option deleteBeforeReplace: false explicitly.",
    ],
    [{ wait: false }, {}, "API replica does not wait for health on create. Set wait: true (and waitTimeout)."],
    [
      { ports: [{ internal: 8000, external: 8000 }] },
      {},
      "API replica publishes a host port, so two cannot run side by side. Remove ports.",
    ],
  ])("refuses props %j opts %j", async (props, opts, message) => {
    expect(await violations(apiReplicasCreateBeforeDelete, withProps(apiReplica(), props, opts))).toEqual([message]);
  });
  it("leaves containers of other roles alone", async () => {
    const gateway = withProps(apiReplica(), { labels: [{ label: "taskflow.role", value: "gateway" }] }, { deleteBeforeReplace: true });
    expect(await violations(apiReplicasCreateBeforeDelete, gateway)).toEqual([]);
  });
});
