// Types of probes.js.
export const HTTP_PROBE_PY: string;
export const REPLICA_PROBE_PY: string;
export const SERVICE_PROBE_PY: string;
