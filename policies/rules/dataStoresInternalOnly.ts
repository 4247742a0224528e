import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

import { CONTAINER, isDataStore, NETWORK, resourcesOfType } from "./common";

/** The networks a container attaches to, resolved to their resources where the program links them. */
function networksOf(c: PolicyResource, all: PolicyResource[]): { name: string; resource?: PolicyResource }[] {
  const linked = c.propertyDependencies?.networksAdvanced ?? [];
  return (c.props.networksAdvanced ?? []).map((n: { name?: string }, i: number) => {
    const byName = resourcesOfType(all, NETWORK).find((r) => r.props.name !== undefined && r.props.name === n.name);
    return {
      name: n.name ?? linked[i]?.name ?? "(unknown)",
      resource: byName ?? (linked.length === 1 || linked.length > i ? linked[i] : undefined),
    };
  });
}

export const dataStoresInternalOnly: StackValidationPolicy = {
  name: "data-stores-internal-only",
  description: "Postgres and Redis attach only to internal networks (no route out) and publish no port: only the API can reach them.",
  validateStack: (args, report) => {
    for (const c of resourcesOfType(args.resources, CONTAINER).filter((r) => isDataStore(r.props))) {
      if ((c.props.ports ?? []).length > 0) {
        report(`Data store ${c.name} publishes a port. Remove ports: the API reaches it on the internal network.`, c.urn);
      }
      const networks = networksOf(c, args.resources);
      if (networks.length === 0 || c.props.networkMode === "host") {
        report(
          `Data store ${c.name} is on Docker's default or host network. Attach it only to a docker.Network with internal: true.`,
          c.urn,
        );
      }
      for (const n of networks) {
        if (n.resource?.props.internal !== true) {
          report(
            `Data store ${c.name} attaches to network ${n.resource?.name ?? n.name}, which is not internal. Attach it only to a docker.Network with internal: true.`,
            c.urn,
          );
        }
      }
    }
  },
};
