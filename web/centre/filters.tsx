/**
 * The centre's filters: service group, service, department, district, subprefeitura, channel, status, age and late,
 * with the comparison period, the heat layer and the times' clock. Each change rewrites the URL (selection.ts), so
 * every panel reads it and a wall screen keeps it. The lists come from the catalogue, organisation and areas APIs.
 */
import { useEffect, useState } from "preact/hooks";
import { DEMAND_CHANNELS } from "../../domain/channels.ts";
import { DEMAND_STATUSES } from "../../domain/status.ts";
import { api } from "../ui/api.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import type { FilterKey, Selection } from "./selection.ts";

interface Option {
  code: string;
  name: string;
}

/** The choices of each listed filter, read once per language. */
export interface FilterLists {
  serviceGroups: Option[];
  services: Option[];
  departments: Option[];
  districts: Option[];
  subprefeituras: Option[];
}

const EMPTY: FilterLists = {
  serviceGroups: [],
  services: [],
  departments: [],
  districts: [],
  subprefeituras: [],
};

/** Reads the lists of services, departments, districts and subprefeituras (a failed one stays empty). */
export function useFilterLists(locale: string): FilterLists {
  const [lists, setLists] = useState<FilterLists>(EMPTY);
  useEffect(() => {
    const read = <T,>(path: string, pick: (body: T) => Option[]) =>
      api<T>(path, {}, locale)
        .then(pick)
        .catch(() => [] as Option[]);
    const sortByName = (list: Option[]) => [...list].sort((a, b) => a.name.localeCompare(b.name, locale));
    void Promise.all([
      read<Option[]>("/api/v1/service-groups", (b) => b),
      read<Option[]>("/api/v1/services?limit=1000", (b) => b),
      read<Option[]>("/api/v1/departments?limit=1000", (b) => b),
      read<{ items: Option[] }>("/api/v1/districts", (b) => b.items),
      read<{ items: Option[] }>("/api/v1/subprefeituras", (b) => b.items),
    ]).then(([serviceGroups, services, departments, districts, subprefeituras]) =>
      setLists({
        serviceGroups: sortByName(serviceGroups),
        services: sortByName(services),
        departments: sortByName(departments),
        districts,
        subprefeituras,
      }),
    );
  }, [locale]);
  return lists;
}

/** The form of the filters; `onChange` receives the whole new selection. */
export function FiltersForm(props: {
  env: StaffEnv;
  selection: Selection;
  lists: FilterLists;
  onChange: (selection: Selection) => void;
}) {
  const { env, selection, lists, onChange } = props;
  const { t } = env;
  const set = (key: FilterKey, value: string) =>
    onChange({ ...selection, filters: { ...selection.filters, [key]: value || undefined }, drill: null });
  const select = (key: FilterKey, options: Option[]) => (
    <label class="centre-filter">
      {t(`centre.filters.${key}`)}
      <select
        name={key}
        value={selection.filters[key] ?? ""}
        onChange={(e) => set(key, (e.target as HTMLSelectElement).value)}
      >
        <option value="">{t("centre.filters.all")}</option>
        {options.map((o) => (
          <option key={o.code} value={o.code}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
  const named = (codes: readonly string[], prefix: string) =>
    codes.map((code) => ({ code, name: t(`${prefix}${code}`) }));
  const active = Object.keys(selection.filters).length > 0;
  return (
    <form class="centre-filters" aria-label={t("centre.filters.title")} onSubmit={(e) => e.preventDefault()}>
      {select("serviceGroup", lists.serviceGroups)}
      {select("service", lists.services)}
      {select("department", lists.departments)}
      {select("district", lists.districts)}
      {select("subprefeitura", lists.subprefeituras)}
      {select("channel", named(DEMAND_CHANNELS, "centre.channels."))}
      {select("status", named(DEMAND_STATUSES, "status."))}
      <label class="centre-filter">
        {t("centre.filters.age")}
        <input
          name="age"
          type="number"
          inputMode="numeric"
          min={1}
          max={36500}
          value={selection.filters.age ?? ""}
          onChange={(e) => {
            const n = Number((e.target as HTMLInputElement).value);
            set("age", Number.isInteger(n) && n >= 1 && n <= 36_500 ? String(n) : "");
          }}
        />
      </label>
      {select("late", [
        { code: "true", name: t("centre.filters.late_yes") },
        { code: "false", name: t("centre.filters.late_no") },
      ])}
      <label class="centre-filter">
        {t("centre.filters.compare")}
        <select
          name="compare"
          value={selection.compare || "none"}
          onChange={(e) => {
            const v = (e.target as HTMLSelectElement).value;
            onChange({ ...selection, compare: v === "none" ? "" : (v as Selection["compare"]) });
          }}
        >
          <option value="previous-month">{t("centre.filters.previous_month")}</option>
          <option value="previous-year">{t("centre.filters.previous_year")}</option>
          <option value="none">{t("centre.filters.no_compare")}</option>
        </select>
      </label>
      <label class="centre-filter">
        {t("centre.filters.clock")}
        <select
          name="clock"
          value={selection.clock}
          onChange={(e) =>
            onChange({ ...selection, clock: (e.target as HTMLSelectElement).value as Selection["clock"] })
          }
        >
          <option value="business">{t("centre.filters.clock_business")}</option>
          <option value="calendar">{t("centre.filters.clock_calendar")}</option>
        </select>
      </label>
      {active ? (
        <button type="button" onClick={() => onChange({ ...selection, filters: {}, drill: null })}>
          {t("centre.filters.clear")}
        </button>
      ) : null}
    </form>
  );
}
