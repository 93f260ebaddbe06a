/**
 * The business calendar: the holidays of a chosen year by kind (national days read-only, configured ones deleted
 * here), adding a state, municipal or one-off holiday, and the settings deadlines are counted with: opening hours
 * per weekday, the time zone and the national days the city works on anyway.
 */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import { CalendarSettings } from "./calendar-settings.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField, fieldProblem } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";

interface Holiday {
  date: string;
  scope: "national" | "state" | "municipal" | "extra";
  name: string;
  key: string | null;
  id: number | null;
}

const SCOPES = ["national", "state", "municipal", "extra"] as const;

/** The calendar section. */
export function CalendarScreen(props: AdminScreenProps) {
  const { env } = props;
  const { t, locale } = env;
  const thisYear = new Date().getFullYear();
  const [year, setYear] = useState(Number(props.url.searchParams.get("ano")) || thisYear);
  const [holidays, loadProblem, reload] = useLoad<Holiday[]>(
    `/api/v1/calendar/holidays?year=${year}`,
    locale,
  );
  const change = useChange();
  const shortcuts = [
    { keys: "Alt+PageUp", label: t("admin.calendar.shortcut_prev"), run: () => setYear((y) => y - 1) },
    { keys: "Alt+PageDown", label: t("admin.calendar.shortcut_next"), run: () => setYear((y) => y + 1) },
    {
      keys: "Alt+N",
      label: t("admin.calendar.shortcut_new"),
      run: () => document.getElementById("holiday-name-pt")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  const remove = (h: Holiday) =>
    change
      .run(
        () => sendJson(`/api/v1/calendar/holidays/${h.id}`, undefined, locale, "DELETE").then(() => true),
        t("admin.calendar.deleted", { name: h.name }),
      )
      .then((ok) => {
        reload();
        return ok;
      });
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.calendar")}</h1>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem ?? change.problem} t={t} />
      <StatusLine text={change.status} />
      <form class="row" onSubmit={(e) => e.preventDefault()}>
        <FormField
          id="calendar-year"
          label={t("admin.calendar.year")}
          value={String(year)}
          onValue={(text) => setYear(Number(text))}
          options={Array.from({ length: 7 }, (_, i) => thisYear - 2 + i)
            .concat(year < thisYear - 2 || year > thisYear + 4 ? [year] : [])
            .map((y) => (
              <option key={y} value={String(y)}>
                {y}
              </option>
            ))}
        />
      </form>
      <h2 id="holidays-title" tabIndex={-1}>
        {t("admin.calendar.holidays_of", { year })}
      </h2>
      {SCOPES.map((scope) => {
        const list = (holidays ?? []).filter((h) => h.scope === scope);
        return (
          <div class="table-wrap" key={scope}>
            <table class="data">
              <caption>
                {t(`admin.calendar.scope.${scope}`)} ({list.length})
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("admin.calendar.date")}</th>
                  <th scope="col">{t("admin.calendar.name")}</th>
                  <th scope="col">{t("admin.calendar.actions_col")}</th>
                </tr>
              </thead>
              <tbody>
                {list.length === 0 ? (
                  <tr>
                    <td colSpan={3}>{t("staff.none")}</td>
                  </tr>
                ) : null}
                {list.map((h) => (
                  <tr key={`${h.date}-${h.id ?? h.key}`}>
                    <td>{new Date(`${h.date}T12:00:00Z`).toLocaleDateString(locale, { timeZone: "UTC" })}</td>
                    <th scope="row">{h.name}</th>
                    <td>
                      {h.id === null ? (
                        t("admin.calendar.read_only")
                      ) : (
                        <ConfirmButton
                          t={t}
                          label={t("staff.delete")}
                          question={t("admin.calendar.delete_question", { name: h.name })}
                          disabled={change.busy}
                          focusAfter="holidays-title"
                          onConfirm={() => remove(h)}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
      <NewHoliday env={env} year={year} onCreated={reload} />
      <CalendarSettings env={env} onSaved={reload} />
    </section>
  );
}

function NewHoliday(props: { env: StaffEnv; year: number; onCreated: () => void }) {
  const { t, locale } = props.env;
  const empty = {
    scope: "municipal",
    rule: "yearly",
    pt: "",
    en: "",
    es: "",
    date: "",
    month: "",
    day: "",
    law: "",
  };
  const [form, setForm] = useState(empty);
  const change = useChange();
  const set = (name: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const name: Record<string, string> = { "pt-BR": form.pt };
    if (form.en.trim()) name.en = form.en;
    if (form.es.trim()) name.es = form.es;
    const body = {
      scope: form.scope,
      name,
      ...(form.rule === "date" ? { date: form.date } : { month: Number(form.month), day: Number(form.day) }),
      ...(form.law.trim() ? { law: form.law } : {}),
    };
    const created = await change.run(
      () => sendJson("/api/v1/calendar/holidays", body, locale),
      t("admin.calendar.created", { name: form.pt }),
    );
    if (created) {
      setForm(empty);
      props.onCreated();
    }
  };
  const err = (field: string) => fieldProblem(change.problem, field, t);
  return (
    <section class="card" aria-labelledby="new-holiday-title">
      <h2 id="new-holiday-title">{t("admin.calendar.new")}</h2>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      <form onSubmit={submit}>
        <FormField
          id="holiday-scope"
          label={t("admin.calendar.kind")}
          required
          requiredText={t("ui.required")}
        >
          {(control) => (
            <select {...control} value={form.scope} onChange={set("scope")}>
              {(["state", "municipal", "extra"] as const).map((s) => (
                <option key={s} value={s}>
                  {t(`admin.calendar.scope.${s}`)}
                </option>
              ))}
            </select>
          )}
        </FormField>
        {(
          [
            ["pt", "pt-BR", true],
            ["en", "en", false],
            ["es", "es", false],
          ] as const
        ).map(([k, lang, required]) => (
          <FormField
            key={k}
            id={`holiday-name-${k}`}
            label={t(`admin.calendar.name_${k}`)}
            error={err(`name.${lang}`)}
            required={required}
            requiredText={t("ui.required")}
          >
            {(control) => (
              <input
                {...control}
                type="text"
                lang={lang}
                required={required}
                value={form[k]}
                onInput={set(k)}
              />
            )}
          </FormField>
        ))}
        <fieldset>
          <legend>{t("admin.calendar.when")}</legend>
          {(["yearly", "date"] as const).map((rule) => (
            <div class="choice" key={rule}>
              <input
                type="radio"
                id={`holiday-rule-${rule}`}
                name="holiday-rule"
                value={rule}
                checked={form.rule === rule}
                onChange={set("rule")}
              />
              <label for={`holiday-rule-${rule}`}>{t(`admin.calendar.rule_${rule}`)}</label>
            </div>
          ))}
          {form.rule === "date" ? (
            <FormField
              id="holiday-date"
              label={t("admin.calendar.date")}
              error={err("date")}
              required
              requiredText={t("ui.required")}
            >
              {(control) => (
                <input
                  {...control}
                  type="date"
                  required
                  value={form.date}
                  min={`${props.year - 1}-01-01`}
                  onInput={set("date")}
                />
              )}
            </FormField>
          ) : (
            <div class="row">
              <FormField
                id="holiday-day"
                label={t("admin.calendar.day")}
                error={err("day")}
                required
                requiredText={t("ui.required")}
              >
                {(control) => (
                  <input
                    {...control}
                    type="number"
                    min={1}
                    max={31}
                    required
                    value={form.day}
                    onInput={set("day")}
                  />
                )}
              </FormField>
              <FormField
                id="holiday-month"
                label={t("admin.calendar.month")}
                required
                requiredText={t("ui.required")}
              >
                {(control) => (
                  <select {...control} required value={form.month} onChange={set("month")}>
                    <option value="">—</option>
                    {Array.from({ length: 12 }, (_, i) => (
                      <option key={i} value={String(i + 1)}>
                        {new Date(Date.UTC(2000, i, 15)).toLocaleDateString(locale, {
                          month: "long",
                          timeZone: "UTC",
                        })}
                      </option>
                    ))}
                  </select>
                )}
              </FormField>
            </div>
          )}
        </fieldset>
        <FormField id="holiday-law" label={t("admin.calendar.law")} hint={t("admin.calendar.law_hint")}>
          {(control) => <input {...control} type="text" value={form.law} onInput={set("law")} />}
        </FormField>
        <button type="submit" disabled={change.busy}>
          {t("admin.calendar.add")}
        </button>
      </form>
    </section>
  );
}
