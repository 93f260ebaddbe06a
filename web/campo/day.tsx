/**
 * The day's screen: "Baixar o dia" (the routes, the blocks' outlines, the questionnaires and the services kept in
 * IndexedDB, with the time downloaded), the visits in order with their block, questionnaire and state, a map of the
 * blocks, skipping a visit with its reason, and the offer to download again when the server says a route changed
 * (answers waiting to sync are kept apart and never lost by it).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { type CampoEnv, problemText, questionnaireLocale, type Syncer, titleOf, visitPath } from "./env.ts";
import { keepDay, keepVisit } from "./store.ts";
import { type Day, type DayBlock, type DayVisit, visitState } from "./sync.ts";

/** The city's day today, as the server names days (YYYY-MM-DD in the city's time zone). */
function today(timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

/** "sector-block, district" of a block. */
export function blockName(block: DayBlock | undefined): string {
  if (!block) return "";
  return block.district
    ? `${block.sector}-${block.block} · ${block.district.name}`
    : `${block.sector}-${block.block}`;
}

let cssLoaded = false;
function BlocksMap(props: { env: CampoEnv; day: Day; doneBlocks: Set<number> }) {
  const { env, day } = props;
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let remove: (() => void) | undefined;
    let gone = false;
    if (!cssLoaded) {
      cssLoaded = true;
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = env.boot.leafletCss;
      document.head.append(link);
    }
    void import("./blocks-map.ts")
      .then(({ drawBlocks }) => {
        if (gone || !element.current) return;
        remove = drawBlocks(
          element.current,
          day.blocks.map((b) => ({
            outline: b.outline,
            centre: b.centre,
            label: blockName(b),
            done: props.doneBlocks.has(b.id),
          })),
          env.boot.tileUrl,
          env.t("campo.day.map_label"),
        );
      })
      .catch(() => undefined);
    return () => {
      gone = true;
      remove?.();
    };
  }, [day, props.doneBlocks.size]);
  return <div class="campo-map" ref={element} />;
}

function SkipForm(props: { env: CampoEnv; visit: DayVisit; onDone: () => void }) {
  const { env, visit } = props;
  const { t } = env;
  const [reason, setReason] = useState("");
  const [error, setError] = useState(false);
  const id = `skip-${visit.id}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (reason.trim().length < 3) {
      setError(true);
      return;
    }
    await keepVisit({
      visitId: visit.id,
      inspectorId: env.me.id,
      state: "skipped",
      note: reason.trim(),
      at: new Date().toISOString(),
      sync: "waiting",
    });
    props.onDone();
  };
  return (
    <form class="skip-form" onSubmit={submit}>
      <label for={id}>{t("campo.skip.reason")}</label>
      <textarea
        id={id}
        value={reason}
        onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p class="field-error" id={`${id}-error`}>
          {t("campo.skip.reason_required")}
        </p>
      ) : null}
      <p class="row">
        <button type="submit">{t("campo.skip.confirm")}</button>{" "}
        <button type="button" class="secondary" onClick={props.onDone}>
          {t("campo.cancel")}
        </button>
      </p>
    </form>
  );
}

/** The day: the download, the visits in order, the map. */
export function DayScreen(props: { env: CampoEnv; syncer: Syncer }) {
  const { env } = props;
  const { t, locale, kept } = env;
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [skipping, setSkipping] = useState<number | null>(null);
  const day = kept.day && kept.day.inspector.id === env.me.id ? kept.day : undefined;
  const download = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const fresh = await api<Day>(`/api/v1/field/day?day=${today(env.boot.timeZone)}`, {}, locale);
      await keepDay(fresh);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      setBusy(false);
    }
  };
  const ql = questionnaireLocale(locale);
  const blocks = new Map(day?.blocks.map((b) => [b.id, b]) ?? []);
  const questionnaires = new Map(day?.questionnaires.map((q) => [q.versionId, q]) ?? []);
  const visits = (day?.routes ?? []).flatMap((r) => [...r.visits].sort((a, b) => a.position - b.position));
  const states = new Map(visits.map((v) => [v.id, visitState(v, kept.items)]));
  const doneBlocks = new Set(visits.filter((v) => states.get(v.id)?.state === "done").map((v) => v.blockId));
  return (
    <section aria-labelledby="day-title">
      <h1 id="day-title" tabIndex={-1}>
        {t("campo.day.title")}
      </h1>
      <ProblemAlert problem={problem} t={t} />
      {kept.routesChanged.length > 0 ? (
        <div class="problem" role="status">
          <p>
            <strong>{t("campo.day.route_changed")}</strong>
          </p>
          <p>{t("campo.day.route_changed_detail")}</p>
        </div>
      ) : null}
      <p class="row">
        <button type="button" class="big" onClick={download} disabled={busy}>
          {day ? t("campo.day.download_again") : t("campo.day.download")}
        </button>
      </p>
      {day ? (
        <p data-testid="downloaded-at">
          {t("campo.day.downloaded_at", { when: formatWhen(day.downloadedAt, locale) })}
        </p>
      ) : kept.loaded ? (
        <p>{t("campo.day.none")}</p>
      ) : null}
      {day && visits.length === 0 ? <p>{t("campo.day.no_visits")}</p> : null}
      {day && visits.length > 0 ? (
        <>
          <h2>{t("campo.day.visits", { count: visits.length })}</h2>
          <ol class="visits">
            {visits.map((v) => {
              const state = states.get(v.id)!;
              const q = v.versionId === null ? undefined : questionnaires.get(v.versionId);
              const label =
                state.sync && state.state !== "pending" ? `${state.state}_${state.sync}` : state.state;
              return (
                <li key={v.id} class={`visit visit-${state.state}`} data-testid={`visit-${v.id}`}>
                  <p class="visit-block">
                    <strong>
                      {v.position}. {blockName(blocks.get(v.blockId))}
                    </strong>
                  </p>
                  <p>{q ? titleOf(q.title, ql) : ""}</p>
                  {v.reason ? <p class="hint">{v.reason}</p> : null}
                  <p class={`state state-${state.sync ?? state.state}`}>{t(`campo.state.${label}`)}</p>
                  {state.problems?.length ? (
                    <ul class="problems">
                      {state.problems.map((p) => (
                        <li key={`${p.question}-${p.code}`}>{problemText(t, p)}</li>
                      ))}
                    </ul>
                  ) : null}
                  {v.versionId === null ? <p class="hint">{t("campo.day.no_version")}</p> : null}
                  {v.versionId !== null && (state.state === "pending" || state.state === "draft") ? (
                    <p class="row">
                      <a class="button big" href={withLang(visitPath(v.id), locale)} data-nav>
                        {state.state === "draft" ? t("campo.day.resume") : t("campo.day.answer")}
                      </a>{" "}
                      <button type="button" class="secondary" onClick={() => setSkipping(v.id)}>
                        {t("campo.skip.button")}
                      </button>
                    </p>
                  ) : null}
                  {skipping === v.id ? (
                    <SkipForm env={env} visit={v} onDone={() => setSkipping(null)} />
                  ) : null}
                </li>
              );
            })}
          </ol>
          <h2>{t("campo.day.map")}</h2>
          <BlocksMap env={env} day={day} doneBlocks={doneBlocks} />
        </>
      ) : null}
    </section>
  );
}
