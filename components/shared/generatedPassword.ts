import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A generated password, secret here and not only by the provider's
 * additionalSecretOutputs, so every value derived from it (uploads, URLs, envs) is
 * secret on every code path. No special characters: it goes into URLs unescaped.
 */
export function generatedPassword(name: string, length: number, parent: pulumi.Resource): pulumi.Output<string> {
  const password = new random.RandomPassword(name, { length, special: false }, { parent });
  return pulumi.secret(password.result);
}
