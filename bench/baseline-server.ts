/**
 * The minimal handler the intake benchmark compares against: Fastify parses the same JSON body and one INSERT
 * writes the same demand row into a plain table (same columns, no foreign keys, checks or secondary indexes),
 * with no placement, protocol sequence, timeline event or outbox row. DATABASE_URL picks a PostgreSQL server
 * (node-postgres pool of DATABASE_POOL_SIZE, 10 like the app); otherwise PGlite with PostGIS in DATA_DIR.
 * Prints "Baseline is up on URL" once listening. `--bare=SECONDS` instead inserts rows one after another for
 * that long, with no HTTP, and prints the rate: PGlite's counterpart of pgbench.
 */
import { createHash, randomBytes } from "node:crypto";
import Fastify from "fastify";
import { connect } from "../server/db/index.ts";

/** The plain table: the columns of `demands`, nothing else enforced. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS bench_plain_demands (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  protocol text, service_id bigint, channel text, status text DEFAULT 'new', description text,
  identity_mode text, citizen_id bigint, location geometry(Point, 4326), address text, district_code text,
  subprefeitura_code text, block_id bigint, department_id bigint, attributes jsonb DEFAULT '{}', secret_hash text,
  opened_at timestamptz DEFAULT now(), closed_at timestamptz, due_at timestamptz, source_ref text,
  created_at timestamptz DEFAULT now(), outcome text)`;

const INSERT = `INSERT INTO bench_plain_demands (protocol, service_id, channel, description, identity_mode, location,
  attributes, secret_hash) VALUES ($1, $2, 'web', $3, $4, ST_SetSRID(ST_MakePoint($5::float8, $6::float8), 4326),
  $7, $8) RETURNING id, opened_at`;

interface Body {
  service: string;
  description: string;
  identity: string;
  location: { lat: number; lon: number };
}

const db = await connect({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: process.env.DATA_DIR,
  poolSize: Number(process.env.DATABASE_POOL_SIZE ?? 10),
});
await db.exec("CREATE EXTENSION IF NOT EXISTS postgis");
await db.exec(CREATE_TABLE);

let serial = 0;
/** Inserts one row for a parsed body; the service id is fixed, as a plain handler would not look it up. */
async function insertRow(body: Body) {
  serial += 1;
  const secret = randomBytes(18).toString("base64url");
  const rows = await db.query<{ id: number; opened_at: Date }>(INSERT, [
    `B${process.pid}-${serial}`,
    1,
    body.description,
    body.identity,
    body.location.lon,
    body.location.lat,
    "{}",
    createHash("sha256").update(secret).digest("hex"),
  ]);
  return { row: rows[0], secret };
}

const bare = process.argv.find((a) => a.startsWith("--bare="));
if (bare) {
  const seconds = Number(bare.slice("--bare=".length));
  const body = {
    service: "x",
    description: "bare",
    identity: "anonymous",
    location: { lat: -23.55, lon: -46.63 },
  };
  const until = Date.now() + seconds * 1000;
  let n = 0;
  const started = performance.now();
  while (Date.now() < until) {
    await insertRow(body);
    n += 1;
  }
  console.log(`bare ${((n * 1000) / (performance.now() - started)).toFixed(1)} inserts/s`);
  await db.close();
  process.exit(0);
}

const app = Fastify({ logger: false });
app.post("/api/v1/demands", async (req, reply) => {
  const { row, secret } = await insertRow(req.body as Body);
  return reply.status(201).send({ protocol: `B${row?.id}`, secret, openedAt: row?.opened_at });
});
const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
console.log(`Baseline is up on ${address} (database: ${db.kind})`);

const stop = async () => {
  await app.close();
  await db.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
