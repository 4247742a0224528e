import { describe, expect, it } from "vitest";
import { Job, needsOf, parserErrors, workflow, workflowFiles } from "./parse";

const allJobs = () => workflowFiles().flatMap((f) => Object.entries(workflow(f).jobs).map(([id, job]) => ({ file: f, id, job })));
const steps = (job: Job) => job.steps;
const usesOf = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

describe("every workflow", () => {
  it("has the expected files", () => {
    expect(workflowFiles()).toEqual(["apply-config.yml", "deploy.yml", "preview-environments.yml", "pull-request.yml"]);
  });

  it.each(workflowFiles())("%s passes GitHub's workflow parser", async (file) => {
    expect(await parserErrors(file)).toEqual([]);
  });

  it("pins every action to an exact version", () => {
    for (const { file, id, job } of allJobs()) {
      for (const s of steps(job).filter((x) => x.uses)) {
        expect(s.uses, `${file} ${id}`).toMatch(/^[\w.-]+\/[\w.-]+@(v?\d+\.\d+\.\d+|[0-9a-f]{40})$/);
      }
    }
  });

  it("gives every job least-privilege permissions, read-only at the top", () => {
    for (const f of workflowFiles()) expect(workflow(f).permissions).toEqual({ contents: "read" });
    for (const { file, id, job } of allJobs()) {
      expect(job.permissions, `${file} ${id}`).toBeDefined();
      for (const [scope, level] of Object.entries(job.permissions!)) {
        if (level === "write") expect(`${file}:${id}:${scope}`).toMatch(/^(deploy.yml:image:packages|pull-request.yml:preview:pull-requests|preview-environments.yml:deploy:(packages|pull-requests)|preview-environments.yml:destroy:pull-requests)$/);
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
      expect(steps(job).some((s) => /\bpulumi (up|preview)\b/.test(s.run ?? "")), `${file} ${id} runs pulumi in a shell`).toBe(false);
      // Without a command the action only installs the CLI; destroy runs no program.
      for (const s of usesOf(job, "pulumi/actions").filter((x) => ["up", "preview"].includes(String(x.with?.command)))) {
        expect(s.with).toMatchObject({ policyPacks: "policies" });
        expect(String(s.with!.policyPackConfigs)).toMatch(/^policies\/config\/(\$\{\{ matrix\.stack \}\}|staging|production)\.json$/);
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
    expect((image as any).env.IMAGE).toBe("ghcr.io/${{ github.repository_owner }}/taskflow-api:${{ github.event.pull_request.head.sha }}");
    const scan = usesOf(image, "aquasecurity/trivy-action")[0];
    expect(scan.with).toMatchObject({ severity: "CRITICAL,HIGH", "exit-code": "1" });
    expect(image.permissions).toEqual({ contents: "read" });
  });

  it("previews staging and production after tests and image, editing one comment per stack", () => {
    const preview = wf.jobs.preview;
    expect(needsOf(preview)).toEqual(["test", "image"]);
    expect(preview.strategy!.matrix).toEqual({ stack: ["staging", "production"] });
    const step = usesOf(preview, "pulumi/actions")[0];
    expect(step.with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true, "edit-pr-comment": true, "always-include-summary": true });
    expect(preview.environment).toBeUndefined(); // no deploy environment: no production secrets
    expect(step.env!.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_PREVIEW_TOKEN }}");
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
    expect(job("deploy").env?.IMAGE).toBe("ghcr.io/${{ github.repository_owner }}/taskflow-api:${{ github.event.pull_request.head.sha }}");
    expect(at("docker build")).toBeLessThan(at("aquasecurity/trivy-action"));
    expect(at("refuse a new preview beyond the cap")).toBeLessThan(at("npm run -s preview-stack"));
    const [up] = pulumiSteps("deploy");
    expect(up.with).toMatchObject({ command: "up", "stack-name": "${{ steps.stack.outputs.stack }}", upsert: true, policyPackConfigs: "policies/config/staging.json" });
    expect(steps(job("deploy")).find((s) => s.id === "stack")?.run).toBe('npm run -s preview-stack -- config --pr "$PR" --image "$IMAGE" >> "$GITHUB_OUTPUT"');
    expect(steps(job("deploy")).map((s) => s.run)).toContain('bash scripts/smoke.sh "${{ steps.stack.outputs.url }}" "$SHA"');
    expect(at("post or edit the preview comment")).toBe(order.length - 1);
    expect(String(steps(job("deploy")).at(-1)!.env?.BODY)).toMatch(/^<!-- taskflow-preview -->\n.*\$\{\{ steps\.stack\.outputs\.url \}\}/);
  });

  it("destroys and removes the stack when the PR closes, and daily for PRs that are no longer open", () => {
    expect(job("destroy").if).toContain("github.event.action == 'closed'");
    expect(pulumiSteps("destroy").map((s) => s.with)).toEqual([expect.objectContaining({ command: "destroy", "stack-name": "pr-${{ github.event.pull_request.number }}", remove: true })]);
    const find = steps(job("stale")).find((s) => s.id === "find")!;
    expect(find.run).toMatch(/^set -euo pipefail\n/);
    expect(find.run).toContain("preview-stack -- stale");
    expect(job("cleanup").needs).toBe("stale");
    expect(job("cleanup").strategy?.matrix).toEqual({ stack: "${{ fromJSON(needs.stale.outputs.stacks) }}" });
    expect(pulumiSteps("cleanup").map((s) => s.with)).toEqual([expect.objectContaining({ command: "destroy", "stack-name": "${{ matrix.stack }}", remove: true })]);
  });
});

describe("deploy.yml", () => {
  const wf = workflow("deploy.yml");

  it("runs on pushes to main", () => {
    expect(wf.on.push.branches).toEqual(["main"]);
  });

  it("builds, scans and pushes the SHA-tagged image once, and passes on its digest", () => {
    const image = wf.jobs.image;
    expect((image as any).env.IMAGE).toBe("ghcr.io/${{ github.repository_owner }}/taskflow-api:${{ github.sha }}");
    expect(image.permissions).toEqual({ contents: "read", packages: "write" });
    const order = steps(image).map((s) => s.uses?.split("@")[0] ?? s.id ?? s.run?.split(" ")[0]);
    expect(order.indexOf("aquasecurity/trivy-action")).toBeLessThan(order.indexOf("push"));
    expect((image as any).outputs.ref).toBe("${{ steps.push.outputs.ref }}");
  });

  it("deploys staging, then production behind the production environment", () => {
    expect(needsOf(wf.jobs.staging)).toEqual(["image"]);
    expect(needsOf(wf.jobs.production)).toEqual(["image", "staging"]);
    expect(wf.jobs.staging.environment).toBe("staging");
    expect(wf.jobs.production.environment).toBe("production");
  });

  it("queues deploys per stack instead of cancelling them", () => {
    expect(wf.jobs.staging.concurrency).toEqual({ group: "deploy-staging", "cancel-in-progress": false });
    expect(wf.jobs.production.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
  });

  it("deploys to production exactly the image reference (digest) staging tested", () => {
    const setImage = (job: Job) => steps(job).find((s) => s.run?.startsWith("bash scripts/set-image.sh"))!.run;
    expect(setImage(wf.jobs.staging)).toBe('bash scripts/set-image.sh staging "${{ needs.image.outputs.ref }}"');
    expect(setImage(wf.jobs.production)).toBe('bash scripts/set-image.sh production "${{ needs.image.outputs.ref }}"');
  });

  it("smoke-tests both stacks for the commit's SHA and rolls production back when it fails", () => {
    for (const job of [wf.jobs.staging, wf.jobs.production]) {
      expect(steps(job).map((s) => s.run)).toContain('bash scripts/smoke.sh "${{ vars.PUBLIC_URL }}" "${{ github.sha }}"');
    }
    const rollback = steps(wf.jobs.production).find((s) => s.run?.includes("rollback.sh"))!;
    expect(rollback.if).toBe("failure() && steps.smoke.outcome == 'failure'");
    expect(rollback.run).toBe("bash scripts/rollback.sh production --yes && exit 1");
  });
});

describe("apply-config.yml", () => {
  const wf = workflow("apply-config.yml");

  it("applies a pushed stack file change (a reverted tag), not the bot's own tag commits", () => {
    expect(wf.on.push.paths).toEqual(["Pulumi.staging.yaml", "Pulumi.production.yaml"]);
    expect(wf.jobs.apply.if).toBe("github.actor != 'taskflow-deploy-bot'");
    expect(wf.jobs.apply.environment).toBe("${{ matrix.stack }}");
    expect(wf.jobs.apply.concurrency).toEqual({ group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false });
    expect(wf.jobs.apply.strategy).toMatchObject({ "max-parallel": 1, matrix: { stack: ["staging", "production"] } });
  });

  it("shares the deploy workflow's concurrency groups, so the two never run on one stack at once", () => {
    const deploy = workflow("deploy.yml");
    expect([deploy.jobs.staging.concurrency!.group, deploy.jobs.production.concurrency!.group]).toEqual(["deploy-staging", "deploy-production"]);
  });
});
