import { execFile } from "node:child_process";
import * as net from "node:net";

import { describe, expect, it } from "vitest";

import { healthGateArgv, HealthGateOptions } from "../../components";
import {
  judge,
  judgeService,
  parseArgs,
  ProbeResult,
  REPLICA_PROBE_PY,
  replicaProbeArgv,
  runGate,
  serviceProbeArgv,
} from "../../components/gates/health-gate.js";

const opts = {
  gatewayUrl: "http://127.0.0.1:8080",
  expectedVersion: "v2",
  port: 8000,
  healthPath: "/health",
  statusPath: "/api/v1/status",
  attempts: 3,
  intervalSeconds: 1,
  timeoutSeconds: 10,
  replicas: ["a", "b"],
};

/** A fake clock: sleeping advances time instantly. */
function clock() {
  let t = 0;
  return {
    now: () => t,
    sleep: async (s: number) => {
      t += s * 1000;
    },
  };
}

const PASS: ProbeResult = { ok: true };
const BUSY: ProbeResult = { ok: false, unknown: true, why: "no answer within 10s" };

/**
 * The gate over one replica that always passes and a gateway that answers `answers` in
 * turn (then `after`), on the fake clock: whether it passed, its rounds and its log.
 */
async function gatewaySays(answers: ProbeResult[], after: ProbeResult = PASS, timeoutSeconds = opts.timeoutSeconds) {
  let rounds = 0;
  const logs: string[] = [];
  const ok = await runGate(
    { ...opts, replicas: ["a"], timeoutSeconds },
    { ...clock(), log: (l: string) => logs.push(l), probeOne: () => PASS, probeGw: async () => answers[rounds++] ?? after },
  );
  return { ok, rounds, logs };
}

describe("health gate", () => {
  it("passes after `attempts` passing rounds in a row", async () => {
    let calls = 0;
    const ok = await runGate(opts, {
      ...clock(),
      log: () => {},
      probeOne: () => {
        calls++;
        return { ok: true };
      },
      probeGw: async () => ({ ok: true }),
    });
    expect(ok).toBe(true);
    expect(calls).toBe(3 * 2);
  });

  it("starts counting again after a failing round", async () => {
    const { ok, rounds: round, logs } = await gatewaySays([PASS, PASS, { ok: false, why: "health answered 503" }, PASS, PASS, PASS]);
    expect(ok).toBe(true);
    expect(round).toBe(6);
    expect(logs[2]).toBe("health-gate: round 3: fail: gateway http://127.0.0.1:8080: health answered 503");
  });

  it("fails at the timeout, naming what failed", async () => {
    const logs: string[] = [];
    const ok = await runGate(opts, {
      ...clock(),
      log: (l: string) => logs.push(l),
      probeOne: (r: string) => (r === "b" ? { ok: false, why: 'reports version "v1", expected "v2"' } : { ok: true }),
      probeGw: async () => ({ ok: true }),
    });
    expect(ok).toBe(false);
    expect(logs.at(-1)).toBe('health-gate: FAILED after 10s: b: reports version "v1", expected "v2"');
  });

  it("checks only the replicas when there is no gateway URL (the gate before the cutover)", async () => {
    let gatewayCalls = 0;
    const ok = await runGate(
      { ...opts, gatewayUrl: undefined },
      {
        ...clock(),
        log: () => {},
        probeOne: () => ({ ok: true }),
        probeGw: async () => {
          gatewayCalls++;
          return { ok: false, why: "x" };
        },
      },
    );
    expect(ok).toBe(true);
    expect(gatewayCalls).toBe(0);
  });

  it("keeps its count through a round without an answer in time: a busy machine does not fail a healthy release", async () => {
    // pass, no answer in time, pass, no answer, pass: three passes, none reset.
    const { ok, rounds: round, logs } = await gatewaySays([PASS, BUSY, PASS, BUSY, PASS]);
    expect(ok).toBe(true);
    expect(round).toBe(5);
    expect(logs[1]).toBe("health-gate: round 2: no verdict (1/3 kept): gateway http://127.0.0.1:8080: no answer within 10s");
    expect(logs[4]).toBe("health-gate: round 5: pass (3/3)");
  });

  it("still resets at a wrong answer, and fails at the deadline when a replica never answers in time, naming it", async () => {
    const logs: string[] = [];
    const ok = await runGate(opts, {
      ...clock(),
      log: (l: string) => logs.push(l),
      probeOne: (r: string) => (r === "b" ? { ok: false, unknown: true, why: "docker exec did not finish within 20s" } : { ok: true }),
      probeGw: async () => ({ ok: true }),
    });
    expect(ok).toBe(false);
    expect(logs.at(-1)).toBe("health-gate: FAILED after 10s: b: docker exec did not finish within 20s");
    // pass, pass, a 503, then no answers: the 503 reset the count, nothing rebuilt it.
    const reset = await gatewaySays([PASS, PASS, { ok: false, why: "health answered 503" }], BUSY, 4);
    expect(reset.ok).toBe(false);
  });

  it("starts rounds `intervalSeconds` apart: the probes' own time is part of the wait", async () => {
    const c = clock();
    const sleeps: number[] = [];
    const ok = await runGate(
      { ...opts, replicas: ["a"] },
      {
        now: c.now,
        sleep: async (s: number) => {
          sleeps.push(Math.round(s * 1000) / 1000);
          await c.sleep(s);
        },
        log: () => {},
        // Each probe takes 300 ms of the fake clock.
        probeOne: () => {
          void c.sleep(0.3);
          return { ok: true };
        },
        probeGw: async () => ({ ok: true }),
      },
    );
    expect(ok).toBe(true);
    expect(sleeps).toEqual([0.7, 0.7]);
  });

  it("probes a round's replicas and the gateway side by side", async () => {
    const slow = <T>(v: T) => new Promise<T>((r) => setTimeout(() => r(v), 100));
    const started = Date.now();
    const ok = await runGate(
      { ...opts, replicas: ["a", "b", "c"] },
      { ...clock(), log: () => {}, probeOne: () => slow({ ok: true }), probeGw: () => slow({ ok: true }) },
    );
    expect(ok).toBe(true);
    // Three rounds of four 100 ms probes: 300 ms side by side, 1200 ms one after another.
    expect(Date.now() - started).toBeLessThan(700);
  });

  it.each([
    [200, "v2", { ok: true }],
    [503, "v2", { ok: false, why: "health answered 503" }],
    [0, "", { ok: false, why: "health answered nothing" }],
    [200, "v1", { ok: false, why: 'reports version "v1", expected "v2"' }],
    [-1, "", { ok: false, unknown: true, why: "health did not answer within the probe's 5 s" }],
  ])("judges status %s version %j", (status, version, expected) => {
    expect(judge(status, version, "v2")).toEqual(expected);
  });

  it("tells a probe that got no answer in time (-1) from a refused one (0), in the replica's Python", async () => {
    // A server that accepts and never answers, and a port nothing listens on.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    try {
      const probe = (p: number) =>
        new Promise<string>((resolve, reject) =>
          execFile("python3", ["-c", REPLICA_PROBE_PY, `http://127.0.0.1:${p}`, "/health", "/api/v1/status"], (e, out) =>
            e ? reject(e) : resolve(out.trim()),
          ),
        );
      const [timedOut, refused] = await Promise.all([probe(port), probe(closedPort)]);
      expect(timedOut).toBe("-1");
      expect(refused).toBe("0");
    } finally {
      silent.close();
    }
  }, 20_000);

  it("judges a swarm round: a task without an answer in time is no verdict, a missing task fails", () => {
    const svc = { ...opts, expectedVersion: "v2", service: { name: "api", taskCount: 2 } };
    expect(judgeService("10.0.0.2 200 v2\n10.0.0.3 -1\n", svc)).toEqual([
      { ok: true },
      { ok: false, unknown: true, why: "task 10.0.0.3: health did not answer within the probe's 5 s" },
    ]);
    expect(judgeService("10.0.0.2 200 v2\n", svc)).toEqual([{ ok: true }, { ok: false, why: "service api: 1 task(s) answer, expected 2" }]);
  });

  it("probes a replica from inside its container with the given paths", () => {
    expect(replicaProbeArgv("api-1", opts).filter((_: string, i: number) => i !== 5)).toEqual([
      "docker",
      "exec",
      "api-1",
      "python3",
      "-c",
      "http://127.0.0.1:8000",
      "/health",
      "/api/v1/status",
    ]);
  });

  it("refuses a call without replicas", () => {
    expect(() =>
      parseArgs([
        "--gateway-url",
        "u",
        "--expect-version",
        "v",
        "--port",
        "1",
        "--health-path",
        "/h",
        "--status-path",
        "/s",
        "--attempts",
        "1",
        "--interval",
        "1",
        "--timeout",
        "5",
      ]),
    ).toThrow(/at least one --replica/);
  });

  it("refuses an unknown flag, a flag without value and a malformed number, naming it", () => {
    const argv = healthGateArgv({ ...opts, gatewayUrl: undefined }).slice(2);
    expect(() => parseArgs([...argv, "--retries", "3"])).toThrow(/unknown argument --retries/);
    expect(() => parseArgs([...argv, "--replica"])).toThrow(/--replica needs a value/);
    expect(() => parseArgs(argv.map((a: string) => (a === "3" ? "3x" : a)))).toThrow(/--attempts needs a number, got "3x"/);
  });
});

// The two ends of the health gate's command line: components/gates/commands.ts writes it
// (healthGateArgv), components/gates/health-gate.js reads it (parseArgs). Both go through
// components/gates/healthGateOptions.js; these tests hold them together.
describe("health gate options, written by the program and read by the gate", () => {
  const container: HealthGateOptions = {
    gatewayUrl: "https://localhost:18443",
    gatewayCaFrom: "taskflow-gateway-caddy-1a2b3c4",
    expectedVersion: "3f2a9c1",
    replicas: ["taskflow-api-replica-0-aaaaaaa", "taskflow-api-replica-1-bbbbbbb"],
    port: 8000,
    healthPath: "/health",
    statusPath: "/api/v1/status",
    attempts: 3,
    intervalSeconds: 2,
    timeoutSeconds: 60,
  };
  const swarm: HealthGateOptions = {
    expectedVersion: "v2",
    replicas: [],
    service: {
      name: "taskflow-api-9f8e7d6",
      taskCount: 2,
      network: "taskflow-network-edge-1234567",
      probeImage: "taskflow-api:v2",
      stack: "staging",
    },
    port: 8000,
    healthPath: "/health",
    statusPath: "/api/v1/status",
    attempts: 3,
    intervalSeconds: 1,
    timeoutSeconds: 30,
  };

  it.each([
    ["container runtime (with the gateway and its CA)", container],
    ["swarm runtime (replicas only)", swarm],
  ])("round-trips the %s", (_what, o) => {
    const argv = healthGateArgv(o);
    expect(argv.slice(0, 2)).toEqual(["node", "components/gates/health-gate.js"]);
    expect(parseArgs(argv.slice(2))).toEqual(o);
  });

  it("probes the swarm service's tasks on its network, labeled with its stack", () => {
    const parsed = parseArgs(healthGateArgv(swarm).slice(2));
    const argv = serviceProbeArgv({ ...parsed, service: parsed.service! });
    expect(argv.slice(0, 5)).toEqual(["docker", "run", "--rm", "--network", "taskflow-network-edge-1234567"]);
    expect(argv).toContain("taskflow.stack=staging");
    expect(argv.slice(-4)).toEqual(["tasks.taskflow-api-9f8e7d6", "8000", "/health", "/api/v1/status"]);
  });
});
