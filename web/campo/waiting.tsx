/**
 * "A sincronizar": everything still waiting (answers, field demands, skipped visits), those the server refused with
 * its reasons (kept until the inspector reopens or discards them: never dropped silently), and those synced, the
 * field demands with their protocol. The button syncs now; the last run's outcome is said.
 */
import { useState } from "preact/hooks";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { blockName } from "./day.tsx";
import {
  type CampoEnv,
  PATHS,
  problemText,
  questionnaireLocale,
  type Syncer,
  titleOf,
  visitPath,
} from "./env.ts";
import { dropDemand, dropResponse, keepResponse } from "./store.ts";
import type { ItemProblem, KeptDemand, KeptResponse } from "./sync.ts";

function Problems(props: { env: CampoEnv; problems: ItemProblem[] | undefined }) {
  if (!props.problems?.length) return null;
  return (
    <ul class="problems">
      {props.problems.map((p) => (
        <li key={`${p.question ?? p.field}-${p.code}`}>{problemText(props.env.t, p)}</li>
      ))}
    </ul>
  );
}

/** The waiting list and the sync button. */
export function WaitingScreen(props: { env: CampoEnv; syncer: Syncer }) {
  const { env, syncer } = props;
  const { t, locale, kept, me } = env;
  const ql = questionnaireLocale(locale);
  const [confirm, setConfirm] = useState<string | null>(null);
  const mine = <T extends { inspectorId: number }>(list: T[]) => list.filter((x) => x.inspectorId === me.id);
  const responses = mine(kept.items.responses).filter((r) => r.state !== "draft");
  const demands = mine(kept.items.demands);
  const visits = mine(kept.items.visits);
  const title = (r: KeptResponse) => {
    const q = kept.day?.questionnaires.find((x) => x.versionId === r.versionId);
    const block = kept.day?.blocks.find((b) => b.id === r.blockId);
    return `${q ? titleOf(q.title, ql) : `#${r.versionId}`} · ${blockName(block)}`;
  };
  const reopen = async (r: KeptResponse) => {
    // A new clientId: the refused one is the server's record of what it refused.
    const { problems: _, flags: __, answeredAt: ___, ...rest } = r;
    await keepResponse({ ...rest, clientId: crypto.randomUUID(), state: "draft" });
    await dropResponse(r.clientId);
  };
  const discard = (key: string, drop: () => Promise<void>) =>
    confirm === key ? (
      <button type="button" onClick={() => void drop().then(() => setConfirm(null))}>
        {t("campo.waiting.discard_confirm")}
      </button>
    ) : (
      <button type="button" class="secondary" onClick={() => setConfirm(key)}>
        {t("campo.waiting.discard")}
      </button>
    );
  const stateText = (state: string) => t(`campo.sync_state.${state}`);
  const demandLine = (d: KeptDemand) => (
    <li key={d.clientId} class={`item item-${d.state}`} data-testid="kept-demand">
      <p>
        <strong>{d.serviceName}</strong> · {d.description}
      </p>
      <p class={`state state-${d.state}`}>
        {stateText(d.state)}
        {d.protocol ? (
          <>
            {" · "}
            {t("campo.waiting.protocol")} <strong data-testid="demand-protocol">{d.protocol}</strong>
          </>
        ) : null}
      </p>
      <Problems env={env} problems={d.problems} />
      {d.state === "refused" ? <p class="row">{discard(d.clientId, () => dropDemand(d.clientId))}</p> : null}
    </li>
  );
  const last = syncer.last;
  return (
    <section aria-labelledby="waiting-title">
      <h1 id="waiting-title" tabIndex={-1}>
        {t("campo.waiting.title")}
      </h1>
      <p class="row">
        <button type="button" class="big" onClick={syncer.run} disabled={syncer.busy}>
          {syncer.busy ? t("campo.waiting.syncing") : t("campo.waiting.sync_now")}
        </button>
      </p>
      <p role="status" data-testid="sync-status">
        {last
          ? `${t(`campo.waiting.result.${last.stopped ?? "done"}`, { count: last.sent })} · ${formatWhen(last.at, locale)}`
          : ""}
      </p>
      {kept.routesChanged.length > 0 ? (
        <div class="problem">
          <p>
            <strong>{t("campo.day.route_changed")}</strong>
          </p>
          <p>
            <a href={withLang(PATHS.day, locale)} data-nav>
              {t("campo.day.route_changed_detail")}
            </a>
          </p>
        </div>
      ) : null}
      <h2>{t("campo.waiting.responses")}</h2>
      {responses.length === 0 ? <p>{t("campo.waiting.none")}</p> : null}
      <ul class="items">
        {responses.map((r) => (
          <li key={r.clientId} class={`item item-${r.state}`} data-testid="kept-response">
            <p>
              <strong>{title(r)}</strong>
            </p>
            <p class={`state state-${r.state}`}>
              {stateText(r.state)}
              {r.answeredAt ? ` · ${formatWhen(r.answeredAt, locale)}` : ""}
            </p>
            <Problems env={env} problems={r.problems} />
            {r.state === "refused" ? (
              <p class="row">
                {r.visitId ? (
                  <button type="button" onClick={() => void reopen(r)}>
                    {t("campo.waiting.reopen")}
                  </button>
                ) : null}{" "}
                {discard(r.clientId, () => dropResponse(r.clientId))}
              </p>
            ) : null}
          </li>
        ))}
      </ul>
      <h2>{t("campo.waiting.demands")}</h2>
      {demands.length === 0 ? <p>{t("campo.waiting.none")}</p> : null}
      <ul class="items">{demands.map(demandLine)}</ul>
      {visits.length > 0 ? (
        <>
          <h2>{t("campo.waiting.visits")}</h2>
          <ul class="items">
            {visits.map((v) => {
              const visit = kept.day?.routes.flatMap((r) => r.visits).find((x) => x.id === v.visitId);
              const block = kept.day?.blocks.find((b) => b.id === visit?.blockId);
              return (
                <li key={v.visitId} class={`item item-${v.sync}`}>
                  <p>
                    <strong>{visit ? blockName(block) : `#${v.visitId}`}</strong> · {t("campo.skip.skipped")}:{" "}
                    {v.note}
                  </p>
                  <p class={`state state-${v.sync}`}>{stateText(v.sync)}</p>
                  {v.sync === "refused" && v.outcome ? (
                    <Problems env={env} problems={[{ code: v.outcome }]} />
                  ) : null}
                  {visit && v.sync === "refused" ? (
                    <a href={withLang(visitPath(visit.id), locale)} data-nav>
                      {t("campo.day.answer")}
                    </a>
                  ) : null}
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </section>
  );
}
