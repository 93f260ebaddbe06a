/**
 * Publishes the demo city's questionnaires (issue 17; their questions are in demo-definitions.ts) through the
 * questionnaire commands, so the audit log and the checks are the same as an administrator's; a questionnaire whose
 * services the catalogue lacks is skipped.
 */
import type { QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import type { AuditActor } from "../audit/record.ts";
import { sourceRef } from "../catalogue/sp156.ts";
import type { Db } from "../db/index.ts";
import { createQuestionnaire, publishQuestionnaire } from "./commands.ts";
import { DEMO_QUESTIONNAIRES, SERVICES, type ServiceKey } from "./demo-definitions.ts";

/** A published demo questionnaire: its id, code, published version and the definition it was published with. */
export interface SeededQuestionnaire {
  id: number;
  code: string;
  versionId: number;
  definition: QuestionnaireDefinition;
  /** The service of a questionnaire about one service (its answers all measure it). */
  serviceCode?: string;
}

/**
 * Creates and publishes the demo questionnaires the catalogue has services for, as `actor`; one already there (by
 * code) is left as it is and returned with its published version. Idempotent.
 */
export async function seedDemoQuestionnaires(
  db: Db,
  actor: AuditActor,
  log?: (line: string) => void,
): Promise<SeededQuestionnaire[]> {
  const rows = await db.query<{ source_ref: string; code: string }>(
    "SELECT source_ref, code FROM services WHERE source_ref = ANY($1::text[]) AND active",
    [Object.values(SERVICES).map((parts) => sourceRef(...parts))],
  );
  const byRef = new Map(rows.map((r) => [r.source_ref, r.code]));
  const codes = Object.fromEntries(
    Object.entries(SERVICES).map(([key, parts]) => [key, byRef.get(sourceRef(...parts))]),
  ) as Record<ServiceKey, string | undefined>;
  const seeded: SeededQuestionnaire[] = [];
  let created = 0;
  for (const demo of DEMO_QUESTIONNAIRES) {
    const missing = demo.needs.filter((k) => codes[k] === undefined);
    if (missing.length > 0) {
      log?.(`questionnaires: ${demo.code} skipped, the catalogue lacks ${missing.join(", ")}`);
      continue;
    }
    const found = await db.query<{ id: number; version_id: number | null }>(
      `SELECT q.id, (SELECT v.id FROM questionnaire_versions v
                      WHERE v.questionnaire_id = q.id AND v.state = 'published') AS version_id
         FROM questionnaires q WHERE q.code = $1`,
      [demo.code],
    );
    const definition = demo.definition(codes as Record<ServiceKey, string>);
    let id = found[0]?.id;
    let versionId = found[0]?.version_id ?? undefined;
    if (id === undefined) {
      const group = demo.group
        ? await db.query<{ code: string }>("SELECT code FROM service_groups WHERE source_ref = $1", [
            sourceRef(...demo.group),
          ])
        : [];
      if (demo.group && !group[0]) {
        log?.(`questionnaires: ${demo.code} skipped, the catalogue lacks its service group`);
        continue;
      }
      ({ id } = await createQuestionnaire(
        db,
        {
          code: demo.code,
          title: demo.title,
          definition,
          ...(group[0] ? { serviceGroup: group[0].code } : { service: codes[demo.service!] }),
        },
        actor,
      ));
      ({ versionId } = await publishQuestionnaire(db, id, actor));
      created++;
    }
    if (versionId === undefined) continue; // an administrator retired it: the demo leaves it so
    const stored = await db.query<{ definition: QuestionnaireDefinition }>(
      "SELECT definition FROM questionnaire_versions WHERE id = $1",
      [versionId],
    );
    seeded.push({
      id: Number(id),
      code: demo.code,
      versionId: Number(versionId),
      definition: stored[0]!.definition,
      ...(demo.service ? { serviceCode: codes[demo.service] } : {}),
    });
  }
  log?.(`questionnaires: ${created} demo questionnaires published`);
  return seeded;
}
