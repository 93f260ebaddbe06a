/**
 * The HTTP side of bench/field-sync.ts: requests as the tablets send them over keep-alive sockets, timed from the
 * moment a socket takes each one, and waves of them sent at the same moment.
 */
import { type Agent, request } from "node:http";

/** One request's answer: its latency from the moment it had a socket, its status, its body and Retry-After. */
export interface Answered {
  ms: number;
  status: number;
  text: string;
  retryAfter: number;
}

/** Sends one request over `agent` (keep-alive sockets); the clock starts when a socket takes it, not in the queue. */
export function send(
  agent: Agent,
  url: string,
  init: { method: string; token: string; body?: string | Buffer; type?: string },
): Promise<Answered> {
  let started = performance.now();
  const headers: Record<string, string | number> = { authorization: `Bearer ${init.token}` };
  if (init.type) headers["content-type"] = init.type;
  if (init.body !== undefined) headers["content-length"] = Buffer.byteLength(init.body);
  return new Promise((resolve) => {
    const req = request(url, { method: init.method, agent, headers, timeout: 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          ms: performance.now() - started,
          status: res.statusCode ?? 0,
          text: Buffer.concat(chunks).toString(),
          retryAfter: Number(res.headers["retry-after"] ?? 5),
        }),
      );
    });
    req.on("socket", () => {
      started = performance.now();
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (e) =>
      resolve({ ms: performance.now() - started, status: 0, text: String(e), retryAfter: 5 }),
    );
    req.end(init.body);
  });
}

/** A request as the tablet makes it: a 503 is sent again after its Retry-After (at most 5 times). */
export interface Served extends Answered {
  /** From the moment every tablet sent, queue and retries included. */
  totalMs: number;
  retries: number;
}

export async function sendAsTablet(agent: Agent, url: string, init: Parameters<typeof send>[2], t0: number) {
  let retries = 0;
  let answered = await send(agent, url, init);
  while (answered.status === 503 && retries < 5) {
    retries++;
    await new Promise((r) => setTimeout(r, answered.retryAfter * 1000));
    answered = await send(agent, url, init);
  }
  return { ...answered, totalMs: performance.now() - t0, retries } satisfies Served;
}

/** Requests sent all at once, as answered, and the wall time until the last answer. */
export interface Wave {
  served: Served[];
  wallMs: number;
  /** A sync wave's batches kept for the worker (202), and the time from the common start until all were stored. */
  kept?: number;
  storedMs?: number;
}

/** Runs `fn` for every inspector at the same moment (over the agent's sockets) and collects what was served. */
export async function wave(n: number, fn: (i: number, t0: number) => Promise<Served[]>): Promise<Wave> {
  const t0 = performance.now();
  const served = (await Promise.all(Array.from({ length: n }, (_, i) => fn(i, t0)))).flat();
  return { served, wallMs: performance.now() - t0 };
}
