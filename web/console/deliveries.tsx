/**
 * Undelivered messages, for supervisors: the messages to citizens that no channel delivered (dead outbox rows of
 * `send-message`), newest first, with the last error (addresses removed). A supervisor sends one back to the queue
 * once the cause is fixed, or — for an answer — phones the citizen (or hands it over at a counter, by letter, on a
 * visit) and records that the answer reached them, which closes the demand. Redrawn on every live event.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { DELIVERY_MEANS } from "../../domain/channels.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { LiveBadge } from "../ui/live.tsx";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { send } from "../ui/staff.tsx";
import { type ConsoleProps, PATHS } from "./env.ts";

/** One dead row, as GET /api/v1/dead-letters lists it. */
interface DeadLetter {
  id: number;
  job: string;
  attempts: number;
  /** Why it was not delivered (the server's code, named here in the reader's language). */
  reason: "unreachable" | "refused" | "erased" | "failed" | null;
  /** The provider's own words, technical and in English. */
  lastError: string | null;
  createdAt: string;
  protocol: string | null;
  message: { id: number; template: string; channel: string | null; state: string } | null;
}

const MEANS = DELIVERY_MEANS;

export function DeliveriesScreen(props: ConsoleProps) {
  const { t, locale, can } = props.env;
  const [rows, setRows] = useState<DeadLetter[] | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  const load = useCallback(() => {
    api<DeadLetter[]>("/api/v1/dead-letters?job=send-message&limit=200", {}, locale)
      .then((r) => {
        setRows(r);
        setProblem(null);
      })
      .catch((e) => setProblem(e instanceof ApiProblem ? e : null));
  }, [locale]);
  useEffect(load, [load]);
  useEffect(() => props.live.subscribe((m) => m.kind !== "call" && load()), [props.live, load]);

  const act = async (work: () => Promise<unknown>, done: string) => {
    setProblem(null);
    setStatus("");
    try {
      await work();
      setStatus(done);
      load();
      // The pressed button goes with its row: the focus goes to the heading, the status says what happened.
      document.getElementById("deliveries-title")?.focus();
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", ""));
    }
  };
  const shortcuts = [{ keys: "Alt+R", label: t("console.deliveries.reload"), run: load }];
  useShortcuts(shortcuts);

  return (
    <section aria-labelledby="deliveries-title">
      <h1 id="deliveries-title" tabIndex={-1}>
        {t("console.deliveries.title")}
      </h1>
      <p>{t("console.deliveries.intro")}</p>
      <LiveBadge t={t} state={props.live.state} />
      <ShortcutList t={t} shortcuts={[...shortcuts, ...props.frameShortcuts]} />
      <ProblemAlert problem={problem} t={t} />
      <p role="status">{status}</p>
      {rows === null ? (
        <p>{t("ui.loading")}</p>
      ) : rows.length === 0 ? (
        <p>{t("console.deliveries.none")}</p>
      ) : (
        <div class="table-wrap">
          <table class="data">
            <caption>{t("console.deliveries.caption", { count: rows.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("console.deliveries.protocol")}</th>
                <th scope="col">{t("console.deliveries.message")}</th>
                <th scope="col">{t("console.deliveries.error")}</th>
                <th scope="col">{t("console.deliveries.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <DeadRow
                  key={row.id}
                  row={row}
                  props={props}
                  mayRetry={can("dead_letters.retry")}
                  mayRecord={can("answers.record_delivery")}
                  act={act}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The provider's words behind a refusal ("every channel refused the message; last: email: 550 …" → "email: 550 …"). */
export function technicalDetail(row: Pick<DeadLetter, "reason" | "lastError">): string | null {
  if (!row.lastError || row.reason === "unreachable" || row.reason === "erased") return null;
  const last = row.lastError.match(/; last: (.*)$/s);
  return (last?.[1] ?? row.lastError).trim() || null;
}

/** Why a message was not delivered, in the reader's language, with the provider's technical words under it. */
function UndeliveredReason(props: { t: ConsoleProps["env"]["t"]; row: DeadLetter }) {
  const { t, row } = props;
  if (!row.reason) return <>—</>;
  const technical = technicalDetail(row);
  return (
    <>
      {t(`console.deliveries.reasons.${row.reason}`)}
      {technical ? (
        <>
          <br />
          <span class="hint">
            {t("console.deliveries.technical")} <code lang="en">{technical}</code>
          </span>
        </>
      ) : null}
    </>
  );
}

function DeadRow(p: {
  row: DeadLetter;
  props: ConsoleProps;
  mayRetry: boolean;
  mayRecord: boolean;
  act: (work: () => Promise<unknown>, done: string) => Promise<void>;
}) {
  const { t, locale } = p.props.env;
  const { row } = p;
  const [means, setMeans] = useState<(typeof MEANS)[number]>("phone");
  const [note, setNote] = useState("");
  const isAnswer = row.message?.template === "demand.answered";
  const id = `dead-${row.id}`;
  return (
    <tr>
      <td>
        {row.protocol ? (
          <a href={withLang(PATHS.demand(row.protocol), locale)} data-nav>
            {row.protocol}
          </a>
        ) : (
          "—"
        )}
      </td>
      <td>
        {row.message
          ? t(`console.deliveries.templates.${row.message.template}`)
          : t(`console.deliveries.jobs.${row.job}`)}
        <br />
        <span class="hint">
          {formatWhen(row.createdAt, locale)} · {t("console.deliveries.attempts", { count: row.attempts })}
          {row.message?.channel ? ` · ${t(`console.channels.${row.message.channel}`)}` : ""}
        </span>
      </td>
      <td>
        <UndeliveredReason t={t} row={row} />
      </td>
      <td>
        {p.mayRetry ? (
          <button
            type="button"
            onClick={() =>
              p.act(
                () => send(`/api/v1/dead-letters/${row.id}/retry`, undefined, locale),
                t("console.deliveries.retried", { protocol: row.protocol ?? String(row.id) }),
              )
            }
          >
            {t("console.deliveries.retry")}
            <span class="visually-hidden"> {row.protocol ?? row.id}</span>
          </button>
        ) : null}
        {isAnswer && p.mayRecord && row.protocol ? (
          <form
            class="record-delivery"
            aria-label={t("console.deliveries.record_of", { protocol: row.protocol })}
            onSubmit={(e) => {
              e.preventDefault();
              void p.act(
                () =>
                  send(
                    `/api/v1/demands/${row.protocol}/answer-delivered`,
                    { means, ...(note.trim() ? { note: note.trim() } : {}) },
                    locale,
                  ),
                t("console.deliveries.recorded", { protocol: row.protocol! }),
              );
            }}
          >
            <label for={`${id}-means`}>{t("console.deliveries.means")}</label>
            <select
              id={`${id}-means`}
              value={means}
              onChange={(e) => setMeans((e.target as HTMLSelectElement).value as (typeof MEANS)[number])}
            >
              {MEANS.map((m) => (
                <option key={m} value={m}>
                  {t(`console.deliveries.means_${m}`)}
                </option>
              ))}
            </select>
            <label for={`${id}-note`}>{t("console.deliveries.note")}</label>
            <input
              id={`${id}-note`}
              type="text"
              value={note}
              onInput={(e) => setNote((e.target as HTMLInputElement).value)}
            />
            <button type="submit">{t("console.deliveries.record")}</button>
          </form>
        ) : null}
      </td>
    </tr>
  );
}
