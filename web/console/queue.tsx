/**
 * The triage queue: the waiting demands, most urgent first, who holds each and until when, and "take next". It
 * follows the live stream: a demand queued, dispatched, merged or cancelled anywhere redraws the list.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { LiveBadge } from "../ui/live.tsx";
import { navigate } from "../ui/router.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { send } from "../ui/staff.tsx";
import { type ConsoleProps, keepFocus, PATHS } from "./env.ts";

/** One line of GET /api/v1/triage/queue. */
export interface QueueLine {
  protocol: string;
  status: string;
  service: string;
  openedAt: string;
  dueAt: string | null;
  priority: number;
  claimedBy: number | null;
  claimedUntil: string | null;
}

/** What POST /api/v1/triage/next answers: the demand now held, its possible duplicates and proposed services. */
export interface Taken {
  protocol: string;
  claimedUntil: string;
  duplicates: { protocol: string; status: string; distanceM: number }[];
  suggestions: { code: string; name: string; score: number }[];
}

/** The last item each protocol was taken with, so its screen shows the proposals without asking again. */
export const takenItems = new Map<string, Taken>();

/** Takes the most urgent unclaimed demand (or the one the agent already holds) and opens it; false when empty. */
export async function takeNext(locale: string): Promise<boolean> {
  const taken = await send<Taken | undefined>("/api/v1/triage/next", undefined, locale);
  if (!taken) return false;
  takenItems.set(taken.protocol, taken);
  navigate(withLang(PATHS.demand(taken.protocol), locale));
  return true;
}

/** Loads the queue and reloads it on every live demand event (and when a claim may have run out). */
export function useQueue(
  props: Pick<ConsoleProps, "env" | "live">,
): [QueueLine[] | null, ApiProblem | null, () => void] {
  const { locale } = props.env;
  const [lines, setLines] = useState<QueueLine[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const load = useCallback(() => {
    api<QueueLine[]>("/api/v1/triage/queue?limit=200", {}, locale)
      .then((l) => {
        setLines(l);
        setProblem(null);
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
  }, [locale]);
  useEffect(() => {
    load();
    // A burst of events (a demand filed, routed, queued) redraws the list once.
    let soon: ReturnType<typeof setTimeout> | undefined;
    const stop = props.live.subscribe((m) => {
      if (m.kind !== "reset" && !(m.kind === "event" && m.type?.startsWith("demand."))) return;
      clearTimeout(soon);
      soon = setTimeout(load, 150);
    });
    // Claims end by the clock, which sends no event: the holders' column is refreshed each minute.
    const timer = setInterval(load, 60_000);
    return () => {
      stop();
      clearTimeout(soon);
      clearInterval(timer);
    };
  }, [load]);
  return [lines, problem, load];
}

const serviceNames = new Map<string, Promise<string>>();

/** The names of the services in view, each asked once per page (the queue answers codes only). */
function useServiceNames(codes: string[], locale: string): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const key = [...new Set(codes)].sort().join(",");
  useEffect(() => {
    for (const code of key ? key.split(",") : []) {
      const cacheKey = `${locale}:${code}`;
      if (!serviceNames.has(cacheKey)) {
        serviceNames.set(
          cacheKey,
          api<{ name: string }>(`/api/v1/services/${encodeURIComponent(code)}?lang=${locale}`, {}, locale)
            .then((s) => s.name)
            .catch(() => code),
        );
      }
      serviceNames
        .get(cacheKey)!
        .then((name) => setNames((n) => (n[code] === name ? n : { ...n, [code]: name })));
    }
  }, [key, locale]);
  return names;
}

/** The queue screen. */
export function QueueScreen(props: ConsoleProps) {
  const { env, live } = props;
  const { t, locale, me } = env;
  const [lines, loadProblem] = useQueue(props);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [empty, setEmpty] = useState(false);
  const names = useServiceNames(
    (lines ?? []).map((l) => l.service),
    locale,
  );

  // A ref, not the state: a double click (or Alt+N held) comes before the next render, and would take two.
  const taking = useRef(false);
  const [busy, setBusy] = useState(false);
  const next = async () => {
    if (taking.current) return;
    taking.current = true;
    const restore = keepFocus();
    setBusy(true);
    setProblem(null);
    setEmpty(false);
    try {
      if (!(await takeNext(locale))) setEmpty(true);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : null);
    } finally {
      taking.current = false;
      setBusy(false);
      restore();
    }
  };
  const shortcuts = [{ keys: "Alt+N", label: t("console.queue.take_next"), run: next }];
  useShortcuts(shortcuts);
  const now = Date.now();

  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title" tabIndex={-1}>
        {t("console.queue.title")}
      </h1>
      <LiveBadge t={t} state={live.state} />
      <ShortcutList t={t} shortcuts={[...shortcuts, ...props.frameShortcuts]} />
      <p>
        <button type="button" onClick={next} disabled={busy}>
          {t("console.queue.take_next")} <kbd>Alt+N</kbd>
        </button>
      </p>
      {empty ? <p role="status">{t("console.queue.empty")}</p> : null}
      <ProblemAlert problem={problem ?? loadProblem} t={t} />
      {lines === null ? (
        <p role="status">{t("ui.loading")}</p>
      ) : lines.length === 0 ? (
        <p>{t("console.queue.empty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="data" data-testid="queue">
            <caption>{t("console.queue.caption", { count: lines.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("console.queue.protocol")}</th>
                <th scope="col">{t("console.queue.service")}</th>
                <th scope="col">{t("console.queue.status")}</th>
                <th scope="col">{t("console.queue.opened_at")}</th>
                <th scope="col">{t("console.queue.due_at")}</th>
                <th scope="col">{t("console.queue.held_by")}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => {
                const late = l.dueAt !== null && Date.parse(l.dueAt) < now;
                return (
                  <tr key={l.protocol} data-protocol={l.protocol}>
                    <td>
                      <a href={withLang(PATHS.demand(l.protocol), locale)} data-nav>
                        {l.protocol}
                      </a>
                    </td>
                    <td>
                      {names[l.service] ?? ""} <span class="code">{l.service}</span>
                    </td>
                    <td>{t(`status.${l.status}`)}</td>
                    <td>{formatWhen(l.openedAt, locale)}</td>
                    <td class={late ? "late" : undefined}>
                      {l.dueAt ? formatWhen(l.dueAt, locale) : "—"}
                      {late ? ` (${t("console.queue.late")})` : ""}
                    </td>
                    <td>
                      {l.claimedBy === null
                        ? t("console.queue.free")
                        : t(
                            l.claimedBy === me.id
                              ? "console.queue.held_by_you"
                              : "console.queue.held_by_other",
                            {
                              id: l.claimedBy,
                              until: formatWhen(l.claimedUntil!, locale),
                            },
                          )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
