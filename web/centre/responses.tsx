/**
 * The centre's "Respostas" screen (/centro/respostas): the one table of answers of every channel (field now; voice and
 * chat later), newest first, with who answered, what, where, when and how (GET /api/v1/responses, paged by cursor),
 * filtered by block, service, inspector, date and state; and one response's answers with its photos
 * (/centro/respostas/:id, GET /api/v1/responses/:id, files from /api/v1/field-files/:sha256).
 */
import { useState } from "preact/hooks";
import { apiPage } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { type Reader, useLoad, useRead } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { type FilterLists, useFilterLists } from "./filters.tsx";
import { localOf } from "./planning-data.ts";
import { VoiceReview } from "./voice-review.tsx";

/** A response as the table lists it (fields absent on other channels are optional). */
interface ResponseItem {
  id: number;
  questionnaire?: { id: number; code: string; title: string | Record<string, string> } | null;
  version?: { id: number; version: number } | null;
  channel?: string | null;
  /** Who answered: an inspector by name, a citizen auditor by kind only. */
  respondent?: { kind: string; staff?: { id: number; name: string } } | null;
  block?: { id: number; sector: string; block: string; districtCode?: string | null } | null;
  state: string;
  flags?: string[];
  problems?: unknown[];
  answeredAt: string;
  receivedAt?: string | null;
  location?: { lat: number; lng: number; accuracy?: number | null } | null;
  note?: string | null;
}

/** One answer of a response. */
interface AnswerItem {
  name?: string;
  question?: string;
  label?: string;
  value: unknown;
  score?: number | null;
  files?: Array<string | { sha256: string; url?: string; mediaType?: string }>;
}

/** A response with its answers. */
interface ResponseDetail extends ResponseItem {
  answers: AnswerItem[];
}

const SHA256 = /^[0-9a-f]{64}$/;

type Page = { items: ResponseItem[]; next: string | null };
const readPage: Reader<Page> = (path, lang) => apiPage<ResponseItem>(path, lang);

/** Who answered, in words: the inspector's name, or the kind of respondent (never a citizen's name). */
function whoOf(env: StaffEnv, item: ResponseItem): string {
  return (
    item.respondent?.staff?.name ??
    env.t(`centre.quality.respondents.${item.respondent?.kind ?? "inspector"}`)
  );
}

function blockText(env: StaffEnv, item: ResponseItem): string {
  return item.block
    ? env.t("centre.quality.block", { sector: item.block.sector, block: item.block.block })
    : "";
}

/** The stored files of an answer: its own list, or a photo or audio answer's value of SHA-256s. */
function filesOf(answer: AnswerItem): string[] {
  if (answer.files) return answer.files.map((f) => (typeof f === "string" ? f : f.sha256));
  return Array.isArray(answer.value) ? answer.value.map(String).filter((v) => SHA256.test(v)) : [];
}

function valueText(env: StaffEnv, value: unknown): string {
  if (typeof value === "boolean") return env.t(value ? "centre.quality.yes" : "centre.quality.no");
  if (Array.isArray(value)) return value.every((v) => SHA256.test(String(v))) ? "" : value.join(", ");
  if (value && typeof value === "object" && "lat" in value) {
    const p = value as { lat: number; lng: number };
    return `${p.lat.toFixed(5)}, ${p.lng.toFixed(5)}`;
  }
  return value === null || value === undefined ? "" : String(value);
}

/** The table with its filters. */
function ResponsesTable(props: { env: StaffEnv; lists: FilterLists }) {
  const { env, lists } = props;
  const { t, locale } = env;
  const [filters, setFilters] = useState({ block: "", service: "", inspector: "", since: "", state: "" });
  const [cursors, setCursors] = useState<string[]>([]);
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (!value) continue;
    // A day picked is the city's midnight as the browser sees it: an instant with its offset.
    query.set(key, key === "since" ? new Date(`${value}T00:00:00`).toISOString() : value);
  }
  const first = `/api/v1/responses${query.size > 0 ? `?${query}` : ""}`;
  const path = cursors.at(-1) ?? first;
  const [page, problem] = useRead(path, locale, readPage);
  const set = (key: keyof typeof filters, value: string) => {
    setFilters((f) => ({ ...f, [key]: value }));
    setCursors([]);
  };
  const input = (key: "block" | "inspector") => (
    <label class="centre-filter">
      {t(`centre.quality.responses.${key}`)}
      <input
        type="number"
        name={key}
        min={1}
        value={filters[key]}
        onChange={(e) => set(key, (e.target as HTMLInputElement).value)}
      />
    </label>
  );
  return (
    <>
      <form
        class="centre-filters"
        aria-label={t("centre.quality.responses.filters")}
        onSubmit={(e) => e.preventDefault()}
      >
        {input("block")}
        <label class="centre-filter">
          {t("centre.filters.service")}
          <select
            name="service"
            value={filters.service}
            onChange={(e) => set("service", e.currentTarget.value)}
          >
            <option value="">{t("centre.filters.all")}</option>
            {lists.services.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        {input("inspector")}
        <label class="centre-filter">
          {t("centre.quality.responses.since")}
          <input
            type="date"
            name="since"
            value={filters.since}
            onChange={(e) => set("since", e.currentTarget.value)}
          />
        </label>
        <label class="centre-filter">
          {t("centre.quality.responses.state")}
          <select name="state" value={filters.state} onChange={(e) => set("state", e.currentTarget.value)}>
            <option value="">{t("centre.filters.all")}</option>
            <option value="accepted">{t("centre.quality.responses.states.accepted")}</option>
            <option value="rejected">{t("centre.quality.responses.states.rejected")}</option>
          </select>
        </label>
      </form>
      <ProblemAlert problem={problem} t={t} />
      {page === null && !problem ? <p>{t("ui.loading")}</p> : null}
      {page && page.items.length === 0 ? <p>{t("centre.quality.responses.empty")}</p> : null}
      {page && page.items.length > 0 ? (
        <div class="table-wrap">
          <table class="centre-drill-table responses-table">
            <caption>
              {t("centre.quality.responses.caption", { count: page.items.length, page: cursors.length + 1 })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t("centre.quality.responses.when")}</th>
                <th scope="col">{t("centre.quality.responses.questionnaire")}</th>
                <th scope="col">{t("centre.quality.responses.where")}</th>
                <th scope="col">{t("centre.quality.responses.who")}</th>
                <th scope="col">{t("centre.quality.responses.how")}</th>
                <th scope="col">{t("centre.quality.responses.state")}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((r) => (
                <tr key={r.id} data-response={r.id} data-state={r.state}>
                  <td>
                    <a href={withLang(`/centro/respostas/${r.id}`, locale)} data-nav>
                      {formatWhen(r.answeredAt, locale)}
                    </a>
                  </td>
                  <td>{r.questionnaire ? localOf(r.questionnaire.title, locale) : ""}</td>
                  <td>{blockText(env, r)}</td>
                  <td>{whoOf(env, r)}</td>
                  <td>{t(`centre.quality.responses.channels.${r.channel ?? "field"}`)}</td>
                  <td>
                    {t(`centre.quality.responses.states.${r.state}`)}
                    {(r.flags ?? []).length > 0 ? (
                      <span class="hint">
                        {" "}
                        · {(r.flags ?? []).map((f) => t(`centre.quality.responses.flags.${f}`)).join(", ")}
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p class="row">
        {cursors.length > 0 ? (
          <button type="button" class="secondary" onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t("centre.quality.responses.previous")}
          </button>
        ) : null}
        {page?.next ? (
          <button type="button" class="secondary" onClick={() => setCursors((c) => [...c, page.next!])}>
            {t("centre.quality.responses.next")}
          </button>
        ) : null}
      </p>
    </>
  );
}

/** One response with its answers and photos. */
function ResponseView(props: { env: StaffEnv; id: string }) {
  const { env } = props;
  const { t, locale } = env;
  const [data, problem] = useLoad<ResponseDetail>(
    `/api/v1/responses/${encodeURIComponent(props.id)}`,
    locale,
  );
  return (
    <>
      <h1 tabIndex={-1}>{t("centre.quality.responses.one", { id: props.id })}</h1>
      <p>
        <a href={withLang("/centro/respostas", locale)} data-nav>
          {t("centre.quality.responses.back")}
        </a>
      </p>
      <ProblemAlert problem={problem} t={t} />
      {data === null && !problem ? <p>{t("ui.loading")}</p> : null}
      {data ? (
        <>
          <dl class="response-facts">
            <dt>{t("centre.quality.responses.questionnaire")}</dt>
            <dd>
              {data.questionnaire ? localOf(data.questionnaire.title, locale) : ""}
              {data.version ? ` (v${data.version.version})` : ""}
            </dd>
            <dt>{t("centre.quality.responses.where")}</dt>
            <dd>
              {blockText(env, data)}
              {data.location ? ` · ${data.location.lat.toFixed(5)}, ${data.location.lng.toFixed(5)}` : ""}
            </dd>
            <dt>{t("centre.quality.responses.who")}</dt>
            <dd>{whoOf(env, data)}</dd>
            <dt>{t("centre.quality.responses.when")}</dt>
            <dd>
              {formatWhen(data.answeredAt, locale)}
              {data.receivedAt
                ? ` · ${t("centre.quality.responses.received", { when: formatWhen(data.receivedAt, locale) })}`
                : ""}
            </dd>
            <dt>{t("centre.quality.responses.state")}</dt>
            <dd data-state={data.state}>
              {t(`centre.quality.responses.states.${data.state}`)}
              {(data.flags ?? []).map((f) => ` · ${t(`centre.quality.responses.flags.${f}`)}`).join("")}
            </dd>
            {data.note ? (
              <>
                <dt>{t("centre.quality.responses.note")}</dt>
                <dd>{data.note}</dd>
              </>
            ) : null}
          </dl>
          <h2>{t("centre.quality.responses.answers")}</h2>
          <ul class="quality-answers">
            {data.answers.map((a, i) => {
              const question = a.label ?? a.question ?? a.name ?? "";
              // A call's audio answer is a recording (heard through the review queue), not a field photo.
              const spokenAudio = data.channel === "voice" && filesOf(a).length > 0;
              const files = spokenAudio ? [] : filesOf(a);
              return (
                <li key={`${a.name ?? i}`}>
                  <strong>{question}</strong>:{" "}
                  {spokenAudio ? t("centre.quality.voice.audio_answer") : valueText(env, a.value)}
                  {files.length > 0 ? (
                    <span class="quality-photos">
                      {files.map((sha, n) => (
                        <a
                          key={sha}
                          href={inBase(`/api/v1/field-files/${sha}`)}
                          target="_blank"
                          rel="noreferrer"
                        >
                          <img
                            src={inBase(`/api/v1/field-files/${sha}`)}
                            alt={t("centre.quality.photo_alt", { n: n + 1, question })}
                            loading="lazy"
                            width={160}
                            height={120}
                          />
                        </a>
                      ))}
                    </span>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </>
  );
}

/** The Respostas screen: the table, or one response when the path names it. */
export function ResponsesScreen(props: { env: StaffEnv; id?: string }) {
  if (props.id) return <ResponseView env={props.env} id={props.id} />;
  return <ResponsesList env={props.env} />;
}

function ResponsesList(props: { env: StaffEnv }) {
  const lists = useFilterLists(props.env.locale);
  return (
    <>
      <h1 tabIndex={-1}>{props.env.t("centre.quality.responses.title")}</h1>
      <p>{props.env.t("centre.quality.responses.intro")}</p>
      {props.env.can("responses.review") ? <VoiceReview env={props.env} /> : null}
      <ResponsesTable env={props.env} lists={lists} />
    </>
  );
}
