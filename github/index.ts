// The GitHub side of the release path, its own project and stack (see Pulumi.yaml beside
// this file): reads and validates the stack's config, then declares the environments,
// their secrets and variables and main's rulesets. Bad config or a missing token throws
// here, before any resource is registered.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

import { GitHubEnvironments } from "../components/github";
import { loadGithubStackConfig, stackSecretKeys } from "../config";

const config = loadGithubStackConfig(pulumi.runtime.allConfig(), stackSecretKeys());
const provider = new github.Provider("github", { owner: config.github.owner, token: requireGithubToken() });
const release = new GitHubEnvironments(
  "release",
  { settings: config.github, secrets: config.githubSecrets },
  { providers: { github: provider } },
);

export const repository = `${config.github.owner}/${config.github.repository}`;
export const environments = Object.keys(release.environments);

/** GitHub resources need an admin token; say so in one line instead of failing deep inside the provider. */
function requireGithubToken(): pulumi.Output<string> {
  const token = process.env.GITHUB_TOKEN;
  if (!token) {
    throw new Error(
      `GITHUB_TOKEN is not set: export a token with admin rights on ${config.github.owner}/${config.github.repository} ` +
        "(the github-settings environment's GITHUB_ADMIN_TOKEN in CI)",
    );
  }
  return pulumi.secret(token);
}
