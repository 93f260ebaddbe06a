/**
 * The data of bench/field-sync.ts: the inspectors, their sessions, the questionnaire and today's routes written by
 * plain SQL, and each inspector's day as the tablet sends it.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { hashToken } from "../server/access/principal.ts";

/** The questionnaire the inspectors answer: what a city's cleaning inspection asks at each block. */
export const DEFINITION = {
  questions: [
    { name: "clean", type: "yes_no", label: { "pt-BR": "Limpa?" }, required: true, scoring: "yes_good" },
    {
      name: "why",
      type: "text",
      label: { "pt-BR": "Por quê" },
      relevant: { question: "clean", op: "eq", value: false },
    },
    { name: "rating", type: "scale", label: { "pt-BR": "Nota" }, required: true, scoring: "scale" },
    { name: "photos", type: "photo", label: { "pt-BR": "Fotos" }, required: true },
    { name: "note", type: "text", label: { "pt-BR": "Observação" } },
  ],
};

export interface Inspector {
  id: number;
  token: string;
  visits: { id: number; blockId: number; lat: number; lng: number }[];
}

export interface Seeded {
  inspectors: Inspector[];
  versionId: number;
  service: string;
  /** Field demands in each batch. */
  demands: number;
}

/** The inspectors, their sessions, the questionnaire and today's routes, written by plain SQL. */
export async function seedField(
  db: pg.Client,
  inspectors: number,
  visits: number,
  demands: number,
): Promise<Seeded> {
  const q = async <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
    (await db.query<T>(text, params)).rows;
  const users = await q<{ id: number }>(
    `INSERT INTO staff_users (email, name, password_hash, role)
     SELECT 'bench-inspector-' || g || '@bench.local', 'Inspector ' || g, 'not-a-real-hash', 'inspector'
       FROM generate_series(1, $1::int) g ORDER BY g RETURNING id`,
    [inspectors],
  );
  const tokens = users.map(() => randomBytes(24).toString("base64url"));
  await q(
    `INSERT INTO staff_sessions (token_hash, user_id, expires_at)
     SELECT h, u, now() + interval '1 day' FROM unnest($1::text[], $2::bigint[]) AS t(h, u)`,
    [tokens.map(hashToken), users.map((u) => u.id)],
  );
  const [service] = await q<{ id: number; code: string }>(
    `SELECT id, code FROM services WHERE active AND anonymous_allowed AND attributes = '[]'::jsonb ORDER BY code LIMIT 1`,
  );
  if (!service) throw new Error("no anonymous service without attributes");
  const [questionnaire] = await q<{ id: number }>(
    `INSERT INTO questionnaires (code, title, service_id) VALUES ('bench-limpeza', '{"pt-BR": "Limpeza"}', $1)
     RETURNING id`,
    [service.id],
  );
  const [version] = await q<{ id: number }>(
    `INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
     VALUES ($1, 1, 'published', $2::jsonb, now()) RETURNING id`,
    [questionnaire!.id, JSON.stringify(DEFINITION)],
  );
  // Each route's visits on blocks inside a district (a field demand there is placed and routed), reused in turn.
  await q(
    `WITH b AS (SELECT array_agg(id ORDER BY id) AS ids FROM (
                  SELECT b.id FROM blocks b JOIN districts d ON ST_Contains(d.geom, ST_PointOnSurface(b.geom))
                   ORDER BY b.id LIMIT $2) x),
          r AS (INSERT INTO inspection_routes (inspector_id, day)
                SELECT u, (now() AT TIME ZONE 'America/Sao_Paulo')::date FROM unnest($1::bigint[]) u
                RETURNING id, inspector_id)
     INSERT INTO inspection_visits (route_id, position, block_id, questionnaire_id, reason)
     SELECT r.id, p, b.ids[1 + ((array_position($1::bigint[], r.inspector_id) - 1) * $3 + p - 1) % cardinality(b.ids)],
            $4, 'manual'
       FROM r, b, generate_series(1, $3::int) p`,
    [users.map((u) => u.id), inspectors * visits, visits, questionnaire!.id],
  );
  const planned = await q<{ inspector_id: number; id: number; block_id: number; lat: number; lng: number }>(
    `SELECT r.inspector_id, v.id, v.block_id, ST_Y(ST_PointOnSurface(b.geom)) AS lat, ST_X(ST_PointOnSurface(b.geom)) AS lng
       FROM inspection_visits v JOIN inspection_routes r ON r.id = v.route_id JOIN blocks b ON b.id = v.block_id
      ORDER BY r.inspector_id, v.position`,
  );
  await q("ANALYZE");
  return {
    inspectors: users.map((u, i) => ({
      id: u.id,
      token: tokens[i]!,
      visits: planned
        .filter((v) => v.inspector_id === u.id)
        .map((v) => ({ id: v.id, blockId: v.block_id, lat: v.lat, lng: v.lng })),
    })),
    versionId: version!.id,
    service: service.code,
    demands,
  };
}

/** A small distinct JPEG (its header, then a few KB of noise, then its end marker). */
export function jpeg(): Buffer {
  const header = Buffer.from("ffd8ffe000104a46494600010100000100010000", "hex");
  const noise = randomBytes(3000 + Math.floor(Math.random() * 2000));
  return Buffer.concat([header, noise, Buffer.from("ffd9", "hex")]);
}

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** One inspector's day as a batch naming the photos `hashes` (one per visit), with fresh client and batch ids. */
export function buildBatch(seeded: Seeded, inspector: Inspector, hashes: string[]) {
  const day = new Date().toISOString().slice(0, 10);
  const responses = inspector.visits.map((v, i) => {
    const clean = i % 3 !== 0;
    return {
      clientId: randomUUID(),
      versionId: seeded.versionId,
      visitId: v.id,
      blockId: v.blockId,
      routeRevision: 1,
      location: { lat: v.lat, lng: v.lng, accuracy: 8 },
      startedAt: `${day}T12:00:00Z`,
      answeredAt: `${day}T12:05:00Z`,
      answers: {
        clean,
        ...(clean ? {} : { why: "Lixo acumulado na calçada" }),
        rating: 1 + (i % 5),
        photos: [hashes[i]!],
        ...(i % 4 === 0 ? { note: "Feira livre na rua ao lado" } : {}),
      },
    };
  });
  const demands = inspector.visits.slice(0, seeded.demands).map((v, i) => ({
    clientId: randomUUID(),
    service: seeded.service,
    description: "Entulho descartado na calçada, visto na inspeção.",
    location: { lat: v.lat, lng: v.lng, accuracy: 8 },
    blockId: v.blockId,
    visitId: v.id,
    photos: [hashes[i]!],
    createdAt: `${day}T12:06:00Z`,
  }));
  const visits = inspector.visits.map((v) => ({ visitId: v.id, state: "done", at: `${day}T12:05:00Z` }));
  const batchId = randomUUID();
  return {
    batchId,
    body: JSON.stringify({ batchId, deviceId: `tablet-${inspector.id}`, responses, demands, visits }),
    clientIds: responses.map((r) => r.clientId),
    demandIds: demands.map((d) => d.clientId),
  };
}
