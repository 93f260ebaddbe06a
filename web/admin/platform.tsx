/**
 * The platform operator's section (Cidades): every tenant of the install with its status, host names and counts;
 * a new one made from a template, shown as being prepared and read again every few seconds until it is ready (the
 * change of state is read out); one tenant's suspension with a reason, its resumption and its host names. The
 * server answers these routes on the home tenant only.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, type Translate } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { StatusLine } from "./change.tsx";
import { focusById } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import { ManageTenant, NewTenant } from "./platform-forms.tsx";

/** A tenant as GET /api/v1/platform/tenants lists it. */
export interface PlatformTenant {
  id: number;
  slug: string;
  name: string;
  status: "provisioning" | "active" | "suspended";
  home: boolean;
  hosts: string[];
  jurisdictionId: string | null;
  createdAt: string;
  suspendedAt: string | null;
  suspendedReason: string | null;
  counts: { demands: number; staffUsers: number; services: number };
}

/** A template as GET /api/v1/platform/templates lists it. */
export interface Template {
  template: "empty" | "sao-paulo" | "subprefeitura";
  name: string;
  description: string;
  subprefeituras?: { code: string; name: string }[];
}

/** How often the list is read again while a tenant is being prepared. */
const REFRESH_MS = 2000;

/** A tenant's state in words, with the reason and time of a suspension. */
function StatusText(props: { t: Translate; locale: string; tenant: PlatformTenant }) {
  const { t, locale, tenant } = props;
  if (tenant.status === "provisioning") return <strong>{t("admin.platform.status_provisioning")}</strong>;
  if (tenant.status === "active") return <span>{t("admin.platform.status_active")}</span>;
  return (
    <span>
      <strong>{t("admin.platform.status_suspended")}</strong>
      {tenant.suspendedAt ? (
        <>
          <br />
          {t("admin.platform.suspended_at", { when: formatWhen(tenant.suspendedAt, locale) })}
        </>
      ) : null}
      {tenant.suspendedReason ? (
        <>
          <br />
          {t("admin.platform.reason_is", { reason: tenant.suspendedReason })}
        </>
      ) : null}
    </span>
  );
}

/** The cities section of the platform operator. */
export function PlatformScreen(props: AdminScreenProps) {
  const { env } = props;
  const { t, locale } = env;
  const [tenants, loadProblem, reload] = useLoad<PlatformTenant[]>("/api/v1/platform/tenants", locale);
  const [templates, templatesProblem] = useLoad<Template[]>("/api/v1/platform/templates", locale);
  const [managing, setManaging] = useState<string | null>(null);
  const [announced, setAnnounced] = useState("");
  const preparing = (tenants ?? []).some((x) => x.status === "provisioning");
  // Read again while one is being prepared: its job loads the template on the worker.
  useEffect(() => {
    if (!preparing) return;
    const timer = setTimeout(reload, REFRESH_MS);
    return () => clearTimeout(timer);
  }, [tenants, preparing, reload]);
  // Says when a tenant that was being prepared is ready, or could not be made.
  const seen = useRef(new Map<string, PlatformTenant["status"]>());
  useEffect(() => {
    for (const tenant of tenants ?? []) {
      const before = seen.current.get(tenant.slug);
      if (before === "provisioning" && tenant.status === "active")
        setAnnounced(t("admin.platform.ready", { name: tenant.name }));
      if (before === "provisioning" && tenant.status === "suspended")
        setAnnounced(t("admin.platform.failed", { name: tenant.name }));
      seen.current.set(tenant.slug, tenant.status);
    }
  }, [tenants, t]);
  const shortcuts = [
    {
      keys: "Alt+N",
      label: t("admin.platform.shortcut_new"),
      run: () => document.getElementById("tenant-name")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  const tenant = tenants?.find((x) => x.slug === managing) ?? null;
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.platform")}</h1>
      <p>{t("admin.platform.intro")}</p>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem ?? templatesProblem} t={t} />
      <StatusLine text={announced} />
      <h2 id="tenants-title" tabIndex={-1}>
        {t("admin.platform.list")}
      </h2>
      <div class="table-wrap">
        <table class="data">
          <caption>{t("admin.platform.caption", { count: tenants?.length ?? 0 })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.platform.name")}</th>
              <th scope="col">{t("admin.platform.status")}</th>
              <th scope="col">{t("admin.platform.hosts")}</th>
              <th scope="col">{t("admin.platform.counts")}</th>
              <th scope="col">{t("admin.platform.created")}</th>
              <th scope="col">{t("admin.platform.actions_col")}</th>
            </tr>
          </thead>
          <tbody>
            {(tenants ?? []).map((x) => (
              <tr key={x.slug} data-tenant={x.slug}>
                <th scope="row">
                  {x.name}
                  <br />
                  <code>/t/{x.slug}</code>
                  {x.home ? (
                    <>
                      <br />
                      {t("admin.platform.home")}
                    </>
                  ) : null}
                </th>
                <td>
                  <StatusText t={t} locale={locale} tenant={x} />
                </td>
                <td>
                  {x.hosts.length > 0 ? (
                    <ul class="a-plain">
                      {x.hosts.map((h) => (
                        <li key={h}>{h}</li>
                      ))}
                    </ul>
                  ) : (
                    t("admin.platform.no_hosts")
                  )}
                  {x.jurisdictionId ? (
                    <p>{t("admin.platform.jurisdiction_is", { id: x.jurisdictionId })}</p>
                  ) : null}
                </td>
                <td>
                  <ul class="a-plain">
                    <li>{t("admin.platform.demands_count", { count: x.counts.demands })}</li>
                    <li>{t("admin.platform.staff_count", { count: x.counts.staffUsers })}</li>
                    <li>{t("admin.platform.services_count", { count: x.counts.services })}</li>
                  </ul>
                </td>
                <td>{formatWhen(x.createdAt, locale)}</td>
                <td>
                  <button
                    type="button"
                    id={`tenant-manage-${x.slug}`}
                    aria-label={t("admin.platform.manage_named", { name: x.name })}
                    onClick={() => {
                      setManaging(x.slug);
                      focusById("manage-tenant-title");
                    }}
                  >
                    {t("admin.platform.manage")}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {tenant ? (
        <ManageTenant
          key={tenant.slug}
          env={env}
          tenant={tenant}
          onChanged={reload}
          onClose={() => {
            setManaging(null);
            focusById(`tenant-manage-${tenant.slug}`);
          }}
        />
      ) : null}
      <NewTenant env={env} templates={templates ?? []} onCreated={reload} />
    </section>
  );
}
