import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

// A process that is taken over cannot replace the image's binaries, libraries or
// configuration, or leave a file behind for the next start: it writes only volumes and
// tmpfs mounts. Every TaskFlow container runs this way (the API's
// api.readOnlyRootFilesystem defaults to true; Postgres, Redis and the gateway always).
const MESSAGE = "has a writable root filesystem. Set readOnly: true, with a tmpfs or volume for each directory it writes.";

export const containerReadOnlyRoot: ResourceValidationPolicy = {
  name: "container-read-only-root",
  description: "Every container and Swarm service task has a read-only root filesystem.",
  validateResource: [
    validateResourceOfType(docker.Container, (c, _args, report) => {
      if (c.readOnly !== true) report(`Container ${MESSAGE}`);
    }),
    validateResourceOfType(docker.Service, (s, _args, report) => {
      if (s.taskSpec?.containerSpec?.readOnly !== true) report(`Service task ${MESSAGE}`);
    }),
  ],
};
