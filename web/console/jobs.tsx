/**
 * The job view, for supervisors, managers and admins: one line per outbox job (waiting, due, retrying, running, how
 * late the oldest due row is, dead rows, the class of the last error), read from GET /api/v1/jobs and read again
 * every 15 s and on demand. It tells whether the workers keep up; dead messages are handled on the undelivered
 * screen. No payload is shown: a row is named by its id and its demand's protocol.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { type ConsoleProps, PATHS } from "./env.ts";

/** One job's line, as GET /api/v1/jobs gives it. */
interface JobLine {
  job: string;
  pending: number;
  due: number;
  retrying: number;
  running: number;
  expired: number;
  oldestDueSeconds: number | null;
  dead: number;
  lastError: { id: number; state: string; protocol: string | null; errorClass: string } | null;
}

const REFRESH_MS = 15_000;

/** A delay in seconds as "45 s", "12 min" or "3 h". */
function delayText(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

export function JobsScreen(props: ConsoleProps) {
  const { t, locale } = props.env;
  const [lines, setLines] = useState<JobLine[] | null>(null);
  const [at, setAt] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const load = useCallback(() => {
    api<{ at: string; jobs: JobLine[] }>("/api/v1/jobs", {}, locale)
      .then((r) => {
        setLines(r.jobs);
        setAt(r.at);
        setProblem(null);
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", "")));
  }, [locale]);
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  const shortcuts = [{ keys: "Alt+R", label: t("console.jobs.reload"), run: load }];
  useShortcuts(shortcuts);

  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title" tabIndex={-1}>
        {t("console.jobs.title")}
      </h1>
      <p>{t("console.jobs.intro")}</p>
      <ShortcutList t={t} shortcuts={[...shortcuts, ...props.frameShortcuts]} />
      <p>
        <button type="button" onClick={load}>
          {t("console.jobs.reload")}
        </button>{" "}
        <span role="status">
          {at ? t("console.jobs.read_at", { time: new Date(at).toLocaleTimeString(locale) }) : ""}
        </span>
      </p>
      <ProblemAlert problem={problem} t={t} />
      {lines === null ? (
        <p>{t("ui.loading")}</p>
      ) : (
        <div class="table-wrap">
          <table class="data">
            <caption>{t("console.jobs.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("console.jobs.job")}</th>
                <th scope="col">{t("console.jobs.due")}</th>
                <th scope="col">{t("console.jobs.oldest")}</th>
                <th scope="col">{t("console.jobs.retrying")}</th>
                <th scope="col">{t("console.jobs.running")}</th>
                <th scope="col">{t("console.jobs.dead")}</th>
                <th scope="col">{t("console.jobs.last_error")}</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((line) => (
                <tr key={line.job}>
                  <th scope="row">
                    <code>{line.job}</code>
                  </th>
                  <td>{line.due}</td>
                  <td>{delayText(line.oldestDueSeconds)}</td>
                  <td>{line.retrying}</td>
                  <td>
                    {line.running}
                    {line.expired > 0 ? (
                      <span class="hint"> {t("console.jobs.expired", { count: line.expired })}</span>
                    ) : null}
                  </td>
                  <td>{line.dead}</td>
                  <td>{line.lastError ? <LastError t={t} error={line.lastError} locale={locale} /> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function LastError(p: {
  t: ConsoleProps["env"]["t"];
  error: NonNullable<JobLine["lastError"]>;
  locale: string;
}) {
  const { t, error } = p;
  return (
    <>
      <code>{error.errorClass}</code> · #{error.id} ·{" "}
      {t(error.state === "dead" ? "console.jobs.state_dead" : "console.jobs.state_retry")}
      {error.protocol ? (
        <>
          {" · "}
          <a href={withLang(PATHS.demand(error.protocol), p.locale)} data-nav>
            {error.protocol}
          </a>
        </>
      ) : null}
    </>
  );
}
