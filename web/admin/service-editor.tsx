/**
 * The editor of one service: names per language, group, type, priority, deadline, switches and extra fields, sent
 * whole as PATCH /api/v1/services/:code (or POST /api/v1/services for a new one). The server's problems are shown
 * beside the fields they name.
 */
import { useEffect, useState } from "preact/hooks";
import { DEFAULT_SERVICE_CHANNELS } from "../../domain/channels.ts";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import { asProblem, useLoad } from "../ui/load.ts";
import { navigate } from "../ui/router.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { DEADLINE_UNITS, localized, type ServiceSource } from "./catalogue.ts";
import { StatusLine } from "./change.tsx";
import { FieldError, FormField, fieldProblems, focusFirstInvalid } from "./form-field.tsx";
import { AttributesEditor } from "./service-attributes.tsx";
import { ServiceFlow } from "./service-flow.tsx";

const DEMAND_TYPES = ["request", "complaint", "report", "compliment", "suggestion", "information"];
const LANGS = ["pt-BR", "en", "es"] as const;

const BLANK: ServiceSource = {
  code: "",
  group: "",
  name: { "pt-BR": "" },
  description: {},
  keywords: [],
  demandType: "request",
  locationRequired: false,
  anonymousAllowed: false,
  attributes: [],
  deadline: { amount: 20, unit: "business_days" },
  acceptanceDeadline: null,
  autoDispatch: true,
  priority: 3,
  requirements: {},
  channels: [...DEFAULT_SERVICE_CHANNELS],
  active: true,
  sensitive: false,
};

interface Group {
  code: string;
  parent: string | null;
  name: string;
}

/** Edits the service with `code`, or a new one when `code` is null. */
export function ServiceEditor(props: { env: StaffEnv; code: string | null }) {
  const { t, locale } = props.env;
  const isNew = props.code === null;
  const [loaded, loadProblem] = useLoad<ServiceSource>(
    isNew ? null : `/api/v1/catalogue/services/${encodeURIComponent(props.code ?? "")}`,
    locale,
  );
  const [groups] = useLoad<Group[]>("/api/v1/service-groups", locale);
  const [draft, setDraft] = useState<ServiceSource | null>(isNew ? BLANK : null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (loaded) setDraft(loaded);
  }, [loaded]);
  const errors = fieldProblems(problem, t);
  const set = (change: Partial<ServiceSource>) => setDraft((d) => (d ? { ...d, ...change } : d));

  const save = async (event: Event) => {
    event.preventDefault();
    if (!draft) return;
    setBusy(true);
    setStatus("");
    setProblem(null);
    const attributes = draft.attributes.map((a, i) => ({ ...a, order: i + 1 }));
    const name = clean(draft.name);
    const body = {
      group: draft.group,
      name,
      demandType: draft.demandType,
      priority: draft.priority,
      deadline: draft.deadline,
      active: draft.active,
      sensitive: draft.sensitive,
      anonymousAllowed: draft.anonymousAllowed,
      locationRequired: draft.locationRequired,
      attributes,
    };
    try {
      if (isNew) {
        const created = await send<ServiceSource>("/api/v1/services", { code: draft.code, ...body }, locale);
        navigate(withLang(`/admin/servicos/${encodeURIComponent(created.code)}`, locale));
        return;
      }
      await send(
        `/api/v1/services/${encodeURIComponent(draft.code)}`,
        { ...body, autoDispatch: draft.autoDispatch },
        locale,
        "PATCH",
      );
      setStatus(t("staff.saved"));
    } catch (e) {
      setProblem(asProblem(e));
      setStatus(t("admin.services.not_saved"));
      focusFirstInvalid();
    } finally {
      setBusy(false);
    }
  };

  const title = isNew
    ? t("admin.services.new")
    : t("admin.services.edit_title", { name: draft ? localized(draft.name, locale) : (props.code ?? "") });
  return (
    <section>
      <p>
        <a href={withLang("/admin/servicos", locale)} data-nav>
          {t("admin.services.back")}
        </a>
      </p>
      <h1 tabIndex={-1}>{title}</h1>
      <ProblemAlert problem={loadProblem ?? problem} t={t} />
      {draft === null ? (
        <p role="status">{t("ui.loading")}</p>
      ) : (
        <form onSubmit={save} noValidate>
          <fieldset>
            <legend>{t("admin.services.identity")}</legend>
            {isNew ? (
              <FormField id="svc-code" label={t("admin.services.code")} error={errors.code}>
                {(control) => (
                  <input
                    {...control}
                    type="text"
                    value={draft.code}
                    required
                    onInput={(e) => set({ code: (e.target as HTMLInputElement).value.toUpperCase() })}
                  />
                )}
              </FormField>
            ) : (
              <p>
                {t("admin.services.code")}: <strong>{draft.code}</strong>
              </p>
            )}
            {LANGS.map((lang) => {
              const id = `svc-name-${lang}`;
              const error = errors[`name.${lang}`];
              return (
                <FormField key={lang} id={id} label={t(`admin.services.name_${lang}`)} error={error}>
                  {(control) => (
                    <input
                      {...control}
                      type="text"
                      lang={lang}
                      value={draft.name[lang] ?? ""}
                      required={lang === "pt-BR"}
                      onInput={(e) =>
                        set({ name: { ...draft.name, [lang]: (e.target as HTMLInputElement).value } })
                      }
                    />
                  )}
                </FormField>
              );
            })}
            <FormField
              id="svc-group"
              label={t("admin.services.group")}
              error={errors.group}
              value={draft.group}
              onValue={(text) => set({ group: text })}
              options={
                <>
                  <option value="">{t("admin.services.choose")}</option>
                  {(groups ?? []).map((g) => (
                    <option key={g.code} value={g.code}>
                      {g.parent ? `${groupName(groups ?? [], g.parent)} › ${g.name}` : g.name}
                    </option>
                  ))}
                </>
              }
            />
            <FormField
              id="svc-type"
              label={t("admin.services.type")}
              error={errors.demandType}
              value={draft.demandType}
              onValue={(text) => set({ demandType: text })}
              options={DEMAND_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t(`admin.services.types.${type}`)}
                </option>
              ))}
            />
            <FormField
              id="svc-priority"
              label={t("admin.services.priority")}
              hint={t("admin.services.priority_hint")}
              error={errors.priority}
              value={String(draft.priority)}
              onValue={(text) => set({ priority: Number(text) })}
              options={[1, 2, 3, 4, 5].map((p) => (
                <option key={p} value={String(p)}>
                  {p}
                </option>
              ))}
            />
          </fieldset>
          <fieldset>
            <legend>{t("admin.services.deadline")}</legend>
            <div class="row a-fields">
              <FormField
                id="svc-deadline-amount"
                label={t("admin.deadlines.amount")}
                error={errors["deadline.amount"]}
              >
                {(control) => (
                  <input
                    {...control}
                    type="number"
                    min={1}
                    max={10000}
                    value={String(draft.deadline.amount)}
                    onInput={(e) =>
                      set({
                        deadline: { ...draft.deadline, amount: Number((e.target as HTMLInputElement).value) },
                      })
                    }
                  />
                )}
              </FormField>
              <FormField
                id="svc-deadline-unit"
                label={t("admin.deadlines.unit")}
                error={errors["deadline.unit"]}
              >
                {(control) => (
                  <select
                    {...control}
                    value={draft.deadline.unit}
                    onChange={(e) =>
                      set({
                        deadline: {
                          ...draft.deadline,
                          unit: (e.target as HTMLSelectElement).value as ServiceSource["deadline"]["unit"],
                        },
                      })
                    }
                  >
                    {DEADLINE_UNITS.map((u) => (
                      <option key={u} value={u}>
                        {t(`admin.deadlines.units.${u}`)}
                      </option>
                    ))}
                  </select>
                )}
              </FormField>
            </div>
          </fieldset>
          <fieldset>
            <legend>{t("admin.services.switches")}</legend>
            {(
              [
                "active",
                "sensitive",
                "anonymousAllowed",
                "locationRequired",
                ...(isNew ? [] : (["autoDispatch"] as const)),
              ] as const
            ).map((key) => (
              <div class="choice" key={key}>
                <input
                  id={`svc-${key}`}
                  type="checkbox"
                  checked={draft[key]}
                  onChange={(e) => set({ [key]: (e.target as HTMLInputElement).checked })}
                />
                <label for={`svc-${key}`}>{t(`admin.services.flag_${key}`)}</label>
                <FieldError id={`svc-${key}`} text={errors[key]} />
              </div>
            ))}
          </fieldset>
          <AttributesEditor
            t={t}
            attributes={draft.attributes}
            errors={errors}
            onChange={(attributes) => set({ attributes })}
          />
          <button type="submit" disabled={busy}>
            {isNew ? t("admin.services.create") : t("staff.save")}
          </button>
          <StatusLine compact text={status} />
        </form>
      )}
      {!isNew && draft ? (
        <ServiceFlow env={props.env} code={draft.code} attributes={draft.attributes} />
      ) : null}
    </section>
  );
}

function groupName(groups: Group[], code: string): string {
  return groups.find((g) => g.code === code)?.name ?? code;
}

/** A localized text without its empty translations (pt-BR stays, even empty, so the server names it). */
function clean<T extends Record<string, string | undefined>>(text: T): T {
  const out: Record<string, string> = {};
  for (const [lang, value] of Object.entries(text)) {
    if (lang === "pt-BR" || (value ?? "").trim()) out[lang] = (value ?? "").trim();
  }
  return out as T;
}
