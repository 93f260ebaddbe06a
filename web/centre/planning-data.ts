/**
 * What the inspection planning screen (planning.tsx) reads and writes, in the API's shapes (server/inspections/:
 * GET/POST /api/v1/inspection-routes, its suggestions; GET /api/v1/questionnaires; GET /api/v1/staff), and the draft
 * of a route being planned with the pure steps that change it.
 */
import { useEffect, useState } from "preact/hooks";
import { apiAll } from "../ui/all-pages.ts";
import { api } from "../ui/api.ts";
import type { StaffEnv } from "../ui/staff.tsx";

/** A fiscal block as the inspection routes name it. */
export interface RouteBlock {
  id: number;
  sector: string;
  block: string;
  districtCode?: string | null;
}

/** A questionnaire in the list (title already in the page's language, or per language). */
export interface QuestionnaireItem {
  id: number;
  code: string;
  title: string | Record<string, string>;
  published: unknown;
  archived?: boolean;
}

/** A visit of a planned route. */
export interface RouteVisit {
  id: number;
  position: number;
  block: RouteBlock;
  questionnaire: { id: number; code: string; title: string | Record<string, string> };
  reason: string | null;
  evidence?: unknown;
  state: string;
  note: string | null;
  doneAt: string | null;
}

/** A planned route, as the API presents it. */
export interface InspectionRoute {
  id: number;
  inspector: { id: number; name: string };
  day: string;
  state: string;
  revision: number;
  note: string | null;
  visits: RouteVisit[];
}

/** A block the planner suggests visiting, with why. */
export interface Suggestion {
  block: RouteBlock;
  reason: string;
  evidence: { openDemands: number; lateOrders: number; score: number | null };
  rank: number;
}

/** A visit of the draft: the block, the questionnaire asked there and why it is on the route (a reason's code). */
export interface DraftVisit {
  block: RouteBlock;
  questionnaireId: number | null;
  reason: string;
}

/** The route being planned (a new one, or `routeId`'s being changed). */
export interface Draft {
  routeId: number | null;
  inspectorId: number | null;
  day: string;
  note: string;
  visits: DraftVisit[];
}

/** Adds a block at the end of the draft, unless it is on it already. */
export function addVisit(draft: Draft, visit: DraftVisit): Draft {
  if (draft.visits.some((v) => v.block.id === visit.block.id)) return draft;
  return { ...draft, visits: [...draft.visits, visit] };
}

/** Takes a block off the draft. */
export function removeVisit(draft: Draft, blockId: number): Draft {
  return { ...draft, visits: draft.visits.filter((v) => v.block.id !== blockId) };
}

/** The draft of an existing route, to change it. */
export function draftOf(route: InspectionRoute): Draft {
  return {
    routeId: route.id,
    inspectorId: route.inspector.id,
    day: route.day,
    note: route.note ?? "",
    visits: route.visits.map((v) => ({
      block: v.block,
      questionnaireId: v.questionnaire.id,
      reason: v.reason ?? "manual",
    })),
  };
}

/** The body of POST (a new route) or PUT (a change) /api/v1/inspection-routes. */
export function bodyOf(draft: Draft): Record<string, unknown> {
  const visits = draft.visits.map((v) => ({
    blockId: v.block.id,
    questionnaireId: v.questionnaireId,
    ...(v.reason ? { reason: v.reason } : {}),
  }));
  const note = draft.note.trim() ? { note: draft.note.trim() } : {};
  return draft.routeId === null
    ? { inspectorId: draft.inspectorId, day: draft.day, ...note, visits }
    : { ...note, visits };
}

/** A text in the page's language: a questionnaire's title or a service's name may come per language. */
export function localOf(title: string | Record<string, string>, locale: string): string {
  if (typeof title === "string") return title;
  return title[locale] ?? title["pt-BR"] ?? Object.values(title)[0] ?? "";
}

/** The name of a block for people: "Quadra 012-034". */
export function blockName(env: StaffEnv, block: RouteBlock): string {
  return block.sector
    ? env.t("centre.quality.block", { sector: block.sector, block: block.block })
    : env.t("centre.planning.block_id", { id: block.id });
}

/** Today in the city's time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

/** The published questionnaires and the inspectors a route may name (read once per language). */
export function usePlanningLists(env: StaffEnv): {
  questionnaires: QuestionnaireItem[];
  inspectors: Array<{ id: number; name: string }> | null;
} {
  const [questionnaires, setQuestionnaires] = useState<QuestionnaireItem[]>([]);
  // null: the role may not list staff (the form then takes the inspector's number).
  const [inspectors, setInspectors] = useState<Array<{ id: number; name: string }> | null>(null);
  const canList = env.can("staff.read");
  useEffect(() => {
    api<{ items: QuestionnaireItem[] }>("/api/v1/questionnaires", {}, env.locale)
      .then((r) => setQuestionnaires(r.items.filter((q) => q.published && !q.archived)))
      .catch(() => setQuestionnaires([]));
    if (!canList) return;
    apiAll<{ id: number; name: string; role: string; active?: boolean }>("/api/v1/staff", env.locale)
      .then((staff) =>
        setInspectors(
          staff
            .filter((s) => s.role === "inspector" && s.active !== false)
            .sort((a, b) => a.name.localeCompare(b.name, env.locale)),
        ),
      )
      .catch(() => setInspectors(null));
  }, [env.locale, canList]);
  return { questionnaires, inspectors };
}
