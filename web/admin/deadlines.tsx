/**
 * Deadlines and alarms: each service's deadline with a quick edit (PATCH /api/v1/services/:code), the alarm rules
 * (at which share of each clock which alarm goes to whom: list, add, retire), and the ombudsman's legal deadline,
 * which the law sets and nobody edits here.
 */
import { useRef, useState } from "preact/hooks";
import {
  OMBUDSMAN_DEADLINE,
  OMBUDSMAN_EXTENSION,
  OMBUDSMAN_MAX_EXTENSIONS,
} from "../../domain/business-time-legal.ts";
import { useCursorPages } from "../ui/all-pages.ts";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { AlarmRules } from "./alarm-rules.tsx";
import { DEADLINE_UNITS, localized, type ServiceSource } from "./catalogue.ts";
import { StatusLine } from "./change.tsx";
import { fieldProblems } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import { Pager } from "./pager.tsx";

const PAGE = 20;

/** The deadlines section. */
export function DeadlinesScreen(props: AdminScreenProps) {
  const { t } = props.env;
  const search = useRef<HTMLInputElement>(null);
  const shortcuts = [
    { keys: "/", label: t("admin.deadlines.shortcut_search"), run: () => search.current?.focus() },
    {
      keys: "Alt+R",
      label: t("admin.deadlines.shortcut_rules"),
      run: () => document.getElementById("rule-fraction")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.deadlines")}</h1>
      <LegalDeadline env={props.env} />
      <ServiceDeadlines env={props.env} searchRef={search} />
      <AlarmRules env={props.env} />
      <ShortcutList t={t} shortcuts={shortcuts} />
    </section>
  );
}

function LegalDeadline(props: { env: StaffEnv }) {
  const { t } = props.env;
  return (
    <section class="card" aria-labelledby="legal-title">
      <h2 id="legal-title">{t("admin.deadlines.legal_title")}</h2>
      <p>
        {t("admin.deadlines.legal_text", {
          days: OMBUDSMAN_DEADLINE.amount,
          extension: OMBUDSMAN_EXTENSION.amount,
          times: OMBUDSMAN_MAX_EXTENSIONS,
        })}
      </p>
      <p class="hint">{t("admin.deadlines.legal_readonly")}</p>
    </section>
  );
}

function ServiceDeadlines(props: { env: StaffEnv; searchRef: { current: HTMLInputElement | null } }) {
  const { t, locale } = props.env;
  const [q, setQ] = useState("");
  const [query, setQuery] = useState("");
  const path = `/api/v1/catalogue/services?limit=${PAGE}${query ? `&q=${encodeURIComponent(query)}` : ""}`;
  // Paged by the answer's Link rel="next" (decision 0037); the pages seen are the way back.
  const { items, problem, page, hasNext, next, previous, reload } = useCursorPages<ServiceSource>(
    path,
    locale,
  );
  return (
    <section aria-labelledby="service-deadlines-title">
      <h2 id="service-deadlines-title">{t("admin.deadlines.services_title")}</h2>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet read by every screen reader we support. */}
      <form
        role="search"
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
        }}
      >
        <div class="grow field">
          <label for="deadline-q">{t("admin.services.search_label")}</label>
          <input
            id="deadline-q"
            ref={props.searchRef}
            type="search"
            value={q}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          />
        </div>
        <button type="submit">{t("staff.search")}</button>
      </form>
      <ProblemAlert problem={problem} t={t} />
      <p role="status">
        {items ? t("admin.services.count", { count: items.length, page }) : t("ui.loading")}
      </p>
      {items && items.length > 0 ? (
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.deadlines.services_caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.services.code")}</th>
                <th scope="col">{t("admin.services.name")}</th>
                <th scope="col">{t("admin.deadlines.deadline_now")}</th>
                <th scope="col">{t("admin.deadlines.quick_edit")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <DeadlineRow key={s.code} env={props.env} service={s} onSaved={reload} />
              ))}
            </tbody>
          </table>
        </div>
      ) : items ? (
        <p>{t("staff.none")}</p>
      ) : null}
      {items ? (
        <Pager
          t={t}
          page={page}
          pages={hasNext ? page + 1 : page}
          onPage={(to) => (to > page ? next() : previous())}
        />
      ) : null}
    </section>
  );
}

function DeadlineRow(props: { env: StaffEnv; service: ServiceSource; onSaved: () => void }) {
  const { t, locale } = props.env;
  const s = props.service;
  const [amount, setAmount] = useState(String(s.deadline.amount));
  const [unit, setUnit] = useState<string>(s.deadline.unit);
  // Empty: the city's default acceptance deadline.
  const [accAmount, setAccAmount] = useState(s.acceptanceDeadline ? String(s.acceptanceDeadline.amount) : "");
  const [accUnit, setAccUnit] = useState<string>(s.acceptanceDeadline?.unit ?? "business_hours");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  const name = localized(s.name, locale);
  const id = `dl-${s.code}`;
  const errors = fieldProblems(problem, t);
  const error =
    errors["deadline.amount"] ??
    errors["deadline.unit"] ??
    errors["acceptanceDeadline.amount"] ??
    errors["acceptanceDeadline.unit"];
  const save = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    try {
      await send(
        `/api/v1/services/${encodeURIComponent(s.code)}`,
        {
          deadline: { amount: Number(amount), unit },
          acceptanceDeadline: accAmount.trim() ? { amount: Number(accAmount), unit: accUnit } : null,
        },
        locale,
        "PATCH",
      );
      setStatus(t("staff.saved"));
      props.onSaved();
    } catch (e) {
      setProblem(asProblem(e));
      setStatus("");
    }
  };
  return (
    <tr>
      <td>{s.code}</td>
      <td>{name}</td>
      <td>
        {t(`admin.deadlines.amount_${s.deadline.unit}`, { amount: s.deadline.amount })}
        <br />
        <span class="hint">
          {t("admin.deadlines.acceptance_now", {
            deadline: s.acceptanceDeadline
              ? t(`admin.deadlines.amount_${s.acceptanceDeadline.unit}`, {
                  amount: s.acceptanceDeadline.amount,
                })
              : t("admin.deadlines.acceptance_default"),
          })}
        </span>
      </td>
      <td>
        <form class="row a-inline" onSubmit={save} aria-label={t("admin.deadlines.edit_of", { name })}>
          <label class="visually-hidden" for={`${id}-amount`}>
            {t("admin.deadlines.amount_of", { name })}
          </label>
          <input
            id={`${id}-amount`}
            type="number"
            min={1}
            max={10000}
            size={5}
            value={amount}
            aria-describedby={error ? `${id}-error` : undefined}
            aria-invalid={error ? true : undefined}
            onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
          />
          <label class="visually-hidden" for={`${id}-unit`}>
            {t("admin.deadlines.unit_of", { name })}
          </label>
          <select
            id={`${id}-unit`}
            value={unit}
            onChange={(e) => setUnit((e.target as HTMLSelectElement).value)}
          >
            {DEADLINE_UNITS.map((u) => (
              <option key={u} value={u}>
                {t(`admin.deadlines.units.${u}`)}
              </option>
            ))}
          </select>
          <label for={`${id}-acc-amount`}>{t("admin.deadlines.acceptance_of", { name })}</label>
          <input
            id={`${id}-acc-amount`}
            type="number"
            min={1}
            max={10000}
            size={5}
            placeholder={t("admin.deadlines.acceptance_placeholder")}
            aria-label={t("admin.deadlines.acceptance_amount_of", { name })}
            value={accAmount}
            onInput={(e) => setAccAmount((e.target as HTMLInputElement).value)}
          />
          <label class="visually-hidden" for={`${id}-acc-unit`}>
            {t("admin.deadlines.acceptance_unit_of", { name })}
          </label>
          <select
            id={`${id}-acc-unit`}
            value={accUnit}
            onChange={(e) => setAccUnit((e.target as HTMLSelectElement).value)}
          >
            {DEADLINE_UNITS.map((u) => (
              <option key={u} value={u}>
                {t(`admin.deadlines.units.${u}`)}
              </option>
            ))}
          </select>
          <button type="submit">
            {t("staff.save")}
            <span class="visually-hidden"> {name}</span>
          </button>
        </form>
        {error ? (
          <p class="field-error" id={`${id}-error`}>
            {error}
          </p>
        ) : null}
        {problem && !error ? <ProblemAlert problem={problem} t={t} /> : null}
        <StatusLine compact text={status} />
      </td>
    </tr>
  );
}
