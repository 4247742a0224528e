// The gateway: the edge (ports, network namespace, upstream set), the Caddy inside it,
// its Caddyfile, the cutover that moves traffic, and the image their scripts run in.
export * from "./caddyfile";
export * from "./commands";
export * from "./cutover";
export * from "./gateway";
