/**
 * API keys of the public APIs' client applications: the list with prefixes, limits and last use; registering one
 * (its key shown this once, with a copy button and a warning); changing a limit; revoking a key after confirming.
 */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField, fieldProblem } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import { SecretOnce } from "./secret-once.tsx";

interface ApiClient {
  id: number;
  name: string;
  contact: string | null;
  keyPrefix: string;
  rateLimitPerMinute: number;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** The API keys section. */
export function ApiKeysScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [clients, loadProblem, reload] = useLoad<ApiClient[]>("/api/v1/api-clients", locale);
  const [form, setForm] = useState({ name: "", contact: "", limit: "600" });
  const [issued, setIssued] = useState<{ name: string; key: string } | null>(null);
  const [limits, setLimits] = useState<Record<number, string>>({});
  const create = useChange();
  const change = useChange();
  const shortcuts = [
    {
      keys: "Alt+N",
      label: t("admin.api_keys.shortcut_new"),
      run: () => document.getElementById("key-name")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  const submit = async (e: Event) => {
    e.preventDefault();
    const res = await create.run(() =>
      sendJson<{ client: ApiClient; key: string }>(
        "/api/v1/api-clients",
        { name: form.name, contact: form.contact.trim() || null, rateLimitPerMinute: Number(form.limit) },
        locale,
      ),
    );
    if (res) {
      setIssued({ name: res.client.name, key: res.key });
      setForm({ name: "", contact: "", limit: "600" });
      reload();
    }
  };
  const saveLimit = (c: ApiClient) =>
    change
      .run(
        () =>
          sendJson(
            `/api/v1/api-clients/${c.id}`,
            { rateLimitPerMinute: Number(limits[c.id] ?? c.rateLimitPerMinute) },
            locale,
            "PATCH",
          ),
        t("admin.api_keys.limit_saved", { name: c.name }),
      )
      .then(reload);
  const revoke = (c: ApiClient) =>
    change
      .run(
        () => sendJson(`/api/v1/api-clients/${c.id}/revoke`, undefined, locale).then(() => true),
        t("admin.api_keys.revoked_done", { name: c.name }),
      )
      .then((ok) => {
        reload();
        return ok;
      });
  const err = (field: string) => fieldProblem(create.problem, field, t);
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.api_keys")}</h1>
      <p>{t("admin.api_keys.intro")}</p>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem ?? change.problem} t={t} />
      <StatusLine text={change.status} />
      {issued ? (
        <SecretOnce
          t={t}
          id="issued-key"
          label={t("admin.api_keys.key_of", { name: issued.name })}
          warning={t("admin.api_keys.key_warning")}
          value={issued.key}
          onDone={() => {
            setIssued(null);
            document.getElementById("clients-title")?.focus();
          }}
        />
      ) : null}
      <h2 id="clients-title" tabIndex={-1}>
        {t("admin.api_keys.list")}
      </h2>
      <div class="table-wrap">
        <table class="data">
          <caption>{t("admin.api_keys.caption", { count: clients?.length ?? 0 })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.api_keys.name")}</th>
              <th scope="col">{t("admin.api_keys.prefix")}</th>
              <th scope="col">{t("admin.api_keys.contact")}</th>
              <th scope="col">{t("admin.api_keys.state")}</th>
              <th scope="col">{t("admin.api_keys.last_used")}</th>
              <th scope="col">{t("admin.api_keys.limit")}</th>
              <th scope="col">{t("admin.api_keys.actions_col")}</th>
            </tr>
          </thead>
          <tbody>
            {(clients ?? []).map((c) => (
              <tr key={c.id}>
                <th scope="row">{c.name}</th>
                <td>
                  <code>{c.keyPrefix}…</code>
                </td>
                <td>{c.contact ?? "—"}</td>
                <td>
                  {c.revokedAt
                    ? t("admin.api_keys.revoked_at", { when: formatWhen(c.revokedAt, locale) })
                    : t("admin.api_keys.active")}
                </td>
                <td>{c.lastUsedAt ? formatWhen(c.lastUsedAt, locale) : t("admin.api_keys.never")}</td>
                <td>
                  <form
                    class="row"
                    onSubmit={(e) => {
                      e.preventDefault();
                      void saveLimit(c);
                    }}
                  >
                    <label for={`limit-${c.id}`} class="visually-hidden">
                      {t("admin.api_keys.limit_of", { name: c.name })}
                    </label>
                    <input
                      id={`limit-${c.id}`}
                      type="number"
                      min={1}
                      max={1000000}
                      size={7}
                      disabled={c.revokedAt !== null}
                      value={limits[c.id] ?? String(c.rateLimitPerMinute)}
                      onInput={(e) => setLimits({ ...limits, [c.id]: e.currentTarget.value })}
                    />{" "}
                    <button
                      type="submit"
                      disabled={change.busy || c.revokedAt !== null}
                      aria-label={t("admin.api_keys.save_limit_of", { name: c.name })}
                    >
                      {t("staff.save")}
                    </button>
                  </form>
                </td>
                <td>
                  {c.revokedAt ? (
                    "—"
                  ) : (
                    <ConfirmButton
                      t={t}
                      label={t("admin.api_keys.revoke")}
                      question={t("admin.api_keys.revoke_question", { name: c.name })}
                      disabled={change.busy}
                      focusAfter="clients-title"
                      onConfirm={() => revoke(c)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <section class="card" aria-labelledby="new-key-title">
        <h2 id="new-key-title">{t("admin.api_keys.new")}</h2>
        <ProblemAlert problem={create.problem} t={t} />
        <form onSubmit={submit}>
          <FormField
            id="key-name"
            label={t("admin.api_keys.name")}
            hint={t("admin.api_keys.name_hint")}
            error={err("name")}
            required
            requiredText={t("ui.required")}
            value={form.name}
            onValue={(name) => setForm({ ...form, name })}
          />
          <FormField
            id="key-contact"
            label={t("admin.api_keys.contact")}
            hint={t("admin.api_keys.contact_hint")}
            error={err("contact")}
            value={form.contact}
            onValue={(contact) => setForm({ ...form, contact })}
          />
          <FormField
            id="key-limit"
            label={t("admin.api_keys.limit")}
            hint={t("admin.api_keys.limit_hint")}
            error={err("rateLimitPerMinute")}
            required
            requiredText={t("ui.required")}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={1}
                max={1000000}
                required
                value={form.limit}
                onInput={(e) => setForm({ ...form, limit: e.currentTarget.value })}
              />
            )}
          </FormField>
          <button type="submit" disabled={create.busy}>
            {t("admin.api_keys.create")}
          </button>
        </form>
      </section>
    </section>
  );
}
