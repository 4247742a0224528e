import { StackValidationPolicy } from "@pulumi/policy";

import { CONTAINER, resourcesOfType, roleOf } from "./common";

export const onlyGatewayPublishesPorts: StackValidationPolicy = {
  name: "only-gateway-publishes-ports",
  description:
    "Exactly one container publishes a host port, the gateway: everything else is reached through it, with health checks and retries.",
  validateStack: (args, report) => {
    const publishing = resourcesOfType(args.resources, CONTAINER).filter(
      (c) => (c.props.ports ?? []).length > 0 || c.props.publishAllPorts,
    );
    for (const c of publishing.filter((c) => roleOf(c.props) !== "gateway")) {
      report(`Container ${c.name} publishes a host port but is not the gateway. Remove its ports; route to it through the gateway.`, c.urn);
    }
    if (publishing.filter((c) => roleOf(c.props) === "gateway").length > 1) {
      report("More than one gateway publishes a host port. Keep one gateway per stack.");
    }
  },
};
