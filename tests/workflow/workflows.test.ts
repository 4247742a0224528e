import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import { Job, needsOf, parserErrors, workflow, workflowFiles, workflowText } from "./parse";

const allJobs = () => workflowFiles().flatMap((f) => Object.entries(workflow(f).jobs).map(([id, job]) => ({ file: f, id, job })));
const steps = (job: Job) => job.steps;
const usesOf = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

describe("every workflow", () => {
  it("has the expected files", () => {
    expect(workflowFiles()).toEqual([
      "apply-config.yml",
      "deploy.yml",
      "github-settings.yml",
      "preview-environments.yml",
      "preview-production.yml",
      "pull-request.yml",
    ]);
  });

  it.each(workflowFiles())("%s passes GitHub's workflow parser", async (file) => {
    expect(await parserErrors(file)).toEqual([]);
  });

  it("pins every action to a full commit SHA, with its version in a comment", () => {
    for (const { file, id, job } of allJobs()) {
      for (const s of steps(job).filter((x) => x.uses)) {
        expect(s.uses, `${file} ${id}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      }
    }
    for (const file of workflowFiles()) {
      for (const line of workflowText(file)
        .split("\n")
        .filter((l) => /^\s*(- )?uses: /.test(l))) {
        expect(line, file).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    }
  });

  it("runs `npm ci` only where a lock file is committed (npm ci refuses to run without one)", () => {
    const tracked = execFileSync("git", ["ls-files"], { cwd: path.resolve(__dirname, "../.."), encoding: "utf8" }).split("\n");
    const dirs = new Set(
      allJobs().flatMap(({ job }) =>
        steps(job)
          .filter((s) => /^npm ci\b/.test(s.run ?? ""))
          .map((s) => String((s as { "working-directory"?: string })["working-directory"] ?? ".")),
      ),
    );
    expect([...dirs].sort()).toEqual([".", "policies"]);
    for (const dir of dirs) expect(tracked, dir).toContain(path.posix.join(dir, "package-lock.json"));
  });

  it("never leaves a token on disk after checkout (persist-credentials: false everywhere)", () => {
    for (const { file, id, job } of allJobs()) {
      for (const s of usesOf(job, "actions/checkout")) {
        expect(s.with, `${file} ${id}`).toMatchObject({ "persist-credentials": false });
        expect(s.with, `${file} ${id}`).not.toHaveProperty("token");
      }
    }
  });

  it("expands no ${{ }} expression inside a run: line (values reach the shell only through env:)", () => {
    for (const { file, id, job } of allJobs()) {
      for (const s of steps(job).filter((x) => x.run)) {
        expect(s.run, `${file} ${id}`).not.toContain("${{");
      }
    }
  });

  it("runs the Pulumi CLI the program pins (package.json @pulumi/pulumi) in every pulumi/actions step", () => {
    const pinned = JSON.parse(readFileSync(path.resolve(__dirname, "../../package.json"), "utf8")).dependencies["@pulumi/pulumi"];
    const pulumiSteps = allJobs().flatMap(({ file, id, job }) => usesOf(job, "pulumi/actions").map((s) => [`${file} ${id}`, s] as const));
    expect(pulumiSteps.length).toBeGreaterThanOrEqual(8);
    for (const [where, s] of pulumiSteps) expect((s as { with?: Record<string, unknown> }).with?.["pulumi-version"], where).toBe(pinned);
  });

  it("builds the API image with its version (APP_VERSION = the commit SHA the gates expect), in every workflow", () => {
    const builds = allJobs().flatMap(({ file, id, job }) =>
      steps(job)
        .filter((s) => /docker build .* app$/.test(s.run ?? ""))
        .map((s) => [`${file} ${id}`, s.run!] as const),
    );
    expect(builds.length).toBeGreaterThanOrEqual(3);
    for (const [where, run] of builds) expect(run, where).toContain('--build-arg "APP_VERSION=$SHA"');
  });

  it("declares an environment on every job that reads an environment secret (else the secret is empty)", () => {
    for (const { file, id, job } of allJobs()) {
      const text = JSON.stringify(job);
      const secrets = [...text.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]).filter((n) => n !== "GITHUB_TOKEN");
      if (secrets.length) expect(job.environment, `${file} ${id} reads ${secrets.join(", ")}`).toBeDefined();
    }
  });

  it("gives pull-request code no environment but the two preview ones", () => {
    const prWorkflows = workflowFiles().filter((f) => workflow(f).on.pull_request);
    for (const f of prWorkflows) {
      for (const [id, job] of Object.entries(workflow(f).jobs)) {
        const env = typeof job.environment === "object" ? job.environment.name : job.environment;
        if (env === undefined) continue;
        expect([`${f}:${id}`, env]).toEqual([`${f}:${id}`, f === "preview-production.yml" ? "production-preview" : "preview"]);
      }
    }
  });

  it("gives every job least-privilege permissions, read-only at the top", () => {
    for (const f of workflowFiles()) expect(workflow(f).permissions).toEqual({ contents: "read" });
    for (const { file, id, job } of allJobs()) {
      expect(job.permissions, `${file} ${id}`).toBeDefined();
      for (const [scope, level] of Object.entries(job.permissions!)) {
        if (level === "write")
          expect(`${file}:${id}:${scope}`).toMatch(
            /^(pull-request.yml:preview:pull-requests|preview-production.yml:preview:pull-requests|preview-environments.yml:deploy:(packages|pull-requests)|preview-environments.yml:destroy:pull-requests)$/,
          );
      }
    }
  });

  it("never builds or deploys the tag `latest`", () => {
    for (const { file, id, job } of allJobs()) {
      expect(JSON.stringify(job), `${file} ${id}`).not.toMatch(/:latest\b/);
    }
  });

  it("runs Pulumi only through its official action, always with the policy pack for the stack", () => {
    for (const { file, id, job } of allJobs()) {
      expect(
        steps(job).some((s) => /\bpulumi (up|preview)\b/.test(s.run ?? "")),
        `${file} ${id} runs pulumi in a shell`,
      ).toBe(false);
      // Without a command the action only installs the CLI; destroy runs no program.
      for (const s of usesOf(job, "pulumi/actions").filter((x) => ["up", "preview"].includes(String(x.with?.command)))) {
        // The GitHub side's project runs in github/: its paths are absolute.
        const root = s.with?.["work-dir"] === "github" ? "${{ github.workspace }}/" : "";
        expect(s.with, `${file} ${id}`).toMatchObject({ policyPacks: `${root}policies` });
        expect(String(s.with!.policyPackConfigs)).toMatch(
          new RegExp(
            `^${root.replace(/[$.{}]/g, "\\$&")}policies/config/(\\$\\{\\{ matrix\\.stack \\}\\}|staging|production|release)\\.json$`,
          ),
        );
      }
    }
  });
});

describe("pull-request.yml", () => {
  const wf = workflow("pull-request.yml");

  it("runs on pull requests to main, one run per PR at a time", () => {
    expect(wf.on).toEqual({ pull_request: { branches: ["main"] } });
    expect(wf.concurrency).toEqual({ group: "pull-request-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
  });

  it("tests with the README's test command", () => {
    expect(steps(wf.jobs.test).map((s) => s.run)).toContain("npm test");
  });

  it("builds the image tagged with the commit SHA and fails on CRITICAL or HIGH findings", () => {
    const image = wf.jobs.image;
    expect((image as any).env.IMAGE).toBe(
      "${{ vars.REGISTRY || 'ghcr.io' }}/${{ github.repository_owner }}/taskflow-api:${{ github.event.pull_request.head.sha }}",
    );
    const scan = usesOf(image, "aquasecurity/trivy-action")[0];
    expect(scan.with).toMatchObject({ severity: "CRITICAL,HIGH", "exit-code": "1" });
    expect(image.permissions).toEqual({ contents: "read" });
  });

  it("previews staging after tests and image, editing one comment, with a stack-read token and no Docker host credential", () => {
    const preview = wf.jobs.preview;
    expect(preview.name).toBe("preview (staging)");
    expect(needsOf(preview)).toEqual(["test", "image"]);
    const step = usesOf(preview, "pulumi/actions")[0];
    expect(step.with).toMatchObject({
      command: "preview",
      "stack-name": "staging",
      "comment-on-pr": true,
      "edit-pr-comment": true,
      "always-include-summary": true,
    });
    expect(preview.environment).toBe("preview");
    expect(step.env).toEqual({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_PREVIEW_TOKEN }}" });
    // The plan comes from state and config: no SSH key, no DOCKER_HOST, no GitHub token.
    const secrets = [...JSON.stringify(preview).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]);
    expect([...new Set(secrets)].sort()).toEqual(["GITHUB_TOKEN", "PULUMI_PREVIEW_TOKEN"]);
    expect(JSON.stringify(preview)).not.toMatch(/ci-ssh|DOCKER_HOST|SSH_KEY/);
  });
});

describe("preview-production.yml", () => {
  const wf = workflow("preview-production.yml");

  it("previews production only when someone labels the pull request, behind production-preview's reviewers", () => {
    expect(wf.on).toEqual({ pull_request: { branches: ["main"], types: ["labeled"] } });
    const job = wf.jobs.preview;
    expect(job.name).toBe("preview (production)");
    expect(job.if).toBe(
      "github.event.label.name == 'preview-production' && github.event.pull_request.head.repo.full_name == github.repository",
    );
    expect(job.environment).toBe("production-preview");
    const step = usesOf(job, "pulumi/actions")[0];
    expect(step.with).toMatchObject({
      command: "preview",
      "stack-name": "production",
      policyPackConfigs: "policies/config/production.json",
    });
    expect(step.env).toEqual({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_PREVIEW_TOKEN }}" });
    expect(JSON.stringify(job)).not.toMatch(/ci-ssh|DOCKER_HOST|SSH_KEY|GITHUB_ADMIN_TOKEN/);
  });
});

describe("github-settings.yml", () => {
  const wf = workflow("github-settings.yml");

  it("applies the GitHub side's own project from main only, in github-settings, the one job with the admin token", () => {
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.on).not.toHaveProperty("pull_request");
    const job = wf.jobs.apply;
    expect(job.if).toBe("github.ref == 'refs/heads/main'");
    expect(job.environment).toBe("github-settings");
    expect(usesOf(job, "pulumi/actions")[0].with).toMatchObject({ command: "up", "work-dir": "github", "stack-name": "release" });
    const admins = allJobs().filter(({ job: j }) => JSON.stringify(j).includes("GITHUB_ADMIN_TOKEN"));
    expect(admins.map(({ file, id }) => `${file}:${id}`)).toEqual(["github-settings.yml:apply"]);
  });
});

describe("preview-environments.yml", () => {
  const wf = workflow("preview-environments.yml");
  const job = (id: string) => wf.jobs[id];
  const pulumiSteps = (id: string) => usesOf(job(id), "pulumi/actions").filter((s) => s.with?.command);

  it("runs on pull requests (opened, updated, reopened, closed), daily, and by hand", () => {
    expect(wf.on.pull_request).toEqual({ branches: ["main"], types: ["opened", "synchronize", "reopened", "closed"] });
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.on).toHaveProperty("workflow_dispatch");
  });

  it("deploys only same-repository pull requests that are open, one run per PR at a time", () => {
    expect(job("deploy").if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(job("deploy").if).toContain("github.event.action != 'closed'");
    expect(job("deploy").concurrency).toEqual({ group: "preview-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
    expect(job("destroy").concurrency).toEqual(job("deploy").concurrency);
  });

  it("builds the PR's SHA image, checks the cap, writes the stack file, then `pulumi up` with upsert, smoke test and one comment", () => {
    const order = steps(job("deploy")).map((s) => s.name ?? s.uses?.split("@")[0] ?? s.run?.split(" ").slice(0, 4).join(" "));
    const at = (x: string) => order.findIndex((o) => o?.includes(x));
    // The pull requests' own package, never the release package taskflow-api.
    expect(job("deploy").env?.IMAGE).toBe(
      "${{ vars.REGISTRY || 'ghcr.io' }}/${{ github.repository_owner }}/taskflow-api-pr:${{ github.event.pull_request.head.sha }}",
    );
    expect(at("docker build")).toBeLessThan(at("aquasecurity/trivy-action"));
    expect(at("refuse a new preview beyond the cap")).toBeLessThan(at("npm run -s preview-stack"));
    const [up] = pulumiSteps("deploy");
    expect(up.with).toMatchObject({
      command: "up",
      "stack-name": "${{ steps.stack.outputs.stack }}",
      upsert: true,
      policyPackConfigs: "policies/config/staging.json",
    });
    expect(steps(job("deploy")).find((s) => s.id === "stack")?.run).toBe(
      'npm run -s preview-stack -- config --pr "$PR" --image "$IMAGE" >> "$GITHUB_OUTPUT"',
    );
    const smoke = steps(job("deploy")).find((s) => s.run?.startsWith("bash scripts/smoke.sh"))!;
    expect(smoke).toMatchObject({ run: 'bash scripts/smoke.sh "$URL" "$SHA"', env: { URL: "${{ steps.stack.outputs.url }}" } });
    expect(at("post or edit the preview comment")).toBe(order.length - 1);
    expect(String(steps(job("deploy")).at(-1)!.env?.BODY)).toMatch(/^<!-- taskflow-preview -->\n.*\$\{\{ steps\.stack\.outputs\.url \}\}/);
  });

  it("runs every job that holds credentials in the preview environment, never staging's", () => {
    for (const id of ["deploy", "destroy", "cleanup"]) expect(job(id).environment, id).toBe("preview");
  });

  it("destroys and removes the stack when the PR closes, and daily for PRs that are no longer open", () => {
    expect(job("destroy").if).toContain("github.event.action == 'closed'");
    expect(pulumiSteps("destroy").map((s) => s.with)).toEqual([
      expect.objectContaining({ command: "destroy", "stack-name": "pr-${{ github.event.pull_request.number }}", remove: true }),
    ]);
    const find = steps(job("stale")).find((s) => s.id === "find")!;
    expect(find.run).toMatch(/^set -euo pipefail\n/);
    expect(find.run).toContain("preview-stack -- stale");
    expect(job("cleanup").needs).toBe("stale");
    expect(job("cleanup").strategy?.matrix).toEqual({ stack: "${{ fromJSON(needs.stale.outputs.stacks) }}" });
    expect(pulumiSteps("cleanup").map((s) => s.with)).toEqual([
      expect.objectContaining({ command: "destroy", "stack-name": "${{ matrix.stack }}", remove: true }),
    ]);
  });
});

describe("deploy.yml", () => {
  const wf = workflow("deploy.yml");

  it("runs on pushes to main, and deploys nothing from another ref (workflow_dispatch)", () => {
    expect(wf.on.push.branches).toEqual(["main"]);
    expect(wf.jobs.image.if).toBe("github.ref == 'refs/heads/main'");
    expect(needsOf(wf.jobs.staging)).toContain("image");
  });

  it("builds, scans and pushes the SHA-tagged image once with the release token, and passes on its digest", () => {
    const image = wf.jobs.image;
    expect((image as any).env.IMAGE).toBe(
      "${{ vars.REGISTRY || 'ghcr.io' }}/${{ github.repository_owner }}/taskflow-api:${{ github.sha }}",
    );
    // The repository's own token only reads the release package; the push uses a main-only secret.
    expect(image.permissions).toEqual({ contents: "read" });
    expect(image.environment).toBe("staging");
    expect(usesOf(image, "docker/login-action")[0].with).toMatchObject({ password: "${{ secrets.RELEASE_PACKAGES_TOKEN }}" });
    const order = steps(image).map((s) => s.uses?.split("@")[0] ?? s.id ?? s.run?.split(" ")[0]);
    expect(order.indexOf("aquasecurity/trivy-action")).toBeLessThan(order.indexOf("push"));
    expect((image as any).outputs.ref).toBe("${{ steps.push.outputs.ref }}");
  });

  it("deploys staging, then production behind the production environment, each recorded by the bot afterwards", () => {
    expect(needsOf(wf.jobs.staging)).toEqual(["image"]);
    expect(needsOf(wf.jobs.production)).toEqual(["image", "staging"]);
    expect(needsOf(wf.jobs["record-staging"])).toEqual(["image", "staging"]);
    expect(needsOf(wf.jobs["record-production"])).toEqual(["image", "production"]);
    expect(wf.jobs.staging.environment).toBe("staging");
    expect(wf.jobs.production.environment).toBe("production");
  });

  it("queues deploys per stack instead of cancelling them", () => {
    expect(wf.jobs.staging.concurrency).toEqual({ group: "deploy-staging", "cancel-in-progress": false });
    expect(wf.jobs.production.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
  });

  it("deploys to production exactly the image reference (digest) staging tested", () => {
    const set = (job: Job) => steps(job).find((s) => s.run?.includes("scripts/stack-image.mjs") && s.run.includes("--set"))!;
    expect(set(wf.jobs.staging)).toMatchObject({
      run: 'node scripts/stack-image.mjs staging --set "$REF"',
      env: { REF: "${{ needs.image.outputs.ref }}" },
    });
    expect(set(wf.jobs.production).env).toEqual({ REF: "${{ needs.image.outputs.ref }}" });
  });

  it("gives the bot's token only to the record jobs: deploy-bot environment, no npm ci, one step", () => {
    const holders = allJobs().filter(({ job }) => JSON.stringify(job).includes("DEPLOY_BOT_TOKEN"));
    expect(holders.map(({ file, id }) => `${file}:${id}`)).toEqual(["deploy.yml:record-staging", "deploy.yml:record-production"]);
    for (const { job } of holders) {
      expect(job.environment).toBe("deploy-bot");
      expect(steps(job).filter((s) => /\bnpm\b/.test(s.run ?? ""))).toEqual([]);
      expect(usesOf(job, "actions/setup-node")[0].with).not.toHaveProperty("cache");
      expect(steps(job).filter((s) => JSON.stringify(s).includes("DEPLOY_BOT_TOKEN"))).toHaveLength(1);
    }
    expect(steps(wf.jobs["record-staging"]).at(-1)).toMatchObject({
      run: 'bash scripts/set-image.sh staging "$REF"',
      env: { REF: "${{ needs.image.outputs.ref }}", DEPLOY_BOT_TOKEN: "${{ secrets.DEPLOY_BOT_TOKEN }}" },
    });
    // After a failed deploy too: then it records the image the rollback put back.
    expect(wf.jobs["record-production"].if).toBe(
      "always() && (needs.production.result == 'success' || needs.production.result == 'failure') && needs.production.outputs.running != ''",
    );
    expect(steps(wf.jobs["record-production"]).at(-1)).toMatchObject({
      run: 'bash scripts/set-image.sh production "$RUNNING"',
      env: { RUNNING: "${{ needs.production.outputs.running }}" },
    });
  });

  it("refuses to deploy a main that holds a bot commit wider than an image line (full history checked first)", () => {
    for (const job of [wf.jobs.staging, wf.jobs.production, workflow("apply-config.yml").jobs.apply]) {
      expect(usesOf(job, "actions/checkout")[0].with).toMatchObject({ "fetch-depth": 0 });
      const order = steps(job).map((s) => s.run ?? s.uses ?? "");
      const check = order.indexOf("node scripts/check-bot-commits.mjs --all");
      expect(check).toBeGreaterThan(-1);
      expect(check).toBeLessThan(order.indexOf("npm ci"));
    }
  });

  it("smoke-tests both stacks for the commit's SHA, at the URL the stack serves, and puts back the image production ran before on any failure", () => {
    for (const [job, stack] of [
      [wf.jobs.staging, "staging"],
      [wf.jobs.production, "production"],
    ] as const) {
      expect(steps(job).find((s) => s.run?.includes("bash scripts/smoke.sh"))).toMatchObject({
        run: `url="$(pulumi stack output url -s ${stack})"\nbash scripts/smoke.sh "$url" "$SHA"\n`,
        env: { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}", SHA: "${{ github.sha }}" },
      });
    }
    const prod = steps(wf.jobs.production);
    // What runs before the deploy comes from the stack's state, read before the new image is set.
    const before = prod.find((s) => s.id === "before")!;
    expect(before.run).toBe('echo "ref=$(pulumi stack output image -s production)" >> "$GITHUB_OUTPUT"');
    expect(prod.indexOf(before)).toBeLessThan(prod.findIndex((s) => s.id === "set"));
    expect(prod.find((s) => s.id === "up")?.uses).toMatch(/^pulumi\/actions@/);
    const rollbackRef = prod.find((s) => s.id === "rollback-ref")!;
    expect(rollbackRef.if).toBe(
      "failure() && steps.before.outputs.ref != '' && (steps.up.outcome == 'failure' || steps.smoke.outcome == 'failure')",
    );
    expect(rollbackRef.env).toEqual({ BEFORE: "${{ steps.before.outputs.ref }}" });
    // The rollback is the same `pulumi up`, with the same policy pack.
    const again = prod[prod.indexOf(rollbackRef) + 1];
    expect(again.if).toBe("failure() && steps.rollback-ref.outcome == 'success'");
    expect(again.with).toEqual(prod.find((s) => s.id === "up")!.with);
    expect((wf.jobs.production as any).outputs).toEqual({ running: "${{ steps.rollback-ref.outputs.ref || steps.set.outputs.ref }}" });
    expect(wf.jobs.production.permissions).toEqual({ contents: "read" });
  });
});

describe("apply-config.yml", () => {
  const wf = workflow("apply-config.yml");

  it("checks the bot's pushed commits instead of applying them", () => {
    const check = wf.jobs["bot-commits"];
    expect(check.if).toBe("github.actor == 'taskflow-deploy-bot'");
    expect(usesOf(check, "actions/checkout")[0].with).toMatchObject({ "fetch-depth": 0 });
    expect(steps(check).at(-1)).toMatchObject({
      run: 'node scripts/check-bot-commits.mjs --range "$BEFORE..$AFTER"',
      env: { BEFORE: "${{ github.event.before }}", AFTER: "${{ github.sha }}" },
    });
    expect(JSON.stringify(check)).not.toContain("secrets.");
  });

  it("applies a pushed stack file change (a reverted tag), not the bot's own tag commits", () => {
    expect(wf.on.push.paths).toEqual(["Pulumi.staging.yaml", "Pulumi.production.yaml"]);
    expect(wf.jobs.apply.if).toBe("github.actor != 'taskflow-deploy-bot' && github.ref == 'refs/heads/main'");
    expect(wf.jobs.apply.environment).toBe("${{ matrix.stack }}");
    expect(wf.jobs.apply.concurrency).toEqual({ group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false });
    expect(wf.jobs.apply.strategy).toMatchObject({ "max-parallel": 1, matrix: { stack: ["staging", "production"] } });
  });

  it("shares the deploy workflow's concurrency groups, so the two never run on one stack at once", () => {
    const deploy = workflow("deploy.yml");
    expect([deploy.jobs.staging.concurrency!.group, deploy.jobs.production.concurrency!.group]).toEqual([
      "deploy-staging",
      "deploy-production",
    ]);
  });
});
