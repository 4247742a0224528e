// The gates: what must hold before traffic moves (the replica gate), while a share of
// it tries the new release (the canary), and after (the health gate), the runtime
// interface they take, and the probes they share with the API's Docker HEALTHCHECK.
export * from "./apiRuntime";
export * from "./canaryGate";
export * from "./commands";
export * from "./healthGate";
export { HTTP_PROBE_PY } from "./probes";
