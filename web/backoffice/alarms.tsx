/**
 * The alarm inbox of focal points and supervisors: deadline and delivery alarms newest first, live; each is
 * acknowledged ("someone is on it") with one button or a key.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { type Alarm, alarmClass, describeAlarm } from "../ui/alarms.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { LiveBadge, useLive } from "../ui/live.tsx";
import { type Shortcut, ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { PATHS } from "./data.ts";

/** The inbox screen. */
export function AlarmsScreen(props: { env: StaffEnv }) {
  const { env } = props;
  const { t, locale, can } = env;
  const [all, setAll] = useState(false);
  const [alarms, setAlarms] = useState<Alarm[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [notice, setNotice] = useState("");
  const [version, setVersion] = useState(0);
  // The alarm looked at, by id: a live reload that reorders the list must not move it onto another row.
  const [cursorId, setCursorId] = useState<number | null>(null);
  const acknowledging = useRef(false);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    let stale = false;
    api<Alarm[]>(`/api/v1/alarms?open=${all ? "false" : "true"}&limit=200`, {}, locale)
      .then((list) => {
        if (stale) return;
        setAlarms(list);
        setProblem(null);
      })
      .catch((e) => !stale && setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", "")));
    return () => {
      stale = true;
    };
  }, [all, version, locale]);
  const live = useLive((message) => {
    if (message.kind !== "alarm" && message.kind !== "reset") return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setVersion((v) => v + 1), 200) as unknown as number;
  });
  useEffect(() => () => clearTimeout(timer.current), []);

  const mayAcknowledge = can("alarms.acknowledge");
  const list = alarms ?? [];
  // Before any row is looked at, the first; once the one looked at is gone, none (-1).
  const at = cursorId === null ? 0 : list.findIndex((a) => a.id === cursorId);
  const current = at >= 0 ? list[at] : undefined;
  const acknowledge = async (alarm: Alarm | undefined) => {
    if (!alarm || alarm.acknowledgedAt || !mayAcknowledge || acknowledging.current) return;
    acknowledging.current = true;
    setProblem(null);
    try {
      await send(`/api/v1/alarms/${alarm.id}/acknowledge`, undefined, locale);
      setNotice(t("backoffice.alarms.acknowledged", { protocol: alarm.protocol ?? "—" }));
      setVersion((v) => v + 1);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      acknowledging.current = false;
    }
  };
  const move = (by: number) => {
    const next = list[at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + by))];
    if (!next) return;
    setCursorId(next.id);
    document.querySelector<HTMLElement>(`#alarm-${next.id} button, #alarm-${next.id} a`)?.focus();
  };
  const shortcuts: Shortcut[] = [
    { keys: "J", label: t("backoffice.shortcuts.next_alarm"), run: () => move(1) },
    { keys: "K", label: t("backoffice.shortcuts.previous_alarm"), run: () => move(-1) },
    ...(mayAcknowledge
      ? [{ keys: "A", label: t("backoffice.shortcuts.acknowledge"), run: () => void acknowledge(current) }]
      : []),
  ];
  useShortcuts(shortcuts);

  return (
    <>
      <h1 tabIndex={-1}>{t("backoffice.alarms.title")}</h1>
      <LiveBadge t={t} state={live} />
      <label class="choice">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
        {t("backoffice.alarms.show_all")}
      </label>
      <div role="status">{notice ? <p class="notice">{notice}</p> : null}</div>
      <ProblemAlert problem={problem} t={t} />
      {alarms === null ? (
        <p role="status">{t("ui.loading")}</p>
      ) : (
        <div class="table-wrap">
          <table class="data alarms">
            <caption>{t("backoffice.alarms.caption", { count: list.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("backoffice.alarms.raised_at")}</th>
                <th scope="col">{t("backoffice.alarms.what")}</th>
                <th scope="col">{t("backoffice.alarms.level")}</th>
                <th scope="col">{t("backoffice.orders.protocol")}</th>
                <th scope="col">{t("backoffice.orders.department")}</th>
                <th scope="col">{t("backoffice.alarms.status")}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.id} id={`alarm-${a.id}`} data-alarm={a.id} aria-selected={current?.id === a.id}>
                  <td>
                    <time dateTime={a.raisedAt}>{formatWhen(a.raisedAt, locale)}</time>
                  </td>
                  <td class={alarmClass(a)}>{describeAlarm(a, t, "backoffice.alarms")}</td>
                  <td>{t(`backoffice.alarms.levels.${a.level}`)}</td>
                  <td>
                    {a.protocol ? (
                      <a
                        href={withLang(`${PATHS.orders}?q=${a.protocol}`, locale)}
                        data-nav
                        onFocus={() => setCursorId(a.id)}
                      >
                        {a.protocol}
                      </a>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>{a.department ?? "—"}</td>
                  <td>
                    {a.acknowledgedAt ? (
                      t("backoffice.alarms.seen", { at: formatWhen(a.acknowledgedAt, locale) })
                    ) : mayAcknowledge ? (
                      <button
                        type="button"
                        class="secondary"
                        onFocus={() => setCursorId(a.id)}
                        onClick={() => void acknowledge(a)}
                        aria-label={t("backoffice.alarms.acknowledge_one", { protocol: a.protocol ?? "—" })}
                      >
                        {t("backoffice.alarms.acknowledge")}
                      </button>
                    ) : (
                      t("backoffice.alarms.open")
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.length === 0 ? <p>{t("backoffice.alarms.empty")}</p> : null}
        </div>
      )}
      <ShortcutList t={t} shortcuts={shortcuts} />
    </>
  );
}
