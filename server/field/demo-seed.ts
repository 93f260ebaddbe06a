/**
 * The demo city's field quality data (issue 17), so that the tablet, the command centre's quality layer and the
 * portal's districts table show something at first start: the demo questionnaires, about four weeks of the demo
 * inspector's answers on the blocks of the districts nearest the city centre (good and bad streets, in clusters),
 * the block scores refreshed from them, and the inspector's routes for today and the next six days, planned from the
 * planner's suggestions. Only the full demo city with its demo accounts gets it; the tests' fixture never does.
 * Deterministic (a seeded random) and idempotent: answers have fixed ids, and a week with a route is left as it is.
 */
import {
  type AnswerSet,
  type AnswerValue,
  checkResponse,
  scoreAnswer,
  serviceOf,
} from "../../domain/questionnaire.ts";
import type { AuditActor } from "../audit/record.ts";
import { refreshBlockScores } from "../block-scores/refresh.ts";
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";
import { planRoute } from "../inspections/commands.ts";
import { type Suggestion, servicesOfQuestionnaires, suggestBlocks } from "../inspections/queries.ts";
import type { VisitInput } from "../inspections/schemas.ts";
import { type SeededQuestionnaire, seedDemoQuestionnaires } from "../questionnaires/seed.ts";
import { cityToday } from "./day.ts";

/** Praça da Sé, the city's mark zero: the districts nearest it are the demo's. */
const CITY_CENTRE = { lng: -46.6339, lat: -23.5503 };
/** Districts whose blocks have a history of answers; the first (the nearest) also gets the routes. */
const HISTORY_DISTRICTS = 3;
const HISTORY_DAYS = 27;
const ROUTE_DAYS = 7;
const VISITS_PER_ROUTE = 8;

/** A small seeded random (mulberry32): the same demo on every machine. */
function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  // A version-4 shaped id from the sequence, so a second seed makes the same ids (and adds nothing).
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => int(0, 15).toString(16));
    hex[12] = "4";
    hex[16] = "89ab"[int(0, 3)]!;
    const s = hex.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  };
  return { next, int, pick, uuid };
}
type Random = ReturnType<typeof seededRandom>;

const clamp = (x: number, min: number, max: number) => Math.min(max, Math.max(min, x));

/** How good a theme is around a point, 0…1: waves a few hundred metres wide, so good and bad streets cluster. */
function qualityAt(lat: number, lng: number, phase: number): number {
  return clamp(0.55 + 0.4 * Math.sin(lat * 900 + phase) * Math.cos(lng * 700 - phase), 0.05, 0.95);
}

/** `day` plus `n` days (YYYY-MM-DD, calendar arithmetic). */
function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

interface DemoBlock {
  id: number;
  lat: number;
  lng: number;
  district: string;
}

const NOTES = [
  "Moradores relatam que o problema se repete toda semana.",
  "Comerciantes pedem mais frequência no serviço.",
  "Situação pior perto do ponto de ônibus.",
];

/** An inspector's plausible answers to a demo questionnaire on a block whose quality is `q` (0 bad … 1 good). */
function answersFor(code: string, q: number, block: DemoBlock, rnd: Random): AnswerSet {
  const yes = (p: number) => rnd.next() < p;
  const mark = () => clamp(Math.round(1 + 4 * q + (rnd.next() - 0.5) * 2), 1, 5);
  const a: AnswerSet = {};
  if (code === "zeladoria-rua") {
    a.rua_varrida = yes(q);
    if (!a.rua_varrida) a.sujeira = rnd.pick(["folhas", "lixo_espalhado", "entulho", "areia_terra"]);
    a.calcadas = mark();
    a.sacos_esperando = yes(0.8 * (1 - q));
  } else if (code === "coleta-lixo") {
    a.lixo_recolhido = yes(0.25 + 0.75 * q);
    if (!a.lixo_recolhido) a.motivo = rnd.pick(["nao_passou", "parcial", "fora_do_horario"]);
    const r = rnd.next();
    a.lixeiras =
      r < 0.08 ? "sem_lixeira" : r < 0.08 + 0.92 * q ? "limpas" : yes(0.5) ? "cheias" : "transbordando";
  } else if (code === "iluminacao-publica") {
    a.lampadas_ok = yes(q);
    if (!a.lampadas_ok) {
      a.apagadas = rnd.int(1, 4);
      a.defeito = rnd.pick([["apagada"], ["piscando"], ["apagada", "luminaria_quebrada"], ["acesa_de_dia"]]);
    }
    a.postes_ok = yes(0.3 + 0.7 * q);
    a.fiacao_exposta = yes(0.3 * (1 - q));
    if (!a.lampadas_ok || !a.postes_ok || a.fiacao_exposta) {
      a.local = { lat: block.lat + (rnd.next() - 0.5) * 2e-4, lng: block.lng + (rnd.next() - 0.5) * 2e-4 };
    }
  }
  if (q < 0.35 && yes(0.3)) a.observacao = rnd.pick(NOTES);
  return a;
}

/** The theme of each demo questionnaire: its phase in qualityAt (unrelated themes cluster differently). */
const PHASES: Record<string, number> = { "zeladoria-rua": 0, "coleta-lixo": 2.1, "iluminacao-publica": 4.2 };

/**
 * About four weeks of the inspector's answers on `blocks`: one or two responses a block, on working hours of past
 * days, in two bulk statements. Returns how many responses were new.
 */
async function seedHistory(
  db: Db,
  inspectorId: number,
  blocks: DemoBlock[],
  questionnaires: SeededQuestionnaire[],
  today: string,
): Promise<number> {
  const rnd = seededRandom(17);
  const responses: Record<string, unknown>[] = [];
  const answers: Record<string, unknown>[] = [];
  for (const block of blocks) {
    const count = rnd.next() < 0.45 ? 2 : 1;
    for (let i = 0; i < count; i++) {
      const questionnaire = rnd.next() < 0.5 ? questionnaires[0]! : rnd.pick(questionnaires);
      const phase = PHASES[questionnaire.code] ?? 0;
      const q = clamp(qualityAt(block.lat, block.lng, phase) + (rnd.next() - 0.5) * 0.3, 0.02, 0.98);
      const set = answersFor(questionnaire.code, q, block, rnd);
      const clientId = rnd.uuid();
      const day = addDays(today, -rnd.int(1, HISTORY_DAYS));
      const time = `${String(rnd.int(8, 16)).padStart(2, "0")}:${String(rnd.int(0, 59)).padStart(2, "0")}`;
      const fix = { lat: block.lat + (rnd.next() - 0.5) * 3e-4, lng: block.lng + (rnd.next() - 0.5) * 3e-4 };
      // A definition an administrator changed since is not the demo's: its answers are left out, not forced.
      if (checkResponse(questionnaire.definition, set).length > 0) continue;
      responses.push({
        client_id: clientId,
        version_id: questionnaire.versionId,
        block_id: block.id,
        ...fix,
        accuracy: rnd.int(4, 15),
        day,
        local: `${day} ${time}`,
        minutes: rnd.int(3, 9),
      });
      const questions = new Map(questionnaire.definition.questions.map((x) => [x.name, x]));
      for (const [name, value] of Object.entries(set)) {
        const question = questions.get(name)!;
        answers.push({
          client_id: clientId,
          question: name,
          value,
          service: serviceOf(question, questionnaire.serviceCode) ?? null,
          score: scoreAnswer(question, value as AnswerValue) ?? null,
        });
      }
    }
  }
  return db.transaction(async (tx) => {
    const [zone] = await tx.query<{ tz: string }>(
      "SELECT coalesce((SELECT time_zone FROM calendar_settings LIMIT 1), 'America/Sao_Paulo') AS tz",
    );
    // Answered in working hours by the city's clock, synced back at the office at half past six.
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO responses (client_id, version_id, channel, respondent_kind, staff_user_id, block_id, location,
         accuracy_m, started_at, answered_at, received_at, device_id)
       SELECT x.client_id, x.version_id, 'field', 'inspector', $2, x.block_id,
              ST_SetSRID(ST_MakePoint(x.lng, x.lat), 4326), x.accuracy,
              (x.local::timestamp AT TIME ZONE $3) - make_interval(mins => x.minutes),
              x.local::timestamp AT TIME ZONE $3, (x.day::date + time '18:30') AT TIME ZONE $3, 'demo-tablet'
         FROM jsonb_to_recordset($1::jsonb) AS x(client_id uuid, version_id bigint, block_id bigint, lat float8,
                                                 lng float8, accuracy real, day text, local text, minutes int)
       ON CONFLICT (tenant_id, client_id) DO NOTHING RETURNING id`,
      [JSON.stringify(responses), inspectorId, zone!.tz],
    );
    await tx.query(
      `INSERT INTO answers (response_id, question, value, block_id, service_id, score, respondent_kind, answered_at)
       SELECT r.id, x.question, x.value, r.block_id, s.id, x.score, 'inspector', r.answered_at
         FROM jsonb_to_recordset($1::jsonb) AS x(client_id uuid, question text, value jsonb, service text,
                                                 score real)
         JOIN responses r ON r.client_id = x.client_id AND r.id = ANY($2::bigint[])
         LEFT JOIN services s ON s.code = x.service`,
      [JSON.stringify(answers), inserted.map((r) => r.id)],
    );
    if (inserted.length > 0) await refreshBlockScores(tx, null);
    return inserted.length;
  });
}

/**
 * The inspector's routes from today for ROUTE_DAYS days in `district`: each day takes its share of the blocks the
 * planner ranks for each questionnaire's services (bad scores, open demands, late orders, leaving out blocks
 * answered in the week before), completed by hand-picked blocks; days past the district's blocks get no route.
 * Nothing is planned when the inspector has a route in the week already. Returns how many routes were planned.
 */
async function seedRoutes(
  db: Db,
  planner: AuditActor,
  inspectorId: number,
  district: DemoBlock[],
  questionnaires: SeededQuestionnaire[],
  today: string,
): Promise<number> {
  // A week already planned (any route of the inspector in it) is left as it is: a second seed adds nothing.
  const [taken] = await db.query(
    "SELECT 1 FROM inspection_routes WHERE inspector_id = $1 AND day BETWEEN $2::date AND $2::date + $3::int LIMIT 1",
    [inspectorId, today, ROUTE_DAYS - 1],
  );
  if (taken) return 0;
  const days = Array.from({ length: ROUTE_DAYS }, (_, i) => addDays(today, i));
  const share = Math.ceil(VISITS_PER_ROUTE / questionnaires.length);
  // One ranking per questionnaire for the whole week (the planner reads the same scores every day of it).
  const ranked: Suggestion[][] = [];
  for (const q of questionnaires) {
    ranked.push(
      await suggestBlocks(db, {
        day: today,
        district: district[0]!.district,
        serviceIds: await servicesOfQuestionnaires(db, [q.id]),
        count: share * ROUTE_DAYS * questionnaires.length,
        skipVisitedDays: ROUTE_DAYS,
      }),
    );
  }
  const rnd = seededRandom(156);
  const pool = [...district];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rnd.int(0, i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const used = new Set<number>();
  let planned = 0;
  for (const [n, day] of days.entries()) {
    const visits: VisitInput[] = [];
    // Each questionnaire its share first; a second pass gives one whose ranking ran out's room to the others.
    for (const [k, q] of [...questionnaires.entries(), ...questionnaires.entries()]) {
      const room = Math.min(share, VISITS_PER_ROUTE - visits.length);
      for (const s of ranked[k]!.filter((s) => !used.has(s.block.id)).slice(0, room)) {
        used.add(s.block.id);
        visits.push({ blockId: s.block.id, questionnaireId: q.id, reason: s.reason });
      }
    }
    for (const block of pool) {
      if (visits.length >= VISITS_PER_ROUTE) break;
      if (used.has(block.id)) continue;
      used.add(block.id);
      const questionnaireId = questionnaires[(n + visits.length) % questionnaires.length]!.id;
      visits.push({ blockId: block.id, questionnaireId, reason: "manual" });
    }
    if (visits.length === 0) break;
    await planRoute(db, planner, {
      inspectorId,
      day,
      note: "Roteiro de demonstração: quadras sugeridas pelo planejador, completadas à mão.",
      visits,
    });
    planned++;
  }
  return planned;
}

const actorOf = (row: { id: number; name: string }): AuditActor => ({
  staffId: Number(row.id),
  staffName: row.name,
  ip: null,
  userAgent: null,
});

/**
 * Loads the field quality demo into the full demo city: questionnaires, the inspector's past answers and block
 * scores, and the week's routes. Skipped for the fixture scope and when the demo accounts are absent.
 */
export async function seedFieldDemo(db: Db, options: SeedOptions): Promise<void> {
  if (options.scope !== "full") return;
  const staff = await db.query<{ id: number; name: string; email: string }>(
    `SELECT id, name, email FROM staff_users WHERE email = ANY($1::text[]) AND active
        AND (role = 'inspector' OR email <> 'inspector@responsiva.local')`,
    [["admin@responsiva.local", "manager@responsiva.local", "inspector@responsiva.local"]],
  );
  const find = (local: string) => staff.find((s) => s.email === `${local}@responsiva.local`);
  const admin = find("admin");
  const inspector = find("inspector");
  if (!admin || !inspector) {
    options.log?.("field: no demo questionnaires, answers or routes (the demo accounts are absent)");
    return;
  }
  const questionnaires = await seedDemoQuestionnaires(db, actorOf(admin), options.log);
  if (questionnaires.length === 0) return;
  const districts = await db.query<{ code: string }>(
    `SELECT d.code FROM districts d
      WHERE EXISTS (SELECT 1 FROM blocks b WHERE ST_Intersects(d.geom, b.geom))
      ORDER BY d.geom <-> ST_SetSRID(ST_MakePoint($1, $2), 4326), d.code LIMIT $3`,
    [CITY_CENTRE.lng, CITY_CENTRE.lat, HISTORY_DISTRICTS],
  );
  const codes = districts.map((d) => d.code);
  const blocks = (
    await db.query<DemoBlock>(
      `SELECT DISTINCT ON (b.id) b.id, ST_Y(c.p)::float8 AS lat, ST_X(c.p)::float8 AS lng, d.code AS district
         FROM blocks b
        CROSS JOIN LATERAL (SELECT ST_PointOnSurface(b.geom) AS p) c
         JOIN districts d ON d.code = ANY($1::text[]) AND ST_Intersects(d.geom, c.p)
        ORDER BY b.id, d.code`,
      [codes],
    )
  ).map((b) => ({ ...b, id: Number(b.id) }));
  if (blocks.length === 0) return;
  const today = await cityToday(db);
  const answered = await seedHistory(db, Number(inspector.id), blocks, questionnaires, today);
  const refreshed = answered > 0 ? ", block scores refreshed" : "";
  options.log?.(`field: ${answered} demo responses added on ${blocks.length} blocks${refreshed}`);
  const planner = find("manager") ?? admin;
  const routes = await seedRoutes(
    db,
    actorOf(planner),
    Number(inspector.id),
    blocks.filter((b) => b.district === codes[0]),
    questionnaires,
    today,
  );
  options.log?.(`field: ${routes} demo routes planned for ${inspector.email}`);
}
