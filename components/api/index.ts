// The API under either runtime: N replica containers (Api) or a swarm service
// (SwarmApi), with what they share (release.ts) and the commands they run.
export * from "./api";
export * from "./commands";
export * from "./release";
export * from "./swarmApi";
