/**
 * One work order: the demand behind it (description, place, the citizen's photos, the timeline), its deadline,
 * and the actions its state allows — accept, start, return or reroute with a reason, ask the citizen for a
 * complement, and the counter-report (answer.tsx). Follows the live stream, so a colleague's change shows at once.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { LiveBadge, useLive } from "../ui/live.tsx";
import { navigate } from "../ui/router.ts";
import { type Shortcut, ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { ReasonForm, RerouteForm } from "./actions.tsx";
import { AnswerForm } from "./answer.tsx";
import { PATHS, type WorkOrder } from "./data.ts";
import { DueCell } from "./orders.tsx";

/** The staff view of the demand (GET /api/v1/demands/:protocol with a session). */
interface DemandView {
  protocol: string;
  status: string;
  description?: string;
  address?: string | null;
  location?: { lat: number; lon: number } | null;
  citizen?: { name: string | null; contacts: { channel: string; value: string }[] } | null;
  attachments?: { id: number; mediaType: string; name: string | null; url: string }[];
  timeline: {
    at: string;
    type: string;
    visibility?: string;
    /** The staff member who acted (staff view only). */
    staff?: { id: number; name: string | null } | null;
    data: Record<string, unknown> | null;
  }[];
}

/** After an action the pressed control is gone: focus goes to the actions heading, next to the notice. */
function focusActions() {
  requestAnimationFrame(() => document.getElementById("actions-title")?.focus());
}

/** Runs one action of the order and keeps its outcome: busy, the server's problem, or the done notice. */
function useAction(env: StaffEnv, id: number, onDone: (order: WorkOrder) => void) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [notice, setNotice] = useState("");
  // A fast double press must send one request: `busy` only disables the buttons after the next render.
  const inFlight = useRef(false);
  const run = async (action: string, body?: unknown) => {
    if (inFlight.current) return false;
    inFlight.current = true;
    setBusy(true);
    setProblem(null);
    setNotice("");
    try {
      const order = await send<WorkOrder>(`/api/v1/work-orders/${id}/${action}`, body, env.locale);
      setNotice(env.t(`backoffice.order.done.${action.replace("-", "_")}`));
      onDone(order);
      focusActions();
      return true;
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
      return false;
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return { busy, problem, notice, run, setProblem, setNotice };
}

/** The order screen. */
export function OrderScreen(props: { env: StaffEnv; id: number }) {
  const { env, id } = props;
  const { t, locale, can } = env;
  const [order, setOrder] = useState<WorkOrder | null>(null);
  const [demand, setDemand] = useState<DemandView | null>(null);
  const [loadProblem, setLoadProblem] = useState<ApiProblem | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let stale = false;
    (async () => {
      try {
        const o = await api<WorkOrder>(`/api/v1/work-orders/${id}`, {}, locale);
        if (stale) return;
        setOrder(o);
        setLoadProblem(null);
        // After a return or reroute the demand may no longer be this department's to read.
        const d = await api<DemandView>(`/api/v1/demands/${o.protocol}`, {}, locale).catch(() => null);
        if (!stale) setDemand(d);
      } catch (e) {
        if (!stale) setLoadProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
      }
    })();
    return () => {
      stale = true;
    };
  }, [id, version, locale]);
  const live = useLive((message) => {
    if (message.kind === "reset" || (order && message.protocol === order.protocol)) setVersion((v) => v + 1);
  });
  const action = useAction(env, id, (o) => {
    setOrder(o);
    setVersion((v) => v + 1);
  });
  const mayAct = can("work_orders.act");
  const allowed = (name: string) => mayAct && (order?.actions.includes(name) ?? false);
  const shortcuts: Shortcut[] = [
    ...(allowed("accept")
      ? [{ keys: "A", label: t("backoffice.order.accept"), run: () => void action.run("accept") }]
      : []),
    ...(allowed("start")
      ? [{ keys: "S", label: t("backoffice.order.start"), run: () => void action.run("start") }]
      : []),
    ...(allowed("answer")
      ? [
          {
            keys: "R",
            label: t("backoffice.shortcuts.answer"),
            run: () => document.getElementById("answer")?.focus(),
          },
        ]
      : []),
    { keys: "B", label: t("backoffice.shortcuts.back"), run: () => navigate(withLang(PATHS.orders, locale)) },
  ];
  useShortcuts(shortcuts);

  if (!order) {
    return (
      <>
        <h1 tabIndex={-1}>{t("backoffice.order.title_loading")}</h1>
        {loadProblem ? <ProblemAlert problem={loadProblem} t={t} /> : <p role="status">{t("ui.loading")}</p>}
      </>
    );
  }
  const photos = (demand?.attachments ?? []).filter((a) => a.mediaType.startsWith("image/"));
  return (
    <>
      <p>
        <a href={withLang(PATHS.orders, locale)} data-nav>
          {t("backoffice.order.back")}
        </a>
      </p>
      <h1 tabIndex={-1}>
        {t("backoffice.order.title")} <span class="protocol">{order.protocol}</span>
      </h1>
      <LiveBadge t={t} state={live} />
      <div class="columns">
        <div>
          <dl class="facts">
            <dt>{t("backoffice.orders.state")}</dt>
            <dd data-state={order.state}>{t(`backoffice.states.${order.state}`)}</dd>
            <dt>{t("backoffice.orders.service")}</dt>
            <dd>{order.serviceName}</dd>
            <dt>{t("backoffice.orders.district")}</dt>
            <dd>{order.district?.name ?? "—"}</dd>
            <dt>{t("backoffice.orders.department")}</dt>
            <dd>{order.department}</dd>
            <dt>{t("backoffice.order.dispatched_at")}</dt>
            <dd>{formatWhen(order.dispatchedAt, locale)}</dd>
            <dt>{t("backoffice.orders.due")}</dt>
            <dd>
              <DueCell env={env} order={order} now={Date.now()} />
            </dd>
            <dt>{t("backoffice.orders.alarms")}</dt>
            <dd>{order.openAlarms}</dd>
            {order.complementQuestion ? (
              <>
                <dt>{t("backoffice.order.complement_question")}</dt>
                <dd>{order.complementQuestion}</dd>
              </>
            ) : null}
            {order.reason ? (
              <>
                <dt>{t("backoffice.order.reason")}</dt>
                <dd>{order.reason}</dd>
              </>
            ) : null}
            {order.answer ? (
              <>
                <dt>{t("backoffice.order.answer")}</dt>
                <dd class="given-answer">{order.answer}</dd>
              </>
            ) : null}
          </dl>
          <DemandSection env={env} demand={demand} photos={photos} />
        </div>
        <div>
          <section aria-labelledby="actions-title" class="card">
            <h2 id="actions-title" tabIndex={-1}>
              {t("backoffice.order.actions")}
            </h2>
            <div role="status">{action.notice ? <p class="notice">{action.notice}</p> : null}</div>
            <ProblemAlert problem={action.problem} t={t} />
            {mayAct && order.actions.length > 0 ? (
              <>
                <div class="row">
                  {allowed("accept") ? (
                    <button type="button" disabled={action.busy} onClick={() => void action.run("accept")}>
                      {t("backoffice.order.accept")}
                    </button>
                  ) : null}
                  {allowed("start") ? (
                    <button type="button" disabled={action.busy} onClick={() => void action.run("start")}>
                      {t("backoffice.order.start")}
                    </button>
                  ) : null}
                </div>
                {allowed("return") ? (
                  <ReasonForm
                    env={env}
                    id="return"
                    busy={action.busy}
                    onSubmit={(text) => action.run("return", { reason: text })}
                  />
                ) : null}
                {allowed("reroute") ? (
                  <RerouteForm env={env} own={order.department} busy={action.busy} run={action.run} />
                ) : null}
                {allowed("request_complement") ? (
                  <ReasonForm
                    env={env}
                    id="complement"
                    busy={action.busy}
                    onSubmit={(text) => action.run("complement-request", { question: text })}
                  />
                ) : null}
              </>
            ) : (
              <p>{t(mayAct ? "backoffice.order.no_actions" : "backoffice.order.read_only")}</p>
            )}
          </section>
          {allowed("answer") ? (
            <AnswerForm
              env={env}
              order={order}
              onAnswered={(o) => {
                setOrder(o);
                action.setNotice(t("backoffice.order.done.answer"));
                setVersion((v) => v + 1);
                focusActions();
              }}
            />
          ) : null}
        </div>
      </div>
      <ShortcutList t={t} shortcuts={shortcuts} />
    </>
  );
}

/** The demand behind the order: what the citizen said, where, their photos, and everything that happened. */
function DemandSection(props: {
  env: StaffEnv;
  demand: DemandView | null;
  photos: NonNullable<DemandView["attachments"]>;
}) {
  const { t, locale } = props.env;
  const d = props.demand;
  if (!d) return null;
  return (
    <>
      <section aria-labelledby="demand-title">
        <h2 id="demand-title">{t("backoffice.order.demand")}</h2>
        <dl class="facts">
          <dt>{t("backoffice.order.description")}</dt>
          <dd class="description">{d.description || "—"}</dd>
          <dt>{t("backoffice.order.address")}</dt>
          <dd>{d.address || "—"}</dd>
          {d.location ? (
            <>
              <dt>{t("backoffice.order.point")}</dt>
              <dd>
                {d.location.lat.toFixed(5)}, {d.location.lon.toFixed(5)}
              </dd>
            </>
          ) : null}
          {d.citizen ? (
            <>
              <dt>{t("backoffice.order.citizen")}</dt>
              <dd>{d.citizen.name ?? "—"}</dd>
            </>
          ) : null}
        </dl>
        <h3>{t("backoffice.order.photos")}</h3>
        {props.photos.length === 0 ? (
          <p>{t("backoffice.order.no_photos")}</p>
        ) : (
          <ul class="photos">
            {props.photos.map((p, i) => (
              <li key={p.id}>
                <a href={inBase(p.url)} target="_blank" rel="noreferrer">
                  <img
                    src={inBase(p.url)}
                    alt={t("backoffice.order.photo_alt", { n: i + 1, name: p.name ?? "" })}
                  />
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("backoffice.order.timeline")}</h2>
        <ol class="timeline">
          {d.timeline.map((e, i) => (
            <li key={`${i}-${e.at}`}>
              <time dateTime={e.at}>{formatWhen(e.at, locale)}</time> — {t(`events.${e.type}`)}
              {e.staff?.name ? ` · ${e.staff.name}` : ""}
              {e.visibility === "internal" ? ` (${t("backoffice.order.internal")})` : ""}
              {typeof e.data?.reason === "string" ? `: ${e.data.reason}` : ""}
              {typeof e.data?.note === "string" ? `: ${e.data.note}` : ""}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
