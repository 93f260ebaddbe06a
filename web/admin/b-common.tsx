/**
 * Pieces the users, calendar, messages, API keys and webhooks sections share: running a change with a status
 * message, an inline confirmation, a secret shown once with a copy button, and a field's error from the server's
 * problem. Loading a resource and turning an error into a problem are a-common.tsx's useLoad and asProblem.
 */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import type { Translate } from "../ui/i18n.ts";
import { send } from "../ui/staff.tsx";
import { asProblem } from "./a-common.tsx";

/** A change being made: busy flag, the server's problem, the last status text, and `run` to make one. */
export interface Change {
  busy: boolean;
  problem: ApiProblem | null;
  status: string;
  run: <T>(work: () => Promise<T>, done?: string) => Promise<T | undefined>;
  clear: () => void;
}

/**
 * Runs changes one at a time: the problem is kept for a ProblemAlert, the status for a polite message. A second run
 * while one is under way does nothing (a double click must not send twice) and answers undefined.
 */
export function useChange(): Change {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  const inFlight = useRef(false);
  const run = useCallback(async <T,>(work: () => Promise<T>, done?: string) => {
    if (inFlight.current) return undefined;
    inFlight.current = true;
    setBusy(true);
    setProblem(null);
    setStatus("");
    try {
      const result = await work();
      if (done) setStatus(done);
      return result;
    } catch (e) {
      setProblem(asProblem(e));
      return undefined;
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setProblem(null);
    setStatus("");
  }, []);
  return { busy, problem, status, run, clear };
}

/** JSON to the API in the page's language (a thin alias of `send`, so callers read as verbs). */
export const sendJson = <T,>(path: string, body: unknown, lang: string, method = "POST") =>
  send<T>(path, body, lang, method);

/** The polite status line of a section: present from the start, so screen readers hear each new text. */
export function StatusLine(props: { text: string }) {
  return (
    <p class={props.text ? "notice" : undefined} role="status">
      {props.text}
    </p>
  );
}

/** The server's words for one field of a problem, if it named that field. */
export function fieldProblem(problem: ApiProblem | null, field: string, t: Translate): string | undefined {
  const hit = problem?.fields.find((f) => f.field === field);
  if (!hit) return undefined;
  const detail = (hit as { detail?: string }).detail;
  return detail || t("admin.b.invalid_field");
}

/** Puts the keyboard on the element with `id` (a heading with tabIndex -1) once the page has drawn. */
export function focusById(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

/**
 * A destructive action behind an inline confirmation: the first press asks, with the question read out and the
 * focus on "confirm"; Escape or "cancel" backs out. When the action takes the button away (a delete, a revoke),
 * `focusAfter` names the element (the section's heading) that gets the keyboard once `onConfirm`'s promise
 * answers a value other than undefined or false (that is, the action worked).
 */
export function ConfirmButton(props: {
  t: Translate;
  label: string;
  /** Read out after the label only (which row the button acts on). */
  labelDetail?: string;
  question: string;
  confirmLabel?: string;
  disabled?: boolean;
  focusAfter?: string;
  onConfirm: () => unknown;
}) {
  const [asking, setAsking] = useState(false);
  const questionId = useId();
  const confirm = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  // Focus follows the question: onto "confirm" when asked, back to the button (when it is still there) after.
  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (wasAsking.current) opener.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking)
    return (
      <button type="button" ref={opener} disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
        {props.labelDetail ? <span class="visually-hidden"> {props.labelDetail}</span> : null}
      </button>
    );
  const back = () => setAsking(false);
  const onEscape = (e: KeyboardEvent) => e.key === "Escape" && back();
  return (
    <span class="confirm">
      <span class="warn" id={questionId}>
        {props.question}
      </span>{" "}
      <button
        type="button"
        ref={confirm}
        aria-describedby={questionId}
        onKeyDown={onEscape}
        onClick={() => {
          const result = props.onConfirm();
          back();
          const target = props.focusAfter;
          if (target)
            void Promise.resolve(result).then((ok) => {
              if (ok !== undefined && ok !== false) focusById(target);
            });
        }}
      >
        {props.confirmLabel ?? props.label}
      </button>{" "}
      <button type="button" onKeyDown={onEscape} onClick={back}>
        {props.t("staff.cancel")}
      </button>
    </span>
  );
}

/** A secret shown this once: a warning, the value in a read-only field, a copy button and "done". */
export function SecretOnce(props: {
  t: Translate;
  id: string;
  label: string;
  warning: string;
  value: string;
  onDone: () => void;
  children?: ComponentChildren;
}) {
  const { t } = props;
  const [copied, setCopied] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLElement>(null);
  useEffect(() => box.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied(t("admin.b.copied"));
    } catch {
      input.current?.select();
      setCopied(t("admin.b.copy_failed"));
    }
  };
  return (
    <section class="card secret" aria-labelledby={`${props.id}-title`} tabIndex={-1} ref={box}>
      <h2 id={`${props.id}-title`}>{props.label}</h2>
      <p class="warn">
        <strong>{t("admin.b.attention")}</strong> {props.warning}
      </p>
      <div class="field">
        <label for={props.id}>{props.label}</label>
        <input
          type="text"
          id={props.id}
          ref={input}
          readOnly
          value={props.value}
          size={60}
          onFocus={() => input.current?.select()}
        />
      </div>
      <p class="row">
        <button type="button" onClick={copy}>
          {t("admin.b.copy")}
        </button>{" "}
        <button type="button" onClick={props.onDone}>
          {t("admin.b.saved_it")}
        </button>
      </p>
      <p role="status">{copied}</p>
      {props.children}
    </section>
  );
}
