/**
 * The inbox of the written channels (WhatsApp, SMS, Telegram, e-mail, the portal's chat). Without a conversation:
 * those waiting for a person, oldest first, to take (one agent gets each), the agent's own, and (supervisors) the
 * waiting time per channel. With one (`?conversa=<id>`): its whole history, the sender's earlier demands, the reply
 * box, the end of the hand-over, and the intake form pre-filled from what the citizen wrote. Read again every 10 s
 * and after each action.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { type AnswerTemplate, selectFirstPlaceholder, sortAnswerTemplates } from "../ui/answer-templates.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { inBase } from "../ui/base.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, type Translate, withLang } from "../ui/i18n.ts";
import { navigate } from "../ui/router.ts";
import { ShortcutList } from "../ui/shortcuts.tsx";
import { send } from "../ui/staff.tsx";
import { type ConsoleProps, PATHS } from "./env.ts";
import { IntakeForm } from "./intake.tsx";
import { PlaceMap } from "./place-map.tsx";
import type { Registered } from "./registered.tsx";

interface ConversationView {
  id: number;
  channel: string;
  address: string;
  profileName: string | null;
  status: "bot" | "waiting" | "agent" | "closed";
  /** The citizen's language: the answer templates in it come first. */
  locale: string;
  waitingSeconds: number | null;
  agentId: number | null;
  lastInboundAt: string | null;
  lastMessage: string | null;
}

interface Detail {
  conversation: ConversationView;
  history: {
    at: string;
    from: "citizen" | "assistant" | "agent";
    text: string;
    state: string | null;
    files: { url: string; fileName: string }[];
  }[];
  demands: { protocol: string; status: string; service: string; openedAt: string }[];
}

interface Waiting {
  channel: string;
  waiting: number;
  oldestSeconds: number;
  meanTakenSeconds: number | null;
}

const REFRESH_MS = 10_000;

/** The contact a conversation's address is, in the demand body's citizen fields. */
function contactOf(c: ConversationView): Record<string, string> {
  if (c.channel === "whatsapp") return { whatsapp: c.address };
  if (c.channel === "telegram") return { telegram: c.address };
  if (c.channel === "sms") return { phone: `+${c.address}` };
  if (c.channel === "email") return { email: c.address };
  return {};
}

/** "3 min", "1 h 5 min": a wait said briefly. */
function duration(seconds: number, t: Translate): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t("console.inbox.minutes", { n: minutes });
  return t("console.inbox.hours", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

export function InboxScreen(props: ConsoleProps) {
  const { env } = props;
  const { t, locale } = env;
  const id = Number(props.url.searchParams.get("conversa")) || null;
  const [waiting, setWaiting] = useState<ConversationView[] | null>(null);
  const [mine, setMine] = useState<ConversationView[]>([]);
  const [perChannel, setPerChannel] = useState<Waiting[]>([]);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [text, setText] = useState("");
  const [intake, setIntake] = useState(false);
  const [templates, setTemplates] = useState<AnswerTemplate[]>([]);
  const [templateId, setTemplateId] = useState("");
  const files = useRef<HTMLInputElement>(null);
  const fail = (e: unknown) => setProblem(e instanceof ApiProblem ? e : null);

  const load = useCallback(() => {
    if (id === null) {
      api<ConversationView[]>("/api/v1/conversations?status=waiting", {}, locale)
        .then(setWaiting)
        .catch(fail);
      api<ConversationView[]>("/api/v1/conversations?status=agent&mine=true", {}, locale)
        .then(setMine)
        .catch(fail);
      api<Waiting[]>("/api/v1/conversations/waiting", {}, locale).then(setPerChannel).catch(fail);
    } else {
      api<Detail>(`/api/v1/conversations/${id}`, {}, locale).then(setDetail).catch(fail);
    }
  }, [id, locale]);
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  // The answer templates for every service, in the citizen's language first, once per conversation opened.
  const citizenLocale = detail?.conversation.locale ?? locale;
  useEffect(() => {
    if (!id) return;
    api<AnswerTemplate[]>("/api/v1/answer-templates", {}, locale)
      .then((list) => setTemplates(sortAnswerTemplates(list, citizenLocale)))
      .catch(() => setTemplates([]));
  }, [id, locale, citizenLocale]);
  const useTemplate = () => {
    const chosen = templates.find((x) => String(x.id) === templateId);
    if (!chosen) return;
    setText(chosen.body);
    selectFirstPlaceholder("reply-text");
  };

  const open = (conversationId: number) =>
    navigate(withLang(`${PATHS.inbox}?conversa=${conversationId}`, locale));
  const act = async (path: string, body?: object) => {
    setProblem(null);
    try {
      await send(path, body, locale);
      return true;
    } catch (e) {
      fail(e);
      return false;
    } finally {
      load();
    }
  };
  const take = async (c: ConversationView) => {
    if (await act(`/api/v1/conversations/${c.id}/take`)) open(c.id);
  };

  if (id === null || detail === null) {
    return (
      <section aria-labelledby="inbox-title">
        <h1 id="inbox-title" tabIndex={-1}>
          {t("console.inbox.title")}
        </h1>
        <ShortcutList t={t} shortcuts={props.frameShortcuts} />
        <ProblemAlert problem={problem} t={t} />
        {perChannel.some((w) => w.waiting > 0) ? (
          <p class="inbox-summary">
            {perChannel
              .filter((w) => w.waiting > 0)
              .map((w) =>
                t("console.inbox.per_channel", {
                  channel: t(`console.channels.${w.channel === "webchat" ? "chat" : w.channel}`),
                  n: w.waiting,
                  oldest: duration(w.oldestSeconds, t),
                }),
              )
              .join(" · ")}
          </p>
        ) : null}
        <h2>{t("console.inbox.waiting")}</h2>
        {waiting === null ? (
          <p role="status">{t("ui.loading")}</p>
        ) : waiting.length === 0 ? (
          <p>{t("console.inbox.none_waiting")}</p>
        ) : (
          <ul class="conversations" aria-label={t("console.inbox.waiting")}>
            {waiting.map((c) => (
              <li key={c.id} data-testid="waiting-conversation">
                <strong>{t(`console.channels.${c.channel === "webchat" ? "chat" : c.channel}`)}</strong> ·{" "}
                {c.profileName ?? c.address} ·{" "}
                {t("console.inbox.waiting_for", { time: duration(c.waitingSeconds ?? 0, t) })}
                {c.lastMessage ? <q>{c.lastMessage}</q> : null}{" "}
                <button type="button" onClick={() => take(c)}>
                  {t("console.inbox.take")}
                </button>
              </li>
            ))}
          </ul>
        )}
        <h2>{t("console.inbox.mine")}</h2>
        {mine.length === 0 ? (
          <p>{t("console.inbox.none_mine")}</p>
        ) : (
          <ul class="conversations">
            {mine.map((c) => (
              <li key={c.id}>
                <a href={withLang(`${PATHS.inbox}?conversa=${c.id}`, locale)} data-nav>
                  {t(`console.channels.${c.channel === "webchat" ? "chat" : c.channel}`)} ·{" "}
                  {c.profileName ?? c.address}
                </a>
                {c.lastMessage ? <q>{c.lastMessage}</q> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    );
  }

  const c = detail.conversation;
  const withMe = c.status === "agent";
  const told = detail.history.filter((h) => h.from === "citizen").map((h) => h.text);
  const reply = async (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return;
    const chosen: File[] = files.current?.files ? Array.from(files.current.files) : [];
    if (chosen.length === 0) {
      if (await act(`/api/v1/conversations/${c.id}/replies`, { text })) setText("");
      return;
    }
    // With files: one multipart request, the text and the files together (nothing is sent if a file is refused).
    const form = new FormData();
    form.append("text", text);
    for (const file of chosen) form.append("attachments", file, file.name);
    setProblem(null);
    try {
      await api(`/api/v1/conversations/${c.id}/replies`, { method: "POST", body: form }, locale);
      setText("");
      if (files.current) files.current.value = "";
    } catch (e) {
      fail(e);
    } finally {
      load();
    }
  };
  return (
    <section aria-labelledby="conversation-title">
      <h1 id="conversation-title" tabIndex={-1}>
        {t("console.inbox.conversation_title", {
          who: c.profileName ?? c.address,
          channel: t(`console.channels.${c.channel === "webchat" ? "chat" : c.channel}`),
        })}
      </h1>
      <p>
        {c.address} · {t(`console.inbox.statuses.${c.status}`)}
        {c.status === "waiting" ? (
          <>
            {" "}
            <button type="button" onClick={() => take(c)}>
              {t("console.inbox.take")}
            </button>
          </>
        ) : null}
      </p>
      <ProblemAlert problem={problem} t={t} />
      <div role="log" aria-label={t("console.inbox.history")}>
        <ol class="history card" data-testid="conversation-history">
          {detail.history.map((h, i) => (
            <li key={i} class={`from-${h.from}`}>
              <span class="who">{t(`console.inbox.from.${h.from}`)}</span>{" "}
              <time dateTime={h.at}>{formatWhen(h.at, locale)}</time>
              {h.state ? <span class="state"> · {t(`console.inbox.states.${h.state}`)}</span> : null}
              <p>{h.text}</p>
              {h.files.length > 0 ? (
                <ul class="files">
                  {h.files.map((f) => (
                    <li key={f.url}>
                      <a href={inBase(f.url)} target="_blank" rel="noopener noreferrer">
                        {f.fileName}
                      </a>
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ol>
      </div>
      {withMe ? (
        <form onSubmit={reply} class="reply">
          <label for="reply-text">{t("console.inbox.reply")}</label>
          <textarea
            id="reply-text"
            rows={3}
            maxLength={4096}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          {templates.length > 0 ? (
            <p class="templates">
              <label for="reply-template">{t("console.inbox.template")}</label>{" "}
              <select
                id="reply-template"
                value={templateId}
                onChange={(e) => setTemplateId(e.currentTarget.value)}
              >
                <option value="">—</option>
                {templates.map((x) => (
                  <option key={x.id} value={String(x.id)}>
                    {x.title} ({x.locale})
                  </option>
                ))}
              </select>{" "}
              <button type="button" onClick={useTemplate} disabled={!templateId}>
                {t("console.inbox.use_template")}
              </button>
            </p>
          ) : null}
          <p class="files">
            <label for="reply-files">{t("console.inbox.files")}</label>{" "}
            <input
              id="reply-files"
              type="file"
              multiple
              accept="image/jpeg,image/png,image/webp,image/heic,application/pdf"
              ref={files}
              aria-describedby="reply-files-hint"
            />{" "}
            <span id="reply-files-hint" class="hint">
              {t("console.inbox.files_hint")}
            </span>
          </p>
          <button type="submit">{t("console.inbox.send")}</button>{" "}
          <button
            type="button"
            onClick={() => act(`/api/v1/conversations/${c.id}/release`, { to: "assistant" })}
          >
            {t("console.inbox.to_assistant")}
          </button>{" "}
          <button
            type="button"
            onClick={() => act(`/api/v1/conversations/${c.id}/release`, { to: "closed" })}
          >
            {t("console.inbox.close")}
          </button>{" "}
          <button type="button" aria-expanded={intake} onClick={() => setIntake(!intake)}>
            {t("console.inbox.register")}
          </button>
        </form>
      ) : null}
      <h2>{t("console.inbox.demands")}</h2>
      {detail.demands.length === 0 ? (
        <p>{t("console.phone.none")}</p>
      ) : (
        <ul>
          {detail.demands.map((d) => (
            <li key={d.protocol}>
              <a href={withLang(PATHS.demand(d.protocol), locale)} data-nav>
                {d.protocol}
              </a>{" "}
              · {t(`status.${d.status}`)} · {formatWhen(d.openedAt, locale)}
            </li>
          ))}
        </ul>
      )}
      {withMe && intake ? (
        <IntakeForm
          key={c.id}
          env={env}
          channel={c.channel === "webchat" ? "chat" : c.channel}
          person="caller-name"
          initialDescription={told.join("\n")}
          frameShortcuts={props.frameShortcuts}
          register={(body, key) =>
            api<Registered>(
              "/api/v1/demands",
              {
                method: "POST",
                headers: { "content-type": "application/json", "idempotency-key": key },
                body: JSON.stringify({
                  ...body,
                  channel: c.channel === "webchat" ? "chat" : c.channel,
                  citizen: body.identity === "anonymous" ? undefined : { ...body.citizen, ...contactOf(c) },
                }),
              },
              locale,
            )
          }
          onRegistered={load}
          placeMap={(p) => <PlaceMap env={env} {...p} />}
        />
      ) : null}
    </section>
  );
}
