// The config of the GitHub side of the release path (environments, their protection
// rules, secrets and variables, rulesets on main): project github/, stack `release`
// (github/Pulumi.release.yaml). It is a project of its own, applied only from main
// behind the reviewed `github-settings` environment, so that no token a runtime stack's
// job holds (staging, production, the opt-in production preview) can decrypt the release
// path's secrets: production's Pulumi token, SSH key and bot token live here, not in
// Pulumi.production.yaml.
import { z } from "zod";

import { intBetween } from "./fields";
import { DOCKER_HOST_ERROR, isDockerHost } from "./schema";

/** The project folder and the one stack of the GitHub side. */
export const GITHUB_PROJECT_DIR = "github";
export const GITHUB_STACK = "release";

/**
 * The GitHub environments the release path uses (components/github ENVIRONMENT_RULES
 * gives each its branches and whether a reviewer approves every job).
 */
export const GITHUB_ENVIRONMENTS = ["staging", "production", "preview", "production-preview", "github-settings", "deploy-bot"] as const;

/** Check names that wait for a production reviewer's approval: never required of every pull request. */
export const APPROVAL_GATED_CHECKS = ["preview (production)"];

/**
 * `{ staging: {NAME: value}, production: {NAME: value}, ... }`: documented as one key
 * (the description goes on the whole map), not one per environment.
 */
const perEnvironment = (value: z.ZodString) => {
  const map = () => z.record(githubName(), value, { error: "a map of NAME: value" }).default({});
  return z
    .strictObject(
      Object.fromEntries(GITHUB_ENVIRONMENTS.map((e) => [e, map()])) as Record<
        (typeof GITHUB_ENVIRONMENTS)[number],
        ReturnType<typeof map>
      >,
    )
    .prefault({});
};

// An empty list would let anything merge to main unchecked.
const REQUIRED_CHECKS_ERROR = "a non-empty list of check names (one line each): main must require at least one";

/** A DOCKER_HOST variable is where a workflow's `pulumi up` reaches Docker: the same rules as docker.host. */
function dockerHostVariables(vars: Record<string, Record<string, string>>, ctx: z.RefinementCtx): void {
  for (const [environment, map] of Object.entries(vars)) {
    const value = map.DOCKER_HOST;
    if (value !== undefined && !isDockerHost(value)) {
      ctx.addIssue({ code: "custom", path: [environment, "DOCKER_HOST"], message: DOCKER_HOST_ERROR });
    }
  }
}

// A GitHub user or organization name: up to 39 letters, digits and dashes.
const GITHUB_LOGIN = /^[A-Za-z0-9-]{1,39}$/;

// GitHub secret and variable names: what GitHub accepts.
const githubName = () => {
  const error = "a GitHub secret/variable name: letters, digits and _, not starting with a digit or GITHUB_";
  return z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error })
    .refine((n) => !/^GITHUB_/i.test(n), { error });
};

// Where the release path's GitHub side lives and who may merge to main.
const githubSchema = z.strictObject({
  owner: z
    .string({ error: "a GitHub user or organization name" })
    .regex(GITHUB_LOGIN, { error: "a GitHub user or organization name" })
    .describe(
      "the repository's owner; the token comes from `GITHUB_TOKEN` (a missing token fails in one line, before anything is created)",
    ),
  repository: z
    .string({ error: "a repository name" })
    .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: "a repository name" })
    .describe("the repository's name"),
  reviewers: z
    .strictObject({
      users: z
        .array(z.string().regex(GITHUB_LOGIN, { error: "GitHub logins" }), { error: "a list of GitHub logins" })
        .default([])
        .describe(
          "required reviewers of production, production-preview and github-settings by login (1 to 6 users and teams in all), resolved to ids; self-review refused, no admin bypass",
        ),
      teams: z
        .array(z.string().regex(/^[a-z0-9_-]{1,100}$/, { error: "team slugs" }), { error: "a list of team slugs" })
        .default([])
        .describe("the same reviewers by team slug (1 to 6 users and teams in all), resolved to ids"),
    })
    .prefault({}),
  waitTimerMinutes: intBetween(0, 43200).default(0).describe("production wait timer, 0–43200"),
  requiredChecks: z
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .array(z.string().regex(/^[^\u0000-\u001f\u007f]{1,255}$/), { error: REQUIRED_CHECKS_ERROR })
    .min(1, { error: REQUIRED_CHECKS_ERROR })
    .default(["test", "image", "preview (staging)"])
    .describe(
      "status checks main requires (the CI and preview workflow jobs' check names); never `preview (production)`, which waits for a reviewer",
    ),
  variables: perEnvironment(z.string({ error: "a string value" }))
    .superRefine(dockerHostVariables)
    .describe("environment variables per GitHub environment, `NAME: value` (`DOCKER_HOST`, `PUBLIC_URL`, …)"),
  tagCommitter: z
    .string()
    .regex(GITHUB_LOGIN, { error: "a GitHub login" })
    .optional()
    .describe(
      "the deploy bot login, whose token commits the deployed tag to `Pulumi.<stack>.yaml`: the one bypass actor of main's review-and-checks ruleset (its tag commits), never of the history ruleset",
    ),
});

export const githubStackSchema = z
  .strictObject({
    github: githubSchema,
    githubSecrets: perEnvironment(z.string({ error: "a string value" }).min(1, { error: "a non-empty value" })).describe(
      "environment secrets for GitHub Actions, `NAME: value` per environment; must be Pulumi secrets: " +
        "`pulumi config set --cwd github -s release --secret --path 'taskflow:githubSecrets.production.DOCKER_SSH_KEY' …`",
    ),
  })
  .superRefine((c, ctx) => {
    const reviewers = c.github.reviewers.users.length + c.github.reviewers.teams.length;
    if (reviewers === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["github", "reviewers"],
        message: "at least one user or team: production deploys need an approval",
      });
    }
    if (reviewers > 6) {
      ctx.addIssue({
        code: "custom",
        path: ["github", "reviewers"],
        message: `at most 6 users and teams in all (GitHub's limit; got ${reviewers})`,
      });
    }
    const gated = c.github.requiredChecks.filter((check) => APPROVAL_GATED_CHECKS.includes(check));
    if (gated.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["github", "requiredChecks"],
        message: `checks that run without a reviewer's approval (${gated.join(", ")} waits for a production reviewer on every push, and hands the pull request's code production's state when approved: it is opt-in, by label)`,
      });
    }
  });

export type GithubStackConfig = z.output<typeof githubStackSchema>;
