import * as pulumi from "@pulumi/pulumi";

/**
 * Keys the stack file holds as secrets (the engine's PULUMI_CONFIG_SECRET_KEYS, via the
 * runtime's isConfigSecret, exported by the SDK though not in its typings).
 */
export function stackSecretKeys(): string[] {
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret: (k: string) => boolean }).isConfigSecret;
  return Object.keys(pulumi.runtime.allConfig()).filter((k) => isSecret(k));
}
