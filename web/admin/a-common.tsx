/**
 * What the catalogue, deadline, matrix, classification and department screens share: loading a resource with its
 * problem, the server's field problems shown beside the fields, a polite status line, and the city's areas and
 * departments for the pickers. useLoad and asProblem serve the other admin screens too (b-common.tsx has theirs).
 */
import "./a-admin.css";
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import type { Translate } from "../ui/i18n.ts";

/** A value loaded from the API: the value (null while loading), the problem if the load failed, and a reload. */
export function useLoad<T>(path: string | null, lang: string): [T | null, ApiProblem | null, () => void] {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    api<T>(path, {}, lang)
      .then((v) => {
        if (!live) return;
        setValue(v);
        setProblem(null);
      })
      .catch((e) => live && setProblem(asProblem(e)));
    return () => {
      live = false;
    };
  }, [path, lang, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [value, problem, reload];
}

/**
 * Any thrown value as an ApiProblem. api() and send() already turn a network failure into "offline"; anything else
 * is a bug, shown as a generic error with its own message rather than nothing (or a false "offline").
 */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem(0, "http_error", "", error instanceof Error ? error.message : String(error));
}

/**
 * The server's field problems by field path ("name.pt-BR", "attributes.0.code"), in words: the problem's own
 * code when it names a domain rule (unknown_group), else the validator's code (too_small, invalid_format …).
 */
export function fieldProblems(problem: ApiProblem | null, t: Translate): Record<string, string> {
  const out: Record<string, string> = {};
  if (!problem) return out;
  for (const f of problem.fields) {
    const key = `admin.services.problems.${f.code}`;
    const text = t(key);
    out[f.field] = text === key ? t("admin.services.problems.other") : text;
  }
  return out;
}

/** A message that a change was made (or the problem that stopped it), announced politely. */
export function StatusLine(props: { text: string }) {
  return (
    <p role="status" class="a-status">
      {props.text}
    </p>
  );
}

/** An error beside one field, with the id its input names in aria-describedby. */
export function FieldError(props: { id: string; text: string | undefined }) {
  if (!props.text) return null;
  return (
    <p class="field-error" id={`${props.id}-error`}>
      {props.text}
    </p>
  );
}

/** A labelled control wrapper: the label, the control, and the server's problem for it. */
export function Labelled(props: {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.children}
      <FieldError id={props.id} text={props.error} />
    </div>
  );
}

/** aria-describedby for a control with an optional hint and error. */
export function described(id: string, error?: string, hint?: boolean): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return ids || undefined;
}

/** A district or subprefeitura. */
export interface Area {
  code: string;
  name: string;
  subprefeituraCode?: string;
}

/** The city's districts and subprefeituras, loaded once per screen. */
export function useAreas(lang: string): { districts: Area[]; subprefeituras: Area[] } {
  const [districts] = useLoad<{ items: Area[] }>("/api/v1/districts", lang);
  const [subprefeituras] = useLoad<{ items: Area[] }>("/api/v1/subprefeituras", lang);
  return { districts: districts?.items ?? [], subprefeituras: subprefeituras?.items ?? [] };
}

/** A department as GET /api/v1/departments answers. */
export interface Department {
  code: string;
  name: string;
  kind: "secretariat" | "subprefeitura" | "company" | "other";
  subprefeituraCode: string | null;
  email: string | null;
  active: boolean;
  teams: string[];
}

/** The deadline units, as the API models them. */
export const DEADLINE_UNITS = ["business_hours", "business_days", "calendar_days"] as const;

/** A service as the staff edit it (GET /api/v1/catalogue/services/:code). */
export interface ServiceSource {
  code: string;
  group: string;
  name: { "pt-BR": string; en?: string; es?: string };
  description: { "pt-BR"?: string; en?: string; es?: string };
  keywords: string[];
  demandType: string;
  locationRequired: boolean;
  anonymousAllowed: boolean;
  attributes: Attribute[];
  deadline: { amount: number; unit: (typeof DEADLINE_UNITS)[number] };
  /** The acceptance stage's own deadline; null: the city's default (8 business hours). */
  acceptanceDeadline: { amount: number; unit: (typeof DEADLINE_UNITS)[number] } | null;
  /** Demands skip the triage queue and go to the matrix's department. */
  autoDispatch: boolean;
  priority: number;
  requirements: { "pt-BR"?: string; en?: string; es?: string };
  channels: string[];
  active: boolean;
  sensitive: boolean;
}

/** One extra field of a service, as stored. */
export interface Attribute {
  code: string;
  datatype: "string" | "number" | "datetime" | "text" | "singlevaluelist" | "multivaluelist";
  required: boolean;
  order: number;
  description: { "pt-BR": string; en?: string; es?: string };
  values: { key: string; name: { "pt-BR": string; en?: string; es?: string } }[];
}

/** One page of GET /api/v1/catalogue/services. */
export interface CataloguePage {
  items: ServiceSource[];
  total: number;
  page: number;
  limit: number;
}

/** The name of a localized text in the screen's language, pt-BR when it has no translation. */
export function localized(text: { "pt-BR"?: string; en?: string; es?: string }, locale: string): string {
  const own = (text as Record<string, string | undefined>)[locale];
  return own || text["pt-BR"] || "";
}

/** After a refused save, puts the keyboard on the first field the server named (the alert is read out too). */
export function focusFirstInvalid(): void {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('main [aria-invalid="true"]')?.focus());
}

/** Previous and next page of a paged list; nothing when there is one page. */
export function Pager(props: { t: Translate; page: number; pages: number; onPage: (page: number) => void }) {
  const { t, page, pages } = props;
  if (pages <= 1) return null;
  return (
    <nav class="row" aria-label={t("admin.services.pages")}>
      <button type="button" disabled={page <= 1} onClick={() => props.onPage(page - 1)}>
        {t("admin.services.previous")}
      </button>
      <button type="button" disabled={page >= pages} onClick={() => props.onPage(page + 1)}>
        {t("admin.services.next")}
      </button>
    </nav>
  );
}
