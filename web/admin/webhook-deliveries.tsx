/** One webhook delivery: the exact body sent, every attempt, the request that caused it, and "send again". */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, type Translate, withLang } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import { navigate } from "../ui/router.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";

const BASE = "/admin/webhooks";

/** A delivery as the log lists it. */
export interface Delivery {
  id: number;
  webhookId: string;
  eventId: number;
  eventType: string;
  state: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  /** The request that caused the event (our logs and the X-Request-Id of each attempt); null when none did. */
  requestId: string | null;
}
interface DeliveryDetail extends Delivery {
  body: unknown;
  attemptLog: {
    startedAt: string;
    finishedAt: string | null;
    status: number | null;
    error: string | null;
    responseExcerpt: string | null;
  }[];
}

/**
 * A request id in monospace, selected whole by one click so it copies cleanly into a log search (ids hold dots and
 * dashes that a double click would split on).
 */
export function RequestId(props: { id: string }) {
  return (
    <code class="request-id" style={{ userSelect: "all" }}>
      {props.id}
    </code>
  );
}

/** The delivery's request id with a copy button, or why there is none. */
function RequestIdField(props: { t: Translate; id: string | null }) {
  const { t } = props;
  const [copied, setCopied] = useState("");
  if (props.id === null) return <dd>{t("admin.webhooks.no_request_id")}</dd>;
  const id = props.id;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(id);
      setCopied(t("admin.common.copied"));
    } catch {
      // Without clipboard access (plain http, a refused permission) the id is selected for Ctrl+C instead.
      const code = document.querySelector("#delivery-request-id code");
      if (code) getSelection()?.selectAllChildren(code);
      setCopied(t("admin.common.copy_failed"));
    }
  };
  return (
    <dd id="delivery-request-id">
      <RequestId id={id} />{" "}
      <button type="button" onClick={() => void copy()} aria-label={t("admin.webhooks.copy_request_id")}>
        {t("admin.common.copy")}
      </button>
      <div class="hint">{t("admin.webhooks.request_id_hint")}</div>
      <span role="status">{copied}</span>
    </dd>
  );
}

/** The page of one delivery of subscription `id`. */
export function DeliveryPage(props: { env: StaffEnv; id: number; deliveryId: number }) {
  const { t, locale } = props.env;
  const [d, loadProblem, reload] = useLoad<DeliveryDetail>(
    `/api/v1/webhooks/${props.id}/deliveries/${props.deliveryId}`,
    locale,
  );
  const change = useChange();
  const shortcuts = [
    {
      keys: "Alt+L",
      label: t("admin.webhooks.shortcut_back_log"),
      run: () => navigate(withLang(`${BASE}/${props.id}`, locale)),
    },
  ];
  useShortcuts(shortcuts);
  const redeliver = () =>
    change
      .run(
        () =>
          sendJson(
            `/api/v1/webhooks/${props.id}/deliveries/${props.deliveryId}/redeliver`,
            undefined,
            locale,
          ),
        t("admin.webhooks.redelivered"),
      )
      .then(reload);
  return (
    <section>
      <p>
        <a href={withLang(`${BASE}/${props.id}`, locale)} data-nav>
          {t("admin.webhooks.back_log")}
        </a>
      </p>
      <h1 tabIndex={-1}>{t("admin.webhooks.delivery_n", { id: props.deliveryId })}</h1>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem ?? change.problem} t={t} />
      <StatusLine text={change.status} />
      {d ? (
        <>
          <dl>
            <dt>{t("admin.webhooks.event")}</dt>
            <dd>{d.eventType}</dd>
            <dt>{t("admin.webhooks.state")}</dt>
            <dd id="delivery-state">{t(`admin.webhooks.state_of.${d.state}`)}</dd>
            <dt>{t("admin.webhooks.webhook_id")}</dt>
            <dd>
              <code>{d.webhookId}</code>
            </dd>
            <dt>{t("admin.webhooks.attempts")}</dt>
            <dd>{d.attempts}</dd>
            <dt>{t("admin.webhooks.request_id")}</dt>
            <RequestIdField t={t} id={d.requestId} />
          </dl>
          <p>
            <button type="button" disabled={change.busy} onClick={() => void redeliver()}>
              {t("admin.webhooks.redeliver")}
            </button>
          </p>
          <h2>{t("admin.webhooks.body")}</h2>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling block must be reachable by keyboard. */}
          <pre class="table-wrap" tabIndex={0}>
            {JSON.stringify(d.body, null, 2)}
          </pre>
          <div class="table-wrap">
            <table class="data">
              <caption>{t("admin.webhooks.attempt_log")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("admin.webhooks.started")}</th>
                  <th scope="col">{t("admin.webhooks.status")}</th>
                  <th scope="col">{t("admin.webhooks.error")}</th>
                  <th scope="col">{t("admin.webhooks.response")}</th>
                </tr>
              </thead>
              <tbody>
                {d.attemptLog.length === 0 ? (
                  <tr>
                    <td colSpan={4}>{t("staff.none")}</td>
                  </tr>
                ) : null}
                {d.attemptLog.map((a) => (
                  <tr key={a.startedAt}>
                    <th scope="row">{formatWhen(a.startedAt, locale)}</th>
                    <td>{a.status ?? "—"}</td>
                    <td>{a.error ?? "—"}</td>
                    <td>{a.responseExcerpt ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
