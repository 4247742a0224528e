// Real-Docker tests run when Docker and the local images are there. Locally they are
// skipped with the reason printed; in CI (CI=true) they fail instead.
import { beforeAll } from "vitest";

import { dockerUnavailable } from "./harness";

const reason = dockerUnavailable();
export const skipRehearsal = reason !== undefined && process.env.CI !== "true";
if (skipRehearsal) console.log(`real-Docker rehearsal tests skipped: ${reason}`);

/** Call inside the describe: fails every test in CI when Docker cannot run them. */
export function requireDocker(): void {
  beforeAll(() => {
    if (reason) throw new Error(`real-Docker tests cannot run: ${reason}`);
  });
}
