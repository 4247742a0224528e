import { PolicyResource } from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { dataStoresInternalOnly } from "../../policies/rules/dataStoresInternalOnly";
import { onlyGatewayPublishesPorts } from "../../policies/rules/onlyGatewayPublishesPorts";
import { stackViolations } from "./harness";

const network = (name: string, internal: boolean) =>
  ({ type: "docker:index/network:Network", name, urn: `urn:${name}`, props: { name: `${name}-1`, internal } }) as unknown as PolicyResource;
const container = (name: string, role: string, props: Record<string, unknown>, nets: PolicyResource[] = []) =>
  ({
    type: "docker:index/container:Container",
    name,
    urn: `urn:${name}`,
    props: { labels: [{ label: "taskflow.role", value: role }], networksAdvanced: nets.map((n) => ({ name: n.props.name })), ...props },
    propertyDependencies: { networksAdvanced: nets },
  }) as unknown as PolicyResource;

const internal = network("internal", true);
const edge = network("edge", false);

describe("data-stores-internal-only", () => {
  it("passes data stores on an internal network only", async () => {
    expect(await stackViolations(dataStoresInternalOnly, [internal, edge, container("pg", "postgres", {}, [internal])])).toEqual([]);
  });
  it.each([
    [
      container("pg", "postgres", {}, [internal, edge]),
      "Data store pg attaches to network edge, which is not internal. Attach it only to a docker.Network with internal: true.",
    ],
    [
      container("redis", "redis", { ports: [{ internal: 6379, external: 6379 }] }, [internal]),
      "Data store redis publishes a port. Remove ports: the API reaches it on the internal network.",
    ],
    [
      container("pg", "postgres", {}, []),
      "Data store pg is on Docker's default or host network. Attach it only to a docker.Network with internal: true.",
    ],
  ])("refuses %#", async (c, message) => {
    expect(await stackViolations(dataStoresInternalOnly, [internal, edge, c])).toEqual([message]);
  });
  it("recognizes a data store by its image when it has no role label", async () => {
    const c = {
      ...container("db", "", { image: "postgres:15.8" }, [edge]),
      props: { image: "postgres:15.8", networksAdvanced: [{ name: "edge-1" }] },
    } as unknown as PolicyResource;
    expect(await stackViolations(dataStoresInternalOnly, [edge, c])).toEqual([
      "Data store db attaches to network edge, which is not internal. Attach it only to a docker.Network with internal: true.",
    ]);
  });
});

describe("only-gateway-publishes-ports", () => {
  const gateway = container("gw", "gateway", { ports: [{ internal: 8080, external: 80 }] });
  it("passes when only the gateway publishes", async () => {
    expect(await stackViolations(onlyGatewayPublishesPorts, [gateway, container("api", "api", {})])).toEqual([]);
  });
  it("refuses another container with a port", async () => {
    expect(
      await stackViolations(onlyGatewayPublishesPorts, [gateway, container("api", "api", { ports: [{ internal: 8000, external: 8000 }] })]),
    ).toEqual(["Container api publishes a host port but is not the gateway. Remove its ports; route to it through the gateway."]);
  });
  it("refuses publishAllPorts", async () => {
    expect(await stackViolations(onlyGatewayPublishesPorts, [gateway, container("api", "api", { publishAllPorts: true })])).toEqual([
      "Container api publishes a host port but is not the gateway. Remove its ports; route to it through the gateway.",
    ]);
  });
  it("refuses two gateways", async () => {
    expect(
      await stackViolations(onlyGatewayPublishesPorts, [gateway, { ...gateway, name: "gw2", urn: "urn:gw2" } as PolicyResource]),
    ).toEqual(["More than one gateway publishes a host port. Keep one gateway per stack."]);
  });
});
