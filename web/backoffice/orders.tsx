/**
 * The department's work orders: filters, a table sorted by due time with lateness said in words and colour, bulk
 * accept and start with each order's result, keyboard shortcuts, and live updates from the staff event stream.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { apiAll } from "../ui/all-pages.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { LiveBadge, type LiveMessage, useLive } from "../ui/live.tsx";
import { navigate } from "../ui/router.ts";
import { type Shortcut, ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import {
  type BulkResult,
  isDepartmentRole,
  LATENESS_CLASS,
  latenessOf,
  OPEN_STATES,
  PATHS,
  problemText,
  runBulk,
  STATES,
  type WorkOrder,
} from "./data.ts";
import { DepartmentFilter } from "./department-filter.tsx";

/** Loads the orders of a state filter (and department, for roles that see all), reloading on live changes. */
export function useOrders(env: StaffEnv, state: string, department: string) {
  const [orders, setOrders] = useState<WorkOrder[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [version, setVersion] = useState(0);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    let stale = false;
    const query = new URLSearchParams({ state: state || OPEN_STATES.join(","), limit: "500" });
    if (department) query.set("department", department);
    api<WorkOrder[]>(`/api/v1/work-orders?${query}`, {}, env.locale)
      .then((list) => {
        if (stale) return;
        setOrders(list);
        setProblem(null);
      })
      .catch((e) => !stale && setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", "")));
    return () => {
      stale = true;
    };
  }, [state, department, version, env.locale]);
  // Any change on the stream (a new order, a colleague's action, an alarm) reloads, a few at a time.
  const live = useLive((message: LiveMessage) => {
    if (message.kind === "call") return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setVersion((v) => v + 1), 200) as unknown as number;
  });
  useEffect(() => () => clearTimeout(timer.current), []);
  return { orders, problem, live, reload: () => setVersion((v) => v + 1) };
}

/** The departments a supervisor may filter by. */
export function useDepartments(env: StaffEnv, wanted: boolean) {
  const [departments, setDepartments] = useState<{ code: string; name: string; active: boolean }[]>([]);
  useEffect(() => {
    if (!wanted) return;
    // Every page of the list (its Link rel="next"), so a city's last departments are offered too.
    apiAll<{ code: string; name: string; active: boolean }>("/api/v1/departments", env.locale)
      .then((list) => setDepartments(list.filter((d) => d.active)))
      .catch(() => setDepartments([]));
  }, [wanted, env.locale]);
  return departments;
}

/** The due time of an order with its lateness in words, coloured. */
export function DueCell(props: { env: StaffEnv; order: WorkOrder; now: number }) {
  const { t, locale } = props.env;
  const lateness = latenessOf(props.order, props.now);
  if (!props.order.dueAt) return <span>{t("backoffice.orders.no_due")}</span>;
  return (
    <span class={LATENESS_CLASS[lateness]} data-lateness={lateness}>
      <time dateTime={props.order.dueAt}>{formatWhen(props.order.dueAt, locale)}</time>
      {lateness === "none" ? null : ` — ${t(`backoffice.lateness.${lateness}`)}`}
    </span>
  );
}

/** The list screen. */
export function OrdersScreen(props: { env: StaffEnv; query: URLSearchParams }) {
  const { env } = props;
  const { t, locale, me, can } = env;
  const seesAll = !isDepartmentRole(me.role);
  const [state, setState] = useState(props.query.get("state") ?? "");
  const [department, setDepartment] = useState(props.query.get("department") ?? "");
  const [service, setService] = useState("");
  const [lateOnly, setLateOnly] = useState(false);
  const [text, setText] = useState(props.query.get("q") ?? "");
  const { orders, problem, live, reload } = useOrders(env, state, department);
  const departments = useDepartments(env, seesAll);
  const [checked, setChecked] = useState<Set<number>>(new Set());
  // The order looked at, by id: a live reload that reorders the list must not move it onto another row.
  const [cursorId, setCursorId] = useState<number | null>(null);
  const [results, setResults] = useState<{ action: string; list: BulkResult[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const running = useRef(false);
  const now = Date.now();

  const services = useMemo(() => {
    const seen = new Map<string, string>();
    for (const o of orders ?? []) seen.set(o.service, o.serviceName);
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [orders]);
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return (orders ?? []).filter((o) => {
      if (service && o.service !== service) return false;
      if (lateOnly && latenessOf(o, now) !== "late") return false;
      if (!needle) return true;
      return [o.protocol, o.serviceName, o.service, o.district?.name ?? "", o.department]
        .join(" ")
        .toLowerCase()
        .includes(needle);
    });
  }, [orders, service, lateOnly, text, now]);
  // Before any row is looked at, the first; once the one looked at is no longer shown, none (-1).
  const at = cursorId === null ? 0 : shown.findIndex((o) => o.id === cursorId);
  const current = at >= 0 ? shown[at] : undefined;
  // The checked orders the filters show: only these are acted on.
  const chosen = shown.filter((o) => checked.has(o.id));

  const toggle = (id: number) =>
    setChecked((was) => {
      const next = new Set(was);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const bulk = async (action: "accept" | "start") => {
    // With nothing checked, the row looked at; checked orders the filters hide are never acted on.
    const targets = chosen.length > 0 ? chosen : checked.size === 0 && current ? [current] : [];
    if (targets.length === 0 || running.current) return;
    running.current = true;
    setBusy(true);
    const list = await runBulk(targets, action, locale);
    running.current = false;
    setBusy(false);
    setResults({ action, list });
    setChecked(new Set(list.filter((r) => !r.ok).map((r) => r.id)));
    reload();
  };
  const move = (by: number) => {
    const next = shown[at < 0 ? 0 : Math.max(0, Math.min(shown.length - 1, at + by))];
    if (!next) return;
    setCursorId(next.id);
    document.querySelector<HTMLElement>(`#order-row-${next.id} a`)?.focus();
  };
  const mayAct = can("work_orders.act");
  const shortcuts: Shortcut[] = [
    { keys: "J", label: t("backoffice.shortcuts.next"), run: () => move(1) },
    { keys: "K", label: t("backoffice.shortcuts.previous"), run: () => move(-1) },
    {
      keys: "O",
      label: t("backoffice.shortcuts.open"),
      run: () => current && navigate(withLang(PATHS.order(current.id), locale)),
    },
    ...(mayAct
      ? [
          {
            keys: "X",
            label: t("backoffice.shortcuts.select"),
            run: () => current && toggle(current.id),
          },
          { keys: "A", label: t("backoffice.shortcuts.accept_selected"), run: () => void bulk("accept") },
          { keys: "S", label: t("backoffice.shortcuts.start_selected"), run: () => void bulk("start") },
        ]
      : []),
    {
      keys: "/",
      label: t("backoffice.shortcuts.search"),
      run: () => document.getElementById("filter-text")?.focus(),
    },
  ];
  useShortcuts(shortcuts);

  return (
    <>
      <h1 tabIndex={-1}>{t("backoffice.orders.title")}</h1>
      <LiveBadge t={t} state={live} />
      <form
        class="filters row"
        aria-label={t("backoffice.filters.title")}
        onSubmit={(e) => e.preventDefault()}
      >
        <div class="field grow">
          <label for="filter-text">{t("backoffice.filters.text")}</label>
          <input
            id="filter-text"
            type="search"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="filter-state">{t("backoffice.filters.state")}</label>
          <select id="filter-state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">{t("backoffice.filters.open_states")}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`backoffice.states.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-service">{t("backoffice.filters.service")}</label>
          <select id="filter-service" value={service} onChange={(e) => setService(e.currentTarget.value)}>
            <option value="">{t("backoffice.filters.any_service")}</option>
            {services.map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </div>
        {seesAll ? (
          <DepartmentFilter
            id="filter-department"
            t={t}
            value={department}
            departments={departments}
            onChange={setDepartment}
          />
        ) : null}
        <label class="choice">
          <input type="checkbox" checked={lateOnly} onChange={(e) => setLateOnly(e.currentTarget.checked)} />
          {t("backoffice.filters.late_only")}
        </label>
      </form>
      <ProblemAlert problem={problem} t={t} />
      {mayAct ? (
        <div class="row bulk">
          <button type="button" disabled={busy || chosen.length === 0} onClick={() => void bulk("accept")}>
            {t("backoffice.bulk.accept", { count: chosen.length })}
          </button>
          <button
            type="button"
            class="secondary"
            disabled={busy || chosen.length === 0}
            onClick={() => void bulk("start")}
          >
            {t("backoffice.bulk.start", { count: chosen.length })}
          </button>
        </div>
      ) : null}
      <BulkResults env={env} results={results} />
      {orders === null ? (
        <p role="status">{t("ui.loading")}</p>
      ) : (
        <div class="table-wrap">
          <table class="data orders">
            <caption>{t("backoffice.orders.caption", { count: shown.length })}</caption>
            <thead>
              <tr>
                {mayAct ? (
                  <th scope="col">
                    <span class="visually-hidden">{t("backoffice.orders.select")}</span>
                  </th>
                ) : null}
                <th scope="col">{t("backoffice.orders.protocol")}</th>
                <th scope="col">{t("backoffice.orders.service")}</th>
                <th scope="col">{t("backoffice.orders.district")}</th>
                <th scope="col">{t("backoffice.orders.state")}</th>
                <th scope="col">{t("backoffice.orders.due")}</th>
                <th scope="col">{t("backoffice.orders.alarms")}</th>
                {seesAll ? <th scope="col">{t("backoffice.orders.department")}</th> : null}
              </tr>
            </thead>
            <tbody>
              {shown.map((o) => (
                <tr
                  key={o.id}
                  id={`order-row-${o.id}`}
                  data-protocol={o.protocol}
                  aria-selected={current?.id === o.id}
                >
                  {mayAct ? (
                    <td>
                      <input
                        type="checkbox"
                        id={`check-${o.id}`}
                        aria-label={t("backoffice.orders.select_one", { protocol: o.protocol })}
                        checked={checked.has(o.id)}
                        onChange={() => toggle(o.id)}
                      />
                    </td>
                  ) : null}
                  <td>
                    <a href={withLang(PATHS.order(o.id), locale)} data-nav onFocus={() => setCursorId(o.id)}>
                      {o.protocol}
                    </a>
                  </td>
                  <td>{o.serviceName}</td>
                  <td>{o.district?.name ?? "—"}</td>
                  <td data-state={o.state}>{t(`backoffice.states.${o.state}`)}</td>
                  <td>
                    <DueCell env={env} order={o} now={now} />
                  </td>
                  <td>
                    {o.openAlarms > 0 ? (
                      <span class="late">{t("backoffice.orders.alarm_count", { count: o.openAlarms })}</span>
                    ) : (
                      "0"
                    )}
                  </td>
                  {seesAll ? <td>{o.department}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? <p>{t("backoffice.orders.empty")}</p> : null}
        </div>
      )}
      <ShortcutList t={t} shortcuts={shortcuts} />
    </>
  );
}

/** Each order's result of the last bulk action; a refused one says why, in the server's words. */
function BulkResults(props: { env: StaffEnv; results: { action: string; list: BulkResult[] } | null }) {
  const { t } = props.env;
  return (
    <div role="status" class="bulk-results">
      {props.results ? (
        <>
          <h2>{t(`backoffice.bulk.result_${props.results.action}`)}</h2>
          <ul>
            {props.results.list.map((r) => (
              <li key={r.id} data-result={r.ok ? "ok" : "refused"}>
                <strong>{r.protocol}</strong>:{" "}
                {r.ok
                  ? t("backoffice.bulk.done")
                  : t("backoffice.bulk.refused", {
                      reason: problemText(r.problem!, t("backoffice.bulk.failed")),
                    })}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
