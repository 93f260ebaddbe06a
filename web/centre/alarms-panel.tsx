/**
 * The centre's alarm panel: the unacknowledged deadline and delivery alarms, newest first — for whom (level),
 * what is late (the demand, its work order and department) and since when — read again as soon as the live stream
 * carries an alarm. The alarms that were not there before stay highlighted a few seconds and are announced politely;
 * roles that may acknowledge get a button per alarm.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { type Alarm, alarmClass, describeAlarm } from "../ui/alarms.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";

/** How many alarms the panel lists (the back-office inbox has them all). */
const SHOWN = 50;
/** How long a new alarm stays highlighted. */
const NEW_FOR_MS = 8_000;
/** Alarms come in bursts (a breach and its escalation in one scan): one read per burst. */
const READ_AFTER_MS = 200;

/**
 * `signal` moves when the live stream carries an alarm (or a reset), `tick` with the centre's periodic refresh.
 */
export function AlarmsPanel(props: { env: StaffEnv; signal: number; tick: number }) {
  const { env, signal, tick } = props;
  const { t, locale, can } = env;
  const [alarms, setAlarms] = useState<Alarm[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [fresh, setFresh] = useState<ReadonlySet<number>>(new Set());
  const [announcement, setAnnouncement] = useState("");
  const [version, setVersion] = useState(0);
  const known = useRef<Set<number> | null>(null);
  const newest = useRef("");
  const freshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const acknowledging = useRef(false);
  const mayAcknowledge = can("alarms.acknowledge");

  // A live alarm: read again shortly, once for the whole burst.
  useEffect(() => {
    if (signal === 0) return;
    const timer = setTimeout(() => setVersion((v) => v + 1), READ_AFTER_MS);
    return () => clearTimeout(timer);
  }, [signal]);
  useEffect(() => () => clearTimeout(freshTimer.current), []);

  useEffect(() => {
    let stale = false;
    api<Alarm[]>(`/api/v1/alarms?open=true&limit=${SHOWN}`, { cache: "no-store" }, locale)
      .then((list) => {
        if (stale) return;
        // The first read marks nothing new; later ones mark (and announce) the alarms never listed before and
        // raised since the newest one listed (not older ones moving up from past the limit after an acknowledgement).
        const before = known.current;
        const latest = newest.current;
        known.current = new Set([...(before ?? []), ...list.map((a) => a.id)]);
        if (list[0] && list[0].raisedAt > latest) newest.current = list[0].raisedAt;
        setAlarms(list);
        setProblem(null);
        if (!before) return;
        const added = list.filter((a) => !before.has(a.id) && a.raisedAt >= latest);
        if (added.length === 0) return;
        setFresh(new Set(added.map((a) => a.id)));
        clearTimeout(freshTimer.current);
        freshTimer.current = setTimeout(() => setFresh(new Set()), NEW_FOR_MS);
        const first = added[0]!;
        setAnnouncement(
          t("centre.alarms.announce", {
            count: added.length,
            what: describeAlarm(first, t, "centre.alarms"),
            protocol: first.protocol ?? "—",
          }),
        );
      })
      .catch((e) => !stale && setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", "")));
    return () => {
      stale = true;
    };
  }, [version, tick, locale]);

  const acknowledge = async (alarm: Alarm) => {
    if (acknowledging.current) return;
    acknowledging.current = true;
    setProblem(null);
    try {
      await send(`/api/v1/alarms/${alarm.id}/acknowledge`, undefined, locale);
      setAnnouncement(t("centre.alarms.acknowledged", { protocol: alarm.protocol ?? "—" }));
      setVersion((v) => v + 1);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    } finally {
      acknowledging.current = false;
    }
  };

  const list = alarms ?? [];
  return (
    <section class="centre-alarms" aria-labelledby="centre-alarms">
      <h2 id="centre-alarms">{t("centre.alarms.title")}</h2>
      <p class="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <ProblemAlert problem={problem} t={t} />
      <p class="hint" data-total={alarms ? list.length : ""}>
        {alarms === null
          ? t("ui.loading")
          : list.length === 0
            ? t("centre.alarms.empty")
            : t("centre.alarms.count", { count: list.length })}
      </p>
      {list.length > 0 ? (
        <ul class="centre-alarm-list">
          {list.map((a) => (
            <li
              key={a.id}
              data-alarm={a.id}
              data-protocol={a.protocol ?? ""}
              class={fresh.has(a.id) ? "centre-alarm centre-alarm-new" : "centre-alarm"}
            >
              <p class="centre-alarm-head">
                <span class={`centre-alarm-level level-${a.level}`}>
                  {t(`centre.alarms.levels.${a.level}`)}
                </span>{" "}
                <strong class={alarmClass(a)}>{describeAlarm(a, t, "centre.alarms")}</strong>
                {fresh.has(a.id) ? <span class="centre-alarm-badge"> {t("centre.alarms.new")}</span> : null}
              </p>
              <p>
                {a.protocol ? (
                  <a href={withLang(`/console/demanda/${a.protocol}`, locale)}>{a.protocol}</a>
                ) : (
                  "—"
                )}
                {a.workOrderId !== null ? ` · ${t("centre.alarms.work_order", { id: a.workOrderId })}` : ""}
                {` · ${a.department ?? t("centre.alarms.no_department")}`}
              </p>
              <p class="hint">
                {t("centre.alarms.since")} <time dateTime={a.raisedAt}>{formatWhen(a.raisedAt, locale)}</time>
              </p>
              {mayAcknowledge ? (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => void acknowledge(a)}
                  aria-label={t("centre.alarms.acknowledge_one", { protocol: a.protocol ?? "—" })}
                >
                  {t("centre.alarms.acknowledge")}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
