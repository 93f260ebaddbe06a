/**
 * The minimal handler the webhook benchmark compares against: Fastify takes `POST /webhooks/whatsapp` as a raw
 * buffer, checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with WHATSAPP_APP_SECRET, compared with
 * timingSafeEqual), reads the message ids from the JSON and inserts the raw body once per id into a plain table
 * (ON CONFLICT DO NOTHING), answering 200 — no normalising, no conversation row, no outbox row. DATABASE_URL is a
 * PostgreSQL server (node-postgres pool of DATABASE_POOL_SIZE, 10 like the app). Prints "Baseline is up on URL".
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import Fastify from "fastify";
import pg from "pg";

const secret = process.env.WHATSAPP_APP_SECRET ?? "";
if (secret.length < 8) throw new Error("WHATSAPP_APP_SECRET is required");
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});
await pool.query(`CREATE TABLE IF NOT EXISTS bench_webhook_messages (
  message_id text PRIMARY KEY, raw text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);

/** True when `header` is `sha256=` and the hex HMAC of `raw`. */
function isSigned(raw: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface Webhook {
  entry?: { changes?: { value?: { messages?: { id?: string }[] } }[] }[];
}

const app = Fastify({ logger: false });
app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
app.post("/webhooks/whatsapp", async (req, reply) => {
  const raw = req.body as Buffer;
  if (!isSigned(raw, req.headers["x-hub-signature-256"] as string | undefined)) {
    return reply.status(401).send({ error: "bad_signature" });
  }
  let ids: string[];
  try {
    const webhook = JSON.parse(raw.toString("utf8")) as Webhook;
    ids = (webhook.entry ?? []).flatMap((e) =>
      (e.changes ?? []).flatMap((c) => (c.value?.messages ?? []).map((m) => String(m.id))),
    );
  } catch {
    return reply.status(400).send({ error: "bad_json" });
  }
  if (ids.length > 0) {
    await pool.query(
      `INSERT INTO bench_webhook_messages (message_id, raw) SELECT unnest($1::text[]), $2
       ON CONFLICT (message_id) DO NOTHING`,
      [ids, raw.toString("utf8")],
    );
  }
  return { ok: true };
});
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
console.log(`Baseline is up on ${address}`);

const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
