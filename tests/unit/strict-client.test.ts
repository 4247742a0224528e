// The strict client against a server of the test's own on 127.0.0.1: the paced (open
// loop) mode sends on its schedule and counts a stall against every request due during
// it; every failure kind is counted, none retried.
import * as net from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { report, startStrictLoad } from "../../bench/strictClient";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A keep-alive HTTP/1.1 server; `answer` decides each response (or a reset) per request number. */
function server(answer: (n: number) => { status: number; delayMs?: number } | "reset") {
  let n = 0;
  let stallUntil = 0;
  const srv = net.createServer((socket) => {
    socket.on("data", async (chunk) => {
      for (let i = 0; i < chunk.toString("latin1").split("\r\n\r\n").length - 1; i++) {
        const a = answer(++n);
        if (a === "reset") {
          socket.resetAndDestroy();
          return;
        }
        if (a.delayMs) stallUntil = Math.max(stallUntil, Date.now() + a.delayMs);
        if (stallUntil > Date.now()) await sleep(stallUntil - Date.now());
        socket.write(`HTTP/1.1 ${a.status} X\r\nContent-Length: 2\r\n\r\nok`);
      }
    });
    socket.on("error", () => undefined);
  });
  return new Promise<{ port: number; close: () => void; count: () => number }>((resolve) =>
    srv.listen(0, "127.0.0.1", () => resolve({ port: (srv.address() as net.AddressInfo).port, close: () => srv.close(), count: () => n })),
  );
}

describe("strict client", () => {
  let close = () => undefined as void;
  afterEach(() => close());

  it("paced: sends at the rate asked, while the closed loop sends as fast as answers come", async () => {
    const s = await server(() => ({ status: 200 }));
    close = s.close;
    const paced = startStrictLoad({ port: s.port, connections: 4, ratePerSecond: 40 });
    await sleep(1000);
    const p = report(await paced.stop());
    const closed = startStrictLoad({ port: s.port, connections: 4 });
    await sleep(1000);
    const c = report(await closed.stop());
    expect(p.requests).toBeGreaterThanOrEqual(36);
    expect(p.requests).toBeLessThanOrEqual(44);
    expect(c.requests).toBeGreaterThan(4 * p.requests);
    expect(p).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
  });

  it("paced: a 400 ms stall counts against every request due during it (no coordinated omission)", async () => {
    // One connection, a request due every 50 ms; the 6th answer is held 400 ms.
    const s = await server((n) => ({ status: 200, delayMs: n === 6 ? 400 : 0 }));
    close = s.close;
    const load = startStrictLoad({ port: s.port, connections: 1, ratePerSecond: 20 });
    await sleep(1500);
    const trace = await load.stop();
    const late = trace.samples.filter((x) => x.ms >= 100);
    // Due at 250, 300, ... 600 ms: the stalled one and the ~7 queued behind it are late,
    // each by less than the one before; a closed loop would have shown one slow request.
    expect(late.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...late.map((x) => x.ms))).toBeGreaterThanOrEqual(380);
    expect(report(trace).requests).toBeGreaterThanOrEqual(27);
  });

  it("counts a non-2xx and a reset as failures and never re-sends them", async () => {
    const s = await server((n) => (n === 3 ? "reset" : { status: n === 5 ? 503 : 200 }));
    close = s.close;
    const load = startStrictLoad({ port: s.port, connections: 1, ratePerSecond: 50 });
    await sleep(400);
    const r = report(await load.stop());
    expect(r.non2xx).toBe(1);
    expect(r.byKind.reset + r.byKind.eof).toBe(1);
    // Every request the server saw is one the client counted, once.
    expect(r.requests).toBe(s.count());
  });

  it("refuses a rate that is not a positive number", () => {
    expect(() => startStrictLoad({ port: 1, connections: 1, ratePerSecond: 0 })).toThrow(
      /ratePerSecond must be a positive number of requests per second, got 0/,
    );
  });
});
