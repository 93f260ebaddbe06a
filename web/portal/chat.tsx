/**
 * The portal's chat with the 156 assistant (and, when it hands over, an agent): loaded on demand when the citizen
 * opens it, so the first screen carries only its button. The server issues the chat's token with the first message;
 * it is kept in this browser (localStorage) and sent back as X-Chat-Token. Replies are read every 2 s while the chat
 * is open. Choices are buttons; "Enviar minha localização" shares the phone's position when the assistant asks
 * where.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { inBase, tenantBase } from "../ui/base.ts";
import type { Env } from "./env.ts";

// One chat per tenant: a tenant's token means nothing to another (they share this origin's storage under /t/slug).
const TOKEN_KEY = `responsiva-chat-token${tenantBase()}`;
const POLL_MS = 2000;

interface Reply {
  id: number;
  from: "assistant" | "agent";
  text: string;
  choices: { id: string; title: string }[];
  requestLocation: boolean;
  files?: { url: string; fileName: string }[];
}

type Line = { mine: true; text: string; key: string } | ({ mine: false; key: string } & Reply);

async function post(message: object): Promise<void> {
  const token = localStorage.getItem(TOKEN_KEY);
  const response = await fetch(inBase("/api/v1/chat/messages"), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { "x-chat-token": token } : {}) },
    body: JSON.stringify({ id: crypto.randomUUID(), ...message }),
  });
  if (!response.ok) throw new Error(String(response.status));
  const body = (await response.json()) as { token: string };
  localStorage.setItem(TOKEN_KEY, body.token);
}

export function ChatPanel(props: { env: Env; onClose: () => void }) {
  const { t } = props.env;
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState("");
  const [failed, setFailed] = useState(false);
  const last = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const list = useRef<HTMLOListElement>(null);
  // The newest line in view, as in every messaging app.
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [lines]);

  useEffect(() => {
    input.current?.focus();
    let stopped = false;
    const read = async () => {
      const token = localStorage.getItem(TOKEN_KEY);
      if (!token || stopped) return;
      const response = await fetch(inBase(`/api/v1/chat/messages?after=${last.current}`), {
        headers: { "x-chat-token": token },
      });
      if (!response.ok) return;
      const body = (await response.json()) as { replies: Reply[] };
      if (body.replies.length === 0) return;
      last.current = body.replies.at(-1)!.id;
      setLines((old) => [
        ...old,
        ...body.replies.map((r) => ({ ...r, mine: false as const, key: `r${r.id}` })),
      ]);
    };
    void read();
    const timer = setInterval(() => void read().catch(() => undefined), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const say = async (message: object, shown: string) => {
    setFailed(false);
    setLines((old) => [...old, { mine: true, text: shown, key: crypto.randomUUID() }]);
    try {
      await post(message);
    } catch {
      setFailed(true);
    }
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const typed = text.trim();
    if (!typed) return;
    setText("");
    void say({ text: typed }, typed);
  };
  const shareLocation = () =>
    navigator.geolocation.getCurrentPosition(
      (p) =>
        void say(
          { location: { lat: p.coords.latitude, lon: p.coords.longitude } },
          t("portal.chat.location_sent"),
        ),
      () => setFailed(true),
      { enableHighAccuracy: true, timeout: 15_000 },
    );
  const lastReply = [...lines].reverse().find((l) => !l.mine) as (Reply & { mine: false }) | undefined;

  return (
    <section class="chat card" aria-labelledby="chat-title">
      <header>
        <h2 id="chat-title">{t("portal.chat.title")}</h2>
        <button type="button" class="link" onClick={props.onClose}>
          {t("portal.chat.close")}
        </button>
      </header>
      <div role="log" aria-live="polite" aria-label={t("portal.chat.history")}>
        <ol class="chat-lines" data-testid="chat-lines" ref={list}>
          {lines.length === 0 ? <li class="from-them">{t("portal.chat.hello")}</li> : null}
          {lines.map((l) => (
            <li key={l.key} class={l.mine ? "from-me" : "from-them"}>
              {l.text}
              {!l.mine && l.files?.length
                ? l.files.map((f) => (
                    <a
                      key={f.url}
                      class="chat-file"
                      href={inBase(f.url)}
                      target="_blank"
                      rel="noopener noreferrer"
                    >
                      {f.fileName}
                    </a>
                  ))
                : null}
            </li>
          ))}
        </ol>
      </div>
      {lastReply && (lastReply.choices.length > 0 || lastReply.requestLocation) ? (
        <div class="chat-choices">
          {lastReply.choices.map((c) => (
            <button type="button" key={c.id} onClick={() => void say({ choice: c.id }, c.title)}>
              {c.title}
            </button>
          ))}
          {lastReply.requestLocation && "geolocation" in navigator ? (
            <button type="button" onClick={shareLocation}>
              {t("portal.chat.share_location")}
            </button>
          ) : null}
        </div>
      ) : null}
      {failed ? <p role="alert">{t("portal.chat.failed")}</p> : null}
      <form onSubmit={submit}>
        <label for="chat-text">{t("portal.chat.message")}</label>
        <textarea
          id="chat-text"
          ref={input}
          rows={2}
          maxLength={4000}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) submit(e);
          }}
        />
        <button type="submit">{t("portal.chat.send")}</button>
      </form>
    </section>
  );
}
