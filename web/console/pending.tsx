/**
 * The demands kept without the network (offline.ts), as the agent sees them: the provisional number given to the
 * person right after registering, and on every console screen the list of those waiting, sent (with their protocol
 * to read out or call back with) or refused (with the server's reason). The sender runs when the console opens,
 * when the browser says the link is back, and every 20 seconds while any waits.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { formatWhen, type Translate } from "../ui/i18n.ts";
import { type Shortcut, ShortcutList } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import {
  dropPending,
  listPending,
  onPendingChange,
  type PendingDemand,
  refreshKit,
  sendPending,
} from "./offline.ts";
import { refreshStreets } from "./offline-streets.ts";
import { groupProtocol } from "./registered.tsx";

/** How often waiting demands are tried again while the browser thinks it is online. */
const RETRY_MS = 20_000;

/** Right after registering without the link: the provisional number, focused so a screen reader reads it. */
export function KeptView(props: {
  t: Translate;
  kept: PendingDemand;
  shortcuts: Shortcut[];
  onNew: () => void;
}) {
  const { t, kept } = props;
  const number = useRef<HTMLParagraphElement>(null);
  useEffect(() => number.current?.focus(), []);
  return (
    <section class="registered kept" aria-labelledby="kept-title">
      <ShortcutList t={t} shortcuts={props.shortcuts} />
      <h2 id="kept-title">{t("console.offline.kept_title")}</h2>
      <p class="protocol big" tabIndex={-1} ref={number} data-testid="provisional">
        {kept.provisional}
      </p>
      <p>{t("console.offline.kept_read_back")}</p>
      {kept.callback ? <p>{t("console.offline.kept_callback", { phone: kept.callback })}</p> : null}
      <p class="row">
        <button type="button" class="secondary" onClick={props.onNew}>
          {t("console.intake.new")} <kbd>Alt+N</kbd>
        </button>
      </p>
    </section>
  );
}

/** The kept demands of this browser, live (this tab's changes and other tabs'). */
function usePending(): PendingDemand[] {
  const [list, setList] = useState<PendingDemand[]>([]);
  useEffect(() => {
    let current = true;
    const load = () =>
      void listPending()
        .then((l) => current && setList(l))
        .catch(() => undefined);
    load();
    const stop = onPendingChange(load);
    return () => {
      current = false;
      stop();
    };
  }, []);
  return list;
}

/**
 * Sends the agent's waiting demands now, when the link comes back, and every RETRY_MS; keeps the kit and the city's
 * streets fresh (each read again when the console opens, the streets only when their version changed).
 */
function useSender(env: StaffEnv, waiting: number): void {
  const { me, locale } = env;
  const takesDemands = env.can("calls.intake");
  useEffect(() => {
    if (!takesDemands) return;
    void refreshKit(locale);
    void refreshStreets(locale);
    const send = () => void sendPending(me.id, locale).catch(() => undefined);
    send();
    addEventListener("online", send);
    return () => removeEventListener("online", send);
  }, [me.id, locale, takesDemands]);
  useEffect(() => {
    if (!takesDemands || waiting === 0) return;
    const timer = setInterval(() => {
      if (navigator.onLine) void sendPending(me.id, locale).catch(() => undefined);
    }, RETRY_MS);
    return () => clearInterval(timer);
  }, [me.id, locale, takesDemands, waiting]);
}

/** The list of kept demands, shown above every console screen while any is kept. */
export function PendingPanel(props: { env: StaffEnv }) {
  const { env } = props;
  const { t, locale, me } = env;
  const list = usePending();
  const waiting = list.filter((p) => p.state === "waiting" && p.agentId === me.id).length;
  useSender(env, waiting);
  if (list.length === 0) return null;
  return (
    <section class="card pending" aria-labelledby="pending-title" data-testid="pending">
      <h2 id="pending-title">{t("console.offline.list_title")}</h2>
      <p role="status">
        {waiting > 0
          ? t("console.offline.waiting_count", { count: waiting })
          : t("console.offline.none_waiting")}
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">{t("console.offline.provisional")}</th>
            <th scope="col">{t("console.offline.service")}</th>
            <th scope="col">{t("console.offline.taken_at")}</th>
            <th scope="col">{t("console.offline.state")}</th>
            <th scope="col">
              <span class="visually-hidden">{t("console.offline.actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.map((p) => (
            <tr key={p.key} data-state={p.state}>
              <td>{p.provisional}</td>
              <td>
                {p.serviceName}
                <br />
                <small>{p.body.description.slice(0, 120)}</small>
              </td>
              <td>{formatWhen(p.queuedAt, locale)}</td>
              <td>
                <PendingState t={t} pending={p} mine={p.agentId === me.id} />
              </td>
              <td>
                {p.state === "waiting" ? null : (
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => {
                      if (p.state === "sent" || confirm(t("console.offline.discard_confirm")))
                        void dropPending(p.key);
                    }}
                  >
                    {p.state === "sent" ? t("console.offline.done") : t("console.offline.discard")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function PendingState(props: { t: Translate; pending: PendingDemand; mine: boolean }) {
  const { t, pending: p } = props;
  if (p.state === "sent" && p.protocol)
    return (
      <>
        {t("console.offline.sent")}{" "}
        <strong data-testid="pending-protocol">{groupProtocol(p.protocol)}</strong>
        {p.callback ? (
          <>
            <br />
            {t("console.offline.call_back", { phone: p.callback })}
          </>
        ) : null}
      </>
    );
  if (p.state === "refused")
    return (
      <>
        {t("console.offline.refused")} {p.problem?.detail || p.problem?.title || p.problem?.code}
      </>
    );
  return <>{props.mine ? t("console.offline.waiting") : t("console.offline.waiting_other")}</>;
}
