/**
 * A demand's page, the one citizen's page (decision 0030): the public view for anyone; the full view — description,
 * photos, rating and reopening — for the citizen who proves the demand is theirs: the secret kept on the device that
 * filed it, the link of a message sent to them (`#chave=…`), the access code of their receipt, or their sign-in.
 * Live updates come from the demand's public event stream.
 */
import { useEffect, useState } from "preact/hooks";
import { statusLabelKey } from "../../domain/status.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen } from "../ui/i18n.ts";
import { forgetSecret, rememberDemand, secretOf } from "./draft.ts";
import type { Env } from "./env.ts";
import { FiledNotice } from "./filed.tsx";
import { FollowForm } from "./home.tsx";
import { Photos, type PhotoView } from "./photos.tsx";
import { ProofSection } from "./proof.tsx";
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
  /** Held by the fallback triage desk (decision 0025): "em triagem na Central 156". */
  atTriageDesk?: boolean;
  service: { code: string; name: string };
  district: { name: string } | null;
  department: { name: string } | null;
  openedAt: string;
  dueAt: string | null;
  timeline: TimelineEvent[];
  view?: "public" | "citizen" | "staff";
  description?: string;
  address?: string | null;
  attachments?: PhotoView[];
  /** What the citizen may do now (their full view only). */
  choices?: { canRate: boolean; canReopen: boolean; reopenUntil: string | null };
}

/** The proof a message's link carries after `#chave=`, taken out of the address once read. */
function takeLinkKey(): string | undefined {
  const match = /^#chave=([A-Za-z0-9_-]{8,100})$/.exec(location.hash);
  if (!match) return undefined;
  history.replaceState(history.state, "", location.pathname + location.search);
  return match[1];
}

/** The demand screen, or the protocol box when no protocol is given. */
export function FollowScreen(props: { env: Env; protocol: string; hash: string }) {
  const { t, locale } = props.env;
  const [demand, setDemand] = useState<DemandView | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);
  // What the citizen just did here, said once: "rated", "reopened", a proof refused ("refused", "not_yours").
  const [said, setSaid] = useState<string | null>(null);
  // Focus follows what was said, as the form that was used goes away.
  const say = (what: string) => {
    setSaid(what);
    requestAnimationFrame(() => document.getElementById("said")?.focus());
  };

  // Read (and read again on every live event): the full view with the proof this device keeps, else public.
  useEffect(() => {
    if (!props.protocol) return;
    let stale = false;
    (async () => {
      const fromLink = takeLinkKey();
      if (fromLink) await rememberDemand({ protocol: props.protocol, secret: fromLink });
      const kept = fromLink ?? secret ?? (await secretOf(props.protocol));
      const read = (key: string | undefined) =>
        api<DemandView>(
          `/api/v1/demands/${props.protocol}?lang=${locale}`,
          { headers: key ? { "x-demand-secret": key } : {} },
          locale,
        );
      try {
        let view: DemandView;
        let proof = kept;
        try {
          view = await read(kept);
        } catch (e) {
          // A kept code the server no longer accepts is forgotten; the page shows the public view and says so.
          if (!(kept && e instanceof ApiProblem && e.code === "wrong_secret")) throw e;
          await forgetSecret(props.protocol);
          proof = undefined;
          view = await read(undefined);
          if (!stale) setSaid("refused");
        }
        if (stale) return;
        setSecret(proof);
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
    const live = new EventSource(inBase(`/api/v1/demands/${props.protocol}/events`));
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
          <FiledNotice env={props.env} protocol={demand.protocol} />
        </div>
      ) : null}
      <dl class="facts">
        <dt>{t("portal.follow.service")}</dt>
        <dd>{demand.service.name}</dd>
        <dt>{t("portal.follow.status")}</dt>
        <dd data-status={demand.status} aria-live="polite">
          {t(statusLabelKey(demand.status, demand.atTriageDesk))}
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
      </dl>
      {said ? (
        <p
          id="said"
          tabIndex={-1}
          class={said === "refused" || said === "not_yours" ? "problem" : "notice"}
          role="status"
        >
          {t(`portal.proof.said_${said}`)}
        </p>
      ) : null}
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
      {isFull && demand.attachments ? (
        <Photos env={props.env} photos={demand.attachments} secret={secret} />
      ) : null}
      {isFull && demand.choices?.canRate ? (
        <RatingForm
          env={props.env}
          protocol={demand.protocol}
          secret={secret}
          onRated={() => {
            say("rated");
            setVersion((v) => v + 1);
          }}
        />
      ) : null}
      {isFull && demand.choices?.canReopen ? (
        <ReopenForm
          env={props.env}
          protocol={demand.protocol}
          secret={secret}
          until={demand.choices.reopenUntil}
          onReopened={() => {
            say("reopened");
            setVersion((v) => v + 1);
          }}
        />
      ) : null}
      {isFull ? null : (
        <ProofSection
          env={props.env}
          protocol={demand.protocol}
          onProved={(view, code) => {
            if (view === null) {
              // Signed in: read again with the session; still public means the demand is someone else's.
              void api<DemandView>(`/api/v1/demands/${demand.protocol}?lang=${locale}`, {}, locale).then(
                (again) => {
                  setDemand(again);
                  say(again.view === "public" ? "not_yours" : "proved");
                },
              );
              return;
            }
            setSecret(code);
            setDemand(view);
            say("proved");
          }}
        />
      )}
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
