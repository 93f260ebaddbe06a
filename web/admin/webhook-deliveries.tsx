/** One webhook delivery: the exact body sent, every attempt, and "send again". */
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
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
