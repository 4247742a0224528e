import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { labels } from "../shared";

/** The named volume holding a data store's files; `protect` keeps `pulumi destroy` off it. */
export function dataVolume(name: string, stack: string, role: string, protect: boolean, parent: pulumi.Resource): docker.Volume {
  return new docker.Volume(name, { labels: labels(stack, role) }, { parent, protect });
}
