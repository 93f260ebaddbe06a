/**
 * A database that cannot be reached makes the API fail fast with 503 and Retry-After, never a 500 or a hung request:
 * a refused port, a server that accepts and never answers, one that hangs up, and (on PostgreSQL) a backend ended
 * by the server while a query runs. No restart of the shared server is needed: the first three are loopback sockets.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { testConfig, testDb } from "../../tests/helpers.ts";
import { connect, isDatabaseUnavailable } from "../db/index.ts";
import { runAcrossTenants } from "../tenants/current.ts";
import { buildApp } from "./app.ts";

/** A loopback TCP server that does `onSocket` with each connection; closed after the file. */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<{ url: string; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as { port: number };
  return { url: `postgres://postgres@127.0.0.1:${port}/responsiva`, server };
}

/** A PostgreSQL URL on a loopback port nobody listens on. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `postgres://postgres@127.0.0.1:${port}/responsiva`;
}

/** The app over a database at `url` that is not there, with a short connection timeout. */
async function appOver(url: string) {
  const db = await connect({ databaseUrl: url, poolSize: 2, connectTimeoutMs: 400 });
  after(() => db.close());
  const app = await buildApp({ db, config: testConfig({ databaseUrl: url }) });
  after(() => app.close());
  return app;
}

const demand = {
  service: "ILUMINACAO",
  description: "Poste apagado",
  location: { lat: -23.5503, lon: -46.634 },
  citizen: { name: "Pessoa", email: "pessoa@example.org" },
};

/**
 * Sends the requests a citizen makes, and checks each is a quick 503 problem with Retry-After (/health needs no
 * database; /health/ready's 503 is in server/http/health.test.ts).
 */
async function expectUnavailable(app: Awaited<ReturnType<typeof appOver>>, withinMs: number) {
  for (const request of [
    { method: "GET" as const, url: "/api/v1/services" },
    { method: "POST" as const, url: "/api/v1/demands", payload: demand },
  ]) {
    const started = Date.now();
    const res = await app.inject({ ...request, headers: { "accept-language": "en" } });
    const took = Date.now() - started;
    assert.equal(res.statusCode, 503, `${request.method} ${request.url}: ${res.body}`);
    assert.equal(res.headers["retry-after"], "5");
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    const body = res.json();
    assert.equal(body.code, "service_unavailable");
    assert.match(body.detail, /try again in 5 seconds/i);
    assert.doesNotMatch(res.body, /ECONNREFUSED|at .*\.ts:\d+|stack/i, "no internals in the answer");
    assert.ok(took < withinMs, `${request.method} ${request.url} took ${took} ms`);
  }
}

describe("a database out of reach", () => {
  it("answers 503 with Retry-After at once when the database refuses connections", async () => {
    const app = await appOver(await closedPortUrl());
    await expectUnavailable(app, 2000);
  });

  it("answers 503 after the connection timeout when the database accepts but never answers", async () => {
    const { url } = await tcpServer(() => {});
    const app = await appOver(url);
    await expectUnavailable(app, 3000);
  });

  it("answers 503 when the database hangs up as soon as it is reached", async () => {
    const { url } = await tcpServer((socket) => socket.destroy());
    const app = await appOver(url);
    await expectUnavailable(app, 2000);
  });

  it("tells a broken or refused connection from an error of the request itself", () => {
    for (const code of ["57P01", "57P02", "57P03", "08006", "ECONNREFUSED", "ECONNRESET"]) {
      assert.ok(isDatabaseUnavailable(Object.assign(new Error("x"), { code })), code);
    }
    assert.ok(isDatabaseUnavailable(new Error("Connection terminated unexpectedly")));
    assert.ok(isDatabaseUnavailable(new Error("timeout exceeded when trying to connect")));
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    assert.ok(isDatabaseUnavailable(new AggregateError([refused, refused])));
    for (const code of ["23505", "22P02", "42601", "40001", undefined]) {
      assert.equal(isDatabaseUnavailable(Object.assign(new Error("x"), { code })), false, String(code));
    }
    assert.equal(isDatabaseUnavailable(new Error("boom")), false);
    assert.equal(isDatabaseUnavailable(null), false);
  });

  it("recognises a query ended by the server shutting its backend down (PostgreSQL)", {
    skip: process.env.DATABASE_URL ? false : "needs DATABASE_URL (PGlite has no server to lose)",
  }, async () => {
    const db = await testDb();
    const running = db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid, pg_sleep(30)");
    const caught = running.then(
      () => undefined,
      (error: unknown) => error,
    );
    // Wait until the sleeping backend shows up, then end it the way a fast shutdown does (SQLSTATE 57P01).
    let ended = 0;
    for (let i = 0; i < 100 && ended === 0; i++) {
      // As the owner: the application's role may neither read other sessions' queries nor end them.
      const rows = await runAcrossTenants(() =>
        db.query<{ n: number }>(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`,
        ),
      );
      ended = rows[0]?.n ?? 0;
      if (ended === 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(ended, 1);
    const error = (await caught) as { code?: string };
    assert.equal(error?.code, "57P01");
    assert.ok(isDatabaseUnavailable(error));
    // The pool drops the dead connection and the next query gets a new one.
    assert.equal((await db.query<{ one: number }>("SELECT 1 AS one"))[0]?.one, 1);
  });
});
