/**
 * How a city weighs the sources of a block's score and how fast old evidence fades (quality_score_settings, one row
 * per tenant; the defaults below when it has none). docs/quality-scores.md explains each number. A set of weights
 * all zero is refused (400 invalid_input, field code weights_all_zero): no score could be computed.
 */
import { z } from "zod";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import type { Db, Sql } from "../db/index.ts";
import { invalidInput } from "../errors.ts";
import { enqueue } from "../jobs/enqueue.ts";

/**
 * A weight: 0, or from 0.001 to 100. The column is a `real`: a weight as small as 1e-50 is no weight, and one below
 * its range would not even be stored (PostgreSQL refuses it as an underflow).
 */
const Weight = z
  .number()
  .min(0)
  .max(100)
  .refine((v) => v === 0 || v >= 0.001, { message: "a weight is 0, or at least 0.001" });

/** The settings' input: every field, as the quality team edits them. */
export const ScoreSettings = z.object({
  /** Weight of the inspectors' answers (field). */
  fieldWeight: Weight,
  /** Weight of the citizen auditors' answers. */
  auditorWeight: Weight,
  /** Weight of the open and late demands. */
  demandsWeight: Weight,
  /** Weight of the citizens' satisfaction ratings. */
  satisfactionWeight: Weight,
  /** Days after which an answer or rating counts half (it counts a quarter after twice as long). */
  halfLifeDays: z.number().min(1).max(3650),
  /** Evidence older than this many days is not read at all. */
  windowDays: z.number().int().min(7).max(1095),
  /** Open demands (a late one counting twice) at which the demand component is one half. */
  demandsHalf: z.number().int().min(1).max(1000),
});
export type ScoreSettings = z.infer<typeof ScoreSettings>;

/** What a tenant that never saved its settings gets (the columns' defaults of migration 0069). */
export const DEFAULT_SCORE_SETTINGS: ScoreSettings = {
  fieldWeight: 0.4,
  auditorWeight: 0.3,
  demandsWeight: 0.2,
  satisfactionWeight: 0.1,
  halfLifeDays: 30,
  windowDays: 180,
  demandsHalf: 3,
};

/** The settings with when they were last changed (null: the defaults, never saved). */
export interface StoredScoreSettings extends ScoreSettings {
  updatedAt: Date | null;
}

interface SettingsRow {
  field_weight: number;
  auditor_weight: number;
  demands_weight: number;
  satisfaction_weight: number;
  half_life_days: number;
  window_days: number;
  demands_half: number;
  updated_at: Date;
}

/** The current tenant's settings, or the defaults when it has none. */
export async function loadScoreSettings(sql: Sql): Promise<StoredScoreSettings> {
  const [row] = await sql.query<SettingsRow>("SELECT * FROM quality_score_settings");
  if (!row) return { ...DEFAULT_SCORE_SETTINGS, updatedAt: null };
  return {
    // real columns: rounded so that 0.4 reads 0.4, not 0.4000000059604645.
    fieldWeight: round(row.field_weight),
    auditorWeight: round(row.auditor_weight),
    demandsWeight: round(row.demands_weight),
    satisfactionWeight: round(row.satisfaction_weight),
    halfLifeDays: round(row.half_life_days),
    windowDays: row.window_days,
    demandsHalf: row.demands_half,
    updatedAt: row.updated_at,
  };
}

/**
 * Saves the current tenant's settings, audited, and queues a full refresh in the same transaction: every score
 * depends on them. A set of weights all zero is refused (no score could be computed).
 */
export async function updateScoreSettings(
  db: Db,
  actor: AuditActor,
  input: ScoreSettings,
): Promise<StoredScoreSettings> {
  const weights = input.fieldWeight + input.auditorWeight + input.demandsWeight + input.satisfactionWeight;
  if (!(weights > 0)) {
    throw invalidInput([
      { field: "fieldWeight", code: "weights_all_zero", key: "block_scores.weights_all_zero" },
    ]);
  }
  return db.transaction(async (tx) => {
    const before = await loadScoreSettings(tx);
    await tx.query(
      `INSERT INTO quality_score_settings (field_weight, auditor_weight, demands_weight, satisfaction_weight,
                                           half_life_days, window_days, demands_half)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id) DO UPDATE SET
         field_weight = EXCLUDED.field_weight, auditor_weight = EXCLUDED.auditor_weight,
         demands_weight = EXCLUDED.demands_weight, satisfaction_weight = EXCLUDED.satisfaction_weight,
         half_life_days = EXCLUDED.half_life_days, window_days = EXCLUDED.window_days,
         demands_half = EXCLUDED.demands_half, updated_at = now()`,
      [
        input.fieldWeight,
        input.auditorWeight,
        input.demandsWeight,
        input.satisfactionWeight,
        input.halfLifeDays,
        input.windowDays,
        input.demandsHalf,
      ],
    );
    const { updatedAt: _, ...old } = before;
    await recordAudit(tx, actor, {
      action: "quality_score_settings.updated",
      entityType: "quality_score_settings",
      entityId: "settings",
      before: before.updatedAt ? old : null,
      after: input,
    });
    await enqueue(tx, "refresh-block-scores", { slot: new Date().toISOString() });
    return loadScoreSettings(tx);
  });
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
