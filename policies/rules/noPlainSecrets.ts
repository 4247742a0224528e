import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

// Policies see values decrypted, so this judges by shape: a secret-looking variable
// name with a literal value, or a literal password/token/credential in a command.
const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API[_-]?KEY|PRIVATE[_-]?KEY|ACCESS[_-]?KEY|CREDENTIALS?)/i;
const LITERAL_IN_TEXT = [
  /(password|passwd|secret|token|requirepass)\s*[=:\s]\s*['"]?[A-Za-z0-9+/_.~-]{8,}/i,
  /\b(PGPASSWORD|REDISCLI_AUTH|[A-Z_]*(TOKEN|SECRET|PASSWORD))=['"]?[A-Za-z0-9+/_.~-]{6,}/,
  /redis-cli\b[^|;&]*\s-a\s+\S+/,
  /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s$]{4,}@/i, // scheme://user:password@host
];

/** Why `text` looks like it carries a secret in the clear, or undefined. */
export function literalSecretIn(text: string): string | undefined {
  return LITERAL_IN_TEXT.some((re) => re.test(text)) ? "a literal credential" : undefined;
}

/** `NAME=value` env entries whose name says secret and whose value is a literal (not a *_FILE path). */
export function secretLookingEnv(envs: string[]): string[] {
  return envs
    .map((e) => e.split("=")[0])
    .filter((name, i) => SECRET_NAME.test(name) && !name.endsWith("_FILE") && envs[i].length > name.length + 1);
}

const FIX =
  "Keep it a Pulumi secret and pass it as an uploaded file (*_FILE) or through the environment of a command, never in the command itself.";

export const noPlainSecrets: ResourceValidationPolicy = {
  name: "no-plain-secrets",
  description:
    "No password, token or key in a secret-named env var, a label or a command string: those show up in `docker inspect`, process lists and logs.",
  validateResource: [
    validateResourceOfType(docker.Container, (c, _args, report) => {
      for (const name of secretLookingEnv(c.envs ?? [])) report(`Container env var ${name} holds a secret value. ${FIX}`);
      for (const l of c.labels ?? []) {
        if (SECRET_NAME.test(l.label) || literalSecretIn(l.value))
          report(`Container label ${l.label} holds a secret. Labels are public metadata: remove it.`);
      }
      const commands: [string, string[] | undefined][] = [
        ["command", c.command],
        ["entrypoints", c.entrypoints],
        ["healthcheck.tests", c.healthcheck?.tests],
      ];
      for (const [field, words] of commands) {
        if (words && literalSecretIn(words.join(" "))) report(`Container ${field} contains a literal credential. ${FIX}`);
      }
    }),
    validateResourceOfType(command.local.Command, (cmd, _args, report) => {
      for (const field of ["create", "update", "delete"] as const) {
        const text = cmd[field];
        if (typeof text === "string" && literalSecretIn(text)) report(`Command ${field} string contains a literal credential. ${FIX}`);
      }
    }),
  ],
};
