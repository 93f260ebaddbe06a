/** The forms of the cities section: a new tenant from a template, and one tenant's state and host names. */
import { useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import type { Translate } from "../ui/i18n.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField, fieldProblem, focusFirstInvalid } from "./form-field.tsx";
import type { PlatformTenant, Template } from "./platform.tsx";

/** The server's words for a field, or for any item of it (`hosts` also answers for `hosts.1`). */
function errorOf(problem: ApiProblem | null, field: string, t: Translate): string | undefined {
  const item = problem?.fields.find((f) => f.field === field || f.field.startsWith(`${field}.`));
  return item ? fieldProblem(problem, item.field, t) : undefined;
}

/** Host names as typed: separated by spaces, commas or lines. */
const hostsOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The form that creates a tenant from a template; it is then prepared on the worker. */
export function NewTenant(props: { env: StaffEnv; templates: Template[]; onCreated: () => void }) {
  const { t, locale } = props.env;
  const empty = { name: "", slug: "", template: "empty", subprefeitura: "", hosts: "", jurisdiction: "" };
  const [form, setForm] = useState(empty);
  const change = useChange();
  const chosen = props.templates.find((x) => x.template === form.template);
  const subprefeituras = props.templates.find((x) => x.template === "subprefeitura")?.subprefeituras ?? [];
  const submit = async (e: Event) => {
    e.preventDefault();
    const template =
      form.template === "subprefeitura" ? `subprefeitura:${form.subprefeitura}` : form.template;
    const created = await change.run(
      () =>
        sendJson<PlatformTenant>(
          "/api/v1/platform/tenants",
          {
            name: form.name,
            slug: form.slug.trim(),
            template,
            hosts: hostsOf(form.hosts),
            ...(form.jurisdiction.trim() ? { jurisdictionId: form.jurisdiction.trim() } : {}),
          },
          locale,
        ),
      t("admin.platform.created_done", { name: form.name }),
    );
    if (created) {
      setForm(empty);
      props.onCreated();
    } else focusFirstInvalid();
  };
  const err = (field: string) => errorOf(change.problem, field, t);
  return (
    <section class="card" aria-labelledby="new-tenant-title">
      <h2 id="new-tenant-title">{t("admin.platform.new")}</h2>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      <form onSubmit={submit}>
        <FormField
          id="tenant-name"
          label={t("admin.platform.name")}
          hint={t("admin.platform.name_hint")}
          error={err("name")}
          required
          requiredText={t("ui.required")}
          value={form.name}
          onValue={(name) => setForm({ ...form, name })}
        />
        <FormField
          id="tenant-slug"
          label={t("admin.platform.slug")}
          hint={t("admin.platform.slug_hint")}
          error={err("slug")}
          required
          requiredText={t("ui.required")}
          value={form.slug}
          onValue={(slug) => setForm({ ...form, slug })}
        />
        <FormField
          id="tenant-template"
          label={t("admin.platform.template")}
          hint={chosen?.description}
          error={form.template === "subprefeitura" ? undefined : err("template")}
          required
          requiredText={t("ui.required")}
          value={form.template}
          onValue={(template) => setForm({ ...form, template })}
          options={props.templates.map((x) => (
            <option key={x.template} value={x.template}>
              {x.name}
            </option>
          ))}
        />
        {form.template === "subprefeitura" ? (
          <FormField
            id="tenant-subprefeitura"
            label={t("admin.platform.subprefeitura")}
            error={err("template")}
            required
            requiredText={t("ui.required")}
            value={form.subprefeitura}
            onValue={(subprefeitura) => setForm({ ...form, subprefeitura })}
            options={[
              <option key="" value="">
                {t("admin.platform.choose")}
              </option>,
              ...subprefeituras.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.name} ({s.code})
                </option>
              )),
            ]}
          />
        ) : null}
        <FormField
          id="tenant-hosts"
          label={t("admin.platform.hosts")}
          hint={t("admin.platform.hosts_hint")}
          error={err("hosts")}
          value={form.hosts}
          onValue={(hosts) => setForm({ ...form, hosts })}
        />
        <FormField
          id="tenant-jurisdiction"
          label={t("admin.platform.jurisdiction")}
          hint={t("admin.platform.jurisdiction_hint")}
          error={err("jurisdictionId")}
          value={form.jurisdiction}
          onValue={(jurisdiction) => setForm({ ...form, jurisdiction })}
        />
        <button type="submit" disabled={change.busy}>
          {t("admin.platform.create")}
        </button>
      </form>
    </section>
  );
}

/** One tenant: suspend it with a reason or resume it, and give or take away its host names. */
export function ManageTenant(props: {
  env: StaffEnv;
  tenant: PlatformTenant;
  onChanged: () => void;
  onClose: () => void;
}) {
  const { t, locale } = props.env;
  const { tenant } = props;
  const base = `/api/v1/platform/tenants/${encodeURIComponent(tenant.slug)}`;
  const [reason, setReason] = useState("");
  const [host, setHost] = useState("");
  const change = useChange();
  const act = async (work: () => Promise<unknown>, done: string) => {
    const ok = await change.run(() => work().then(() => true), done);
    if (ok) props.onChanged();
    else focusFirstInvalid();
    return ok;
  };
  const suspend = (e: Event) => {
    e.preventDefault();
    void act(
      () => sendJson(`${base}/suspend`, { reason }, locale),
      t("admin.platform.suspended_done", { name: tenant.name }),
    ).then((ok) => ok && setReason(""));
  };
  const addHost = (e: Event) => {
    e.preventDefault();
    void act(
      () => sendJson(`${base}/hosts`, { host: host.trim() }, locale),
      t("admin.platform.host_added", { host: host.trim() }),
    ).then((ok) => ok && setHost(""));
  };
  return (
    <section class="card" aria-labelledby="manage-tenant-title">
      <h2 id="manage-tenant-title" tabIndex={-1}>
        {t("admin.platform.managing", { name: tenant.name })}
      </h2>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      {tenant.home ? (
        <p>{t("admin.platform.home_fixed")}</p>
      ) : tenant.status === "suspended" ? (
        <p>
          <button
            type="button"
            disabled={change.busy}
            onClick={() =>
              void act(
                () => sendJson(`${base}/resume`, undefined, locale),
                t("admin.platform.resumed_done", { name: tenant.name }),
              )
            }
          >
            {t("admin.platform.resume")}
          </button>
        </p>
      ) : (
        <form onSubmit={suspend}>
          <FormField
            id="suspend-reason"
            label={t("admin.platform.reason")}
            hint={t("admin.platform.reason_hint")}
            error={errorOf(change.problem, "reason", t)}
            required
            requiredText={t("ui.required")}
            value={reason}
            onValue={setReason}
          />
          <button type="submit" disabled={change.busy}>
            {t("admin.platform.suspend")}
          </button>
        </form>
      )}
      <h3 id="manage-hosts-title" tabIndex={-1}>
        {t("admin.platform.hosts")}
      </h3>
      {tenant.hosts.length > 0 ? (
        <ul class="a-plain">
          {tenant.hosts.map((h) => (
            <li key={h}>
              {h}{" "}
              <ConfirmButton
                t={t}
                label={t("admin.platform.remove_host")}
                labelDetail={h}
                question={t("admin.platform.remove_host_question", { host: h })}
                disabled={change.busy}
                focusAfter="manage-hosts-title"
                onConfirm={() =>
                  act(
                    () => sendJson(`${base}/hosts/${encodeURIComponent(h)}`, undefined, locale, "DELETE"),
                    t("admin.platform.host_removed", { host: h }),
                  )
                }
              />
            </li>
          ))}
        </ul>
      ) : (
        <p>{t("admin.platform.no_hosts_path", { slug: tenant.slug })}</p>
      )}
      <form onSubmit={addHost}>
        <FormField
          id="add-host"
          label={t("admin.platform.new_host")}
          hint={t("admin.platform.new_host_hint")}
          error={errorOf(change.problem, "host", t)}
          required
          requiredText={t("ui.required")}
          value={host}
          onValue={setHost}
        />
        <button type="submit" disabled={change.busy}>
          {t("admin.platform.add_host")}
        </button>
      </form>
      <p>
        <button type="button" onClick={props.onClose}>
          {t("admin.common.close")}
        </button>
      </p>
    </section>
  );
}
