/**
 * Demands opened from the field (issue 17), inside the sync batch's transaction: each becomes a normal demand by
 * the one intake command (createDemand: checks, placement, routing, protocol, timeline, outbox), on the channel
 * 'field', with the inspector as its staff author and the photos uploaded before as its attachments. Its clientId
 * (field_demands) makes it one demand with one protocol however often it is sent.
 */
import type { Sql } from "../db/index.ts";
import { type Actor, createDemand } from "../demands/commands.ts";
import type { Channel } from "../demands/schemas.ts";
import { AppError } from "../errors.ts";
import type { FieldDemand } from "./schemas.ts";
import type { BatchContext } from "./sync-responses.ts";

/** What the tablet is told of one demand. */
export interface DemandOutcome {
  clientId: string;
  outcome: "created" | "duplicate" | "rejected" | "missing_files";
  protocol?: string;
  problems?: { code: string; field?: string }[];
}

/** The channel of demands from the field: only this path files them (the demands route refuses it). */
const FIELD_CHANNEL: Channel = "field";

/**
 * The batch's transaction as the database createDemand takes: its own transaction joins the batch's, so the demand
 * commits with the rest of the batch or not at all.
 */
function joined(tx: Sql): Parameters<typeof createDemand>[0] {
  return {
    kind: "postgres",
    query: (text, params, options) => tx.query(text, params, options),
    exec: (text) => tx.exec(text),
    transaction: (fn) => fn(tx),
    onCommit: () => () => {},
    listen: () => Promise.reject(new Error("no LISTEN inside a sync batch")),
    close: () => Promise.resolve(),
  };
}

/** Files one demand of the batch (or says why not). */
export async function syncDemand(ctx: BatchContext, d: FieldDemand): Promise<DemandOutcome> {
  const [existing] = await ctx.tx.query<{ protocol: string }>(
    `SELECT dm.protocol FROM field_demands fd JOIN demands dm ON dm.id = fd.demand_id WHERE fd.client_id = $1`,
    [d.clientId],
  );
  if (existing) return { clientId: d.clientId, outcome: "duplicate", protocol: existing.protocol };
  if (d.photos.some((sha) => !ctx.files.has(sha))) return { clientId: d.clientId, outcome: "missing_files" };

  // A visit that is not this inspector's is not linked.
  const [visit] = d.visitId
    ? await ctx.tx.query<{ id: number }>(
        `SELECT v.id FROM inspection_visits v JOIN inspection_routes r ON r.id = v.route_id
          WHERE v.id = $1 AND r.inspector_id = $2`,
        [d.visitId, ctx.staff.id],
      )
    : [];
  const actor: Actor = { kind: "staff", id: ctx.staff.id };
  const attachments = [...new Set(d.photos)].map((sha) => {
    const file = ctx.files.get(sha)!;
    return {
      key: file.storage_key,
      stored: {
        mediaType: file.media_type,
        sizeBytes: file.size_bytes,
        sha256: file.sha256,
        originalName: undefined,
        content: Buffer.alloc(0), // already in the store: createDemand records the row only
      },
    };
  });
  try {
    const created = await createDemand(
      joined(ctx.tx),
      actor,
      {
        service: d.service,
        description: d.description,
        // The city itself reports it: no citizen to answer; the inspector is the demand's author as staff.
        identity: "anonymous",
        location: { lat: d.location.lat, lon: d.location.lng },
        attributes: {},
        channel: FIELD_CHANNEL,
      },
      attachments,
      undefined,
      async (tx, demand) => {
        await tx.query(
          `INSERT INTO field_demands (client_id, demand_id, staff_user_id, visit_id) VALUES ($1, $2, $3, $4)`,
          [d.clientId, demand.id, ctx.staff.id, visit?.id ?? null],
        );
      },
    );
    return { clientId: d.clientId, outcome: "created", protocol: created.body.protocol };
  } catch (error) {
    // Intake's own refusals, checked before it writes anything: the tablet shows them on the demand.
    if (!(error instanceof AppError) || error.status !== 422) throw error;
    const problems =
      error.fields.length > 0 ? error.fields.map((f) => ({ code: f.code, field: f.field })) : [];
    return {
      clientId: d.clientId,
      outcome: "rejected",
      problems: [{ code: error.code }, ...problems.filter((p) => p.code !== error.code)],
    };
  }
}
