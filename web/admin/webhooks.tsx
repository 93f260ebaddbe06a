/**
 * Webhooks: the subscriptions with their deliveries counted by state, subscribing a URL (its signing secret shown
 * once), and one subscription's page: edit URL, event types, description and active flag, rotate the secret,
 * delete it, its delivery log, and one delivery's exact body and attempts with "send again".
 */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import { navigate } from "../ui/router.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField, fieldProblem } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import { SecretOnce } from "./secret-once.tsx";
import { type Delivery, DeliveryPage, RequestId } from "./webhook-deliveries.tsx";

interface Subscription {
  id: number;
  url: string;
  eventTypes: string[];
  description: string;
  active: boolean;
  disabledReason: string | null;
  previousSecretUntil: string | null;
  deliveries: { pending: number; delivered: number; dead: number; skipped: number };
  createdAt: string;
  updatedAt: string;
}

const BASE = "/admin/webhooks";
const STATES = ["pending", "delivered", "dead", "skipped"] as const;
const splitTypes = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The webhooks section: the list, one subscription (/:id) or one delivery (/:id/:deliveryId). */
export function WebhooksScreen(props: AdminScreenProps) {
  const [, id, deliveryId] = props.rest.split("/");
  if (id && deliveryId)
    return <DeliveryPage env={props.env} id={Number(id)} deliveryId={Number(deliveryId)} />;
  if (id) return <SubscriptionPage key={id} env={props.env} id={Number(id)} />;
  return <SubscriptionList env={props.env} />;
}

function SubscriptionList(props: { env: StaffEnv }) {
  const { t, locale } = props.env;
  const [subs, loadProblem, reload] = useLoad<Subscription[]>("/api/v1/webhooks", locale);
  const [secret, setSecret] = useState<{ id: number; secret: string } | null>(null);
  const shortcuts = [
    {
      keys: "Alt+N",
      label: t("admin.webhooks.shortcut_new"),
      run: () => document.getElementById("hook-url")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.webhooks")}</h1>
      <p>{t("admin.webhooks.intro")}</p>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem} t={t} />
      {secret ? (
        <SecretOnce
          t={t}
          id="hook-secret"
          label={t("admin.webhooks.secret")}
          warning={t("admin.webhooks.secret_warning")}
          value={secret.secret}
          onDone={() => setSecret(null)}
        >
          <p>
            <a href={withLang(`${BASE}/${secret.id}`, locale)} data-nav>
              {t("admin.webhooks.open_new")}
            </a>
          </p>
        </SecretOnce>
      ) : null}
      <div class="table-wrap">
        <table class="data">
          <caption>{t("admin.webhooks.caption", { count: subs?.length ?? 0 })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.webhooks.url")}</th>
              <th scope="col">{t("admin.webhooks.event_types")}</th>
              <th scope="col">{t("admin.webhooks.state")}</th>
              {STATES.map((s) => (
                <th scope="col" key={s}>
                  {t(`admin.webhooks.states.${s}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(subs ?? []).map((s) => (
              <tr key={s.id}>
                <th scope="row">
                  <a href={withLang(`${BASE}/${s.id}`, locale)} data-nav>
                    {s.url}
                  </a>
                  {s.description ? <div class="hint">{s.description}</div> : null}
                </th>
                <td>{s.eventTypes.join(", ")}</td>
                <td>{s.active ? t("admin.webhooks.active") : t("admin.webhooks.inactive")}</td>
                {STATES.map((st) => (
                  <td key={st}>{s.deliveries[st]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <SubscriptionForm
        env={props.env}
        title={t("admin.webhooks.new")}
        submitLabel={t("admin.webhooks.create")}
        onSubmit={async (body, change) => {
          const created = await change.run(() =>
            sendJson<Subscription & { secret: string }>("/api/v1/webhooks", body, locale),
          );
          if (created) {
            setSecret({ id: created.id, secret: created.secret });
            reload();
          }
          return Boolean(created);
        }}
      />
    </section>
  );
}

type Body = { url: string; eventTypes: string[]; description: string; active: boolean };

function SubscriptionForm(props: {
  env: StaffEnv;
  title: string;
  submitLabel: string;
  initial?: Subscription;
  onSubmit: (body: Body, change: ReturnType<typeof useChange>) => Promise<boolean>;
}) {
  const { t } = props.env;
  const init = props.initial;
  const empty = { url: "", types: "demand.*", description: "", active: true };
  const [form, setForm] = useState(
    init
      ? {
          url: init.url,
          types: init.eventTypes.join(", "),
          description: init.description,
          active: init.active,
        }
      : empty,
  );
  const change = useChange();
  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await props.onSubmit(
      {
        url: form.url,
        eventTypes: splitTypes(form.types),
        description: form.description,
        active: form.active,
      },
      change,
    );
    if (ok && !init) setForm(empty);
  };
  const err = (f: string) =>
    fieldProblem(change.problem, f, t) ??
    (f === "eventTypes"
      ? fieldProblem(
          change.problem,
          change.problem?.fields.find((x) => x.field.startsWith("eventTypes"))?.field ?? "-",
          t,
        )
      : undefined);
  return (
    <section class="card" aria-labelledby="hook-form-title">
      <h2 id="hook-form-title">{props.title}</h2>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      <form onSubmit={submit}>
        <FormField
          id="hook-url"
          label={t("admin.webhooks.url")}
          hint={t("admin.webhooks.url_hint")}
          error={err("url")}
          required
          requiredText={t("ui.required")}
        >
          {(control) => (
            <input
              {...control}
              type="url"
              required
              style={{ width: "100%" }}
              value={form.url}
              onInput={(e) => setForm({ ...form, url: e.currentTarget.value })}
            />
          )}
        </FormField>
        <FormField
          id="hook-types"
          label={t("admin.webhooks.event_types")}
          hint={t("admin.webhooks.event_types_hint")}
          error={err("eventTypes")}
          required
          requiredText={t("ui.required")}
          value={form.types}
          onValue={(types) => setForm({ ...form, types })}
        />
        <FormField
          id="hook-description"
          label={t("admin.webhooks.description")}
          value={form.description}
          onValue={(description) => setForm({ ...form, description })}
        />
        <div class="choice">
          <input
            id="hook-active"
            type="checkbox"
            checked={form.active}
            onChange={(e) => setForm({ ...form, active: e.currentTarget.checked })}
          />
          <label for="hook-active">{t("admin.webhooks.active_label")}</label>
        </div>
        <button type="submit" disabled={change.busy}>
          {props.submitLabel}
        </button>
      </form>
    </section>
  );
}

function SubscriptionPage(props: { env: StaffEnv; id: number }) {
  const { t, locale } = props.env;
  const [sub, loadProblem, reload] = useLoad<Subscription>(`/api/v1/webhooks/${props.id}`, locale);
  const [state, setState] = useState("");
  const [deliveries, deliveriesProblem, reloadDeliveries] = useLoad<Delivery[]>(
    `/api/v1/webhooks/${props.id}/deliveries${state ? `?state=${state}` : ""}`,
    locale,
  );
  const [secret, setSecret] = useState<string | null>(null);
  const change = useChange();
  const shortcuts = [
    { keys: "Alt+L", label: t("admin.webhooks.shortcut_list"), run: () => navigate(withLang(BASE, locale)) },
    { keys: "Alt+R", label: t("admin.webhooks.shortcut_reload"), run: () => reloadDeliveries() },
  ];
  useShortcuts(shortcuts);
  const rotate = async () => {
    const res = await change.run(() =>
      sendJson<{ secret: string }>(`/api/v1/webhooks/${props.id}/rotate-secret`, undefined, locale),
    );
    if (res) {
      setSecret(res.secret);
      reload();
    }
  };
  const remove = async () => {
    const gone = await change.run(() =>
      sendJson(`/api/v1/webhooks/${props.id}`, undefined, locale, "DELETE").then(() => true),
    );
    if (gone) navigate(withLang(BASE, locale));
  };
  return (
    <section>
      <p>
        <a href={withLang(BASE, locale)} data-nav>
          {t("admin.webhooks.back")}
        </a>
      </p>
      <h1 tabIndex={-1}>{t("admin.webhooks.subscription", { url: sub?.url ?? "…" })}</h1>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem ?? change.problem} t={t} />
      <StatusLine text={change.status} />
      {sub ? (
        <>
          <p>
            {sub.active ? t("admin.webhooks.active") : t("admin.webhooks.inactive")}
            {sub.disabledReason ? ` — ${sub.disabledReason}` : ""}
            {sub.previousSecretUntil
              ? ` · ${t("admin.webhooks.previous_until", { when: formatWhen(sub.previousSecretUntil, locale) })}`
              : ""}
          </p>
          {secret ? (
            <SecretOnce
              t={t}
              id="hook-secret"
              label={t("admin.webhooks.new_secret")}
              warning={t("admin.webhooks.rotate_warning")}
              value={secret}
              onDone={() => setSecret(null)}
            />
          ) : null}
          <p class="row">
            <ConfirmButton
              t={t}
              label={t("admin.webhooks.rotate")}
              question={t("admin.webhooks.rotate_question")}
              disabled={change.busy}
              onConfirm={() => void rotate()}
            />{" "}
            <ConfirmButton
              t={t}
              label={t("staff.delete")}
              question={t("admin.webhooks.delete_question")}
              disabled={change.busy}
              onConfirm={() => void remove()}
            />
          </p>
          <SubscriptionForm
            key={sub.id}
            env={props.env}
            title={t("admin.webhooks.edit")}
            submitLabel={t("staff.save")}
            initial={sub}
            onSubmit={async (body, c) => {
              const ok = await c.run(
                () => sendJson(`/api/v1/webhooks/${props.id}`, body, locale, "PATCH"),
                t("staff.saved"),
              );
              if (ok) reload();
              return Boolean(ok);
            }}
          />
        </>
      ) : null}
      <h2 id="log-title">{t("admin.webhooks.log")}</h2>
      <ProblemAlert problem={deliveriesProblem} t={t} />
      <form class="row" onSubmit={(e) => e.preventDefault()}>
        <FormField
          id="log-state"
          label={t("admin.webhooks.state")}
          value={state}
          onValue={setState}
          options={
            <>
              <option value="">{t("admin.webhooks.any_state")}</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {t(`admin.webhooks.states.${s}`)}
                </option>
              ))}
            </>
          }
        />
        <button type="button" onClick={reloadDeliveries}>
          {t("admin.webhooks.reload")}
        </button>
      </form>
      <div class="table-wrap">
        <table class="data">
          <caption>{t("admin.webhooks.log_caption", { count: deliveries?.length ?? 0 })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.webhooks.delivery")}</th>
              <th scope="col">{t("admin.webhooks.event")}</th>
              <th scope="col">{t("admin.webhooks.state")}</th>
              <th scope="col">{t("admin.webhooks.attempts")}</th>
              <th scope="col">{t("admin.webhooks.last_result")}</th>
              <th scope="col">{t("admin.webhooks.when")}</th>
              <th scope="col">{t("admin.webhooks.request_id")}</th>
            </tr>
          </thead>
          <tbody>
            {(deliveries ?? []).map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  <a href={withLang(`${BASE}/${props.id}/${d.id}`, locale)} data-nav>
                    {t("admin.webhooks.delivery_n", { id: d.id })}
                  </a>
                </th>
                <td>{d.eventType}</td>
                <td>{t(`admin.webhooks.state_of.${d.state}`)}</td>
                <td>{d.attempts}</td>
                <td>{d.lastStatus ?? d.lastError ?? "—"}</td>
                <td>{formatWhen(d.lastAttemptAt ?? d.createdAt, locale)}</td>
                <td>{d.requestId ? <RequestId id={d.requestId} /> : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
