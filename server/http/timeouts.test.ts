import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { after, describe, it } from "node:test";
import { staffHeaders, testApp } from "../../tests/helpers.ts";

// Short time-outs so the test is quick; the defaults (20 s, 30 s, 300 s) are the same mechanism.
const { app, ctx } = await testApp({
  headersTimeoutMs: 1000,
  requestIdleTimeoutMs: 1000,
  requestTimeoutMs: 4000,
});
await app.listen({ port: 0, host: "127.0.0.1" });
after(() => app.close());
const port = (app.server.address() as { port: number }).port;
const agent = await staffHeaders(ctx.db, "agent");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `chunks` on a raw connection, `gapMs` apart; answers what came back and when the server closed it. */
function rawExchange(chunks: string[], gapMs: number): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = "";
    const socket = connect(port, "127.0.0.1", async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) break;
        socket.write(chunk);
        await sleep(gapMs);
      }
    });
    socket.on("data", (d) => {
      answer += String(d);
    });
    socket.on("error", () => {}); // a reset after the server gave up is the point
    socket.on("close", () => {
      clearTimeout(guard);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`held open over 30 s; got: ${answer.slice(0, 80)}`));
    }, 30_000);
  });
}

const HEAD = (length: number) =>
  `POST /api/v1/citizen/sign-in HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

describe("a client cannot hold a request open", () => {
  it("drops a request whose body stops arriving (Content-Length 100, 7 bytes sent)", async () => {
    const { closedAfterMs } = await rawExchange([`${HEAD(100)}{"a":1,`], 0);
    assert.ok(closedAfterMs < 8000, `closed after ${closedAfterMs} ms`);
  });

  it("drops a request whose headers never end", async () => {
    const { answer, closedAfterMs } = await rawExchange(["GET /health HTTP/1.1\r\nHost: localhost\r\n"], 0);
    assert.ok(closedAfterMs < 8000, `closed after ${closedAfterMs} ms`);
    assert.doesNotMatch(answer, /200 OK/);
  });

  it("drops a body that trickles in for longer than the request time-out", async () => {
    const body = JSON.stringify({ email: `${"a".repeat(40)}@example.org` });
    const chunks = [HEAD(body.length), ...body.split("")];
    const { answer, closedAfterMs } = await rawExchange(chunks, 300);
    assert.ok(closedAfterMs < 4000 + 8000, `closed after ${closedAfterMs} ms`);
    assert.doesNotMatch(answer, /202 Accepted/, "the request never completed");
  });

  it("takes a slow upload that keeps moving (longer than the idle time-out in all)", async () => {
    const body = JSON.stringify({ email: "slow@example.org" });
    const chunks = [HEAD(body.length), ...body.match(/.{1,4}/g)!];
    const { answer, closedAfterMs } = await rawExchange(chunks, 400);
    assert.ok(closedAfterMs > 1000, "the upload took longer than the idle time-out");
    assert.match(answer, /^HTTP\/1\.1 202 /, answer.slice(0, 200));
  });

  it("keeps a live event stream open past every time-out", async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const req = request(
        {
          port,
          host: "127.0.0.1",
          path: "/api/v1/events",
          headers: { authorization: agent.authorization, accept: "text/event-stream" },
        },
        (res) => {
          assert.equal(res.statusCode, 200);
          let ended = false;
          res.on("data", () => {});
          res.on("close", () => {
            ended = true;
          });
          setTimeout(() => {
            resolve(ended);
            req.destroy();
          }, 5500);
        },
      );
      req.end();
    });
    assert.equal(closed, false, "the stream was still open after 5.5 s");
  });
});
