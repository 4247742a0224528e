// What Postgres and Redis both need: a generated password and a data volume.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labels } from "./containerDefaults";

/**
 * A generated password, secret here and not only by the provider's
 * additionalSecretOutputs, so every value derived from it (uploads, URLs, envs) is
 * secret on every code path. No special characters: it goes into URLs unescaped.
 */
export function generatedPassword(name: string, length: number, parent: pulumi.Resource): pulumi.Output<string> {
  const password = new random.RandomPassword(name, { length, special: false }, { parent });
  return pulumi.secret(password.result);
}

/** The named volume holding a data store's files; `protect` keeps `pulumi destroy` off it. */
export function dataVolume(name: string, stack: string, role: string, protect: boolean, parent: pulumi.Resource): docker.Volume {
  return new docker.Volume(name, { labels: labels(stack, role) }, { parent, protect });
}
