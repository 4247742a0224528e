// Where the rehearsal keeps a stack's state: .rehearsal/<stack>.json in this checkout,
// or in TASKFLOW_REHEARSAL_STATE_DIR when several checkouts share one "backend" (the
// pipeline tests' jobs each run in a fresh clone, as CI jobs do).
import * as path from "node:path";

import { ROOT } from "../config/stackFile";

export function rehearsalStateFile(stack: string): string {
  return path.join(process.env.TASKFLOW_REHEARSAL_STATE_DIR || path.join(ROOT, ".rehearsal"), `${stack}.json`);
}
