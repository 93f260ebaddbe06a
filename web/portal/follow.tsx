/**
 * Following a demand by protocol: the public view for anyone, the full view on the device that filed it (its secret
 * kept in IndexedDB), live updates from the demand's public event stream, the answers, and the rating.
 */
import { useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen } from "../ui/i18n.ts";
import { secretOf } from "./draft.ts";
import type { Env } from "./env.ts";
import { FollowForm } from "./home.tsx";
import { RatingForm, ReopenForm } from "./rating.tsx";

interface TimelineEvent {
  at: string;
  type: string;
  data: Record<string, unknown> | null;
}
/** The demand as GET /api/v1/demands/:protocol answers (public or full view). */
export interface DemandView {
  protocol: string;
  status: string;
  service: { code: string; name: string };
  district: { name: string } | null;
  department: { name: string } | null;
  openedAt: string;
  dueAt: string | null;
  timeline: TimelineEvent[];
  view?: "public";
  description?: string;
  address?: string | null;
  attachments?: { id: string; name: string | null }[];
}

/** The demand screen, or the protocol box when no protocol is given. */
export function FollowScreen(props: { env: Env; protocol: string; hash: string }) {
  const { t, locale } = props.env;
  const [demand, setDemand] = useState<DemandView | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);

  // Read (and read again on every live event): the full view with the secret this device keeps, else public.
  useEffect(() => {
    if (!props.protocol) return;
    let stale = false;
    (async () => {
      const kept = await secretOf(props.protocol);
      const headers: Record<string, string> = kept ? { "x-demand-secret": kept } : {};
      try {
        const view = await api<DemandView>(
          `/api/v1/demands/${props.protocol}?lang=${locale}`,
          { headers },
          locale,
        );
        if (stale) return;
        setSecret(kept);
        setDemand(view);
        setProblem(null);
      } catch (e) {
        if (!stale && version === 0) setProblem(e instanceof ApiProblem ? e : null);
      }
    })();
    return () => {
      stale = true;
    };
  }, [props.protocol, locale, version]);

  // The demand's public event stream: each event means something changed.
  useEffect(() => {
    if (!props.protocol || typeof EventSource === "undefined") return;
    const live = new EventSource(`/api/v1/demands/${props.protocol}/events`);
    live.onmessage = () => setVersion((v) => v + 1);
    return () => live.close();
  }, [props.protocol]);

  if (!props.protocol) {
    return (
      <>
        <h1 tabIndex={-1}>{t("portal.follow.title")}</h1>
        <FollowForm env={props.env} />
      </>
    );
  }
  if (!demand) {
    return (
      <>
        <h1 tabIndex={-1}>{t("portal.follow.title")}</h1>
        {problem ? <ProblemAlert problem={problem} t={t} /> : <p>{t("ui.loading")}</p>}
        <FollowForm env={props.env} initial={props.protocol} />
      </>
    );
  }
  const answers = demand.timeline.filter((e) => typeof e.data?.answer === "string");
  const isFull = demand.view !== "public";
  return (
    <>
      <h1 tabIndex={-1}>
        {t("portal.follow.demand_title")} <span class="protocol">{demand.protocol}</span>
      </h1>
      {props.hash === "#novo" ? (
        <div class="notice" role="status">
          <p>
            <strong>{t("portal.follow.created", { protocol: demand.protocol })}</strong>
          </p>
          <p>{t("portal.follow.created_hint")}</p>
        </div>
      ) : null}
      <dl class="facts">
        <dt>{t("portal.follow.service")}</dt>
        <dd>{demand.service.name}</dd>
        <dt>{t("portal.follow.status")}</dt>
        <dd data-status={demand.status} aria-live="polite">
          {t(`status.${demand.status}`)}
        </dd>
        <dt>{t("portal.follow.opened_at")}</dt>
        <dd>{formatWhen(demand.openedAt, locale)}</dd>
        {demand.dueAt ? (
          <>
            <dt>{t("portal.follow.due_at")}</dt>
            <dd>{formatWhen(demand.dueAt, locale)}</dd>
          </>
        ) : null}
        {demand.district ? (
          <>
            <dt>{t("portal.follow.district")}</dt>
            <dd>{demand.district.name}</dd>
          </>
        ) : null}
        {demand.department ? (
          <>
            <dt>{t("portal.follow.department")}</dt>
            <dd>{demand.department.name}</dd>
          </>
        ) : null}
        {isFull && demand.description ? (
          <>
            <dt>{t("portal.follow.description")}</dt>
            <dd>{demand.description}</dd>
          </>
        ) : null}
        {isFull && demand.attachments ? (
          <>
            <dt>{t("portal.follow.photos")}</dt>
            <dd>{t("portal.file.photos_count", { count: demand.attachments.length })}</dd>
          </>
        ) : null}
      </dl>
      <section aria-labelledby="answers-title">
        <h2 id="answers-title">{t("portal.follow.answers")}</h2>
        {answers.length === 0 ? <p>{t("portal.follow.no_answer")}</p> : null}
        {answers.map((a) => (
          <div class="answer" key={a.at}>
            <p>
              <time dateTime={a.at}>{formatWhen(a.at, locale)}</time>
            </p>
            <p>{String(a.data?.answer)}</p>
          </div>
        ))}
      </section>
      {isFull && demand.status === "closed" ? (
        <>
          <RatingForm env={props.env} protocol={demand.protocol} secret={secret} />
          <ReopenForm
            env={props.env}
            protocol={demand.protocol}
            secret={secret}
            onReopened={() => setVersion((v) => v + 1)}
          />
        </>
      ) : null}
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("portal.follow.timeline")}</h2>
        <ol class="timeline">
          {demand.timeline.map((e) => (
            <li key={`${e.at}${e.type}`}>
              <time dateTime={e.at}>{formatWhen(e.at, locale)}</time> — {t(`events.${e.type}`)}
            </li>
          ))}
        </ol>
      </section>
      <FollowForm env={props.env} />
    </>
  );
}
