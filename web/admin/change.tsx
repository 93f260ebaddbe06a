/** A change an admin section makes: one at a time, its problem kept, its outcome announced on a status line. */
import { useCallback, useRef, useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import { asProblem } from "../ui/load.ts";
import { send } from "../ui/staff.tsx";

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

/**
 * The polite status line of a section or form: present from the start, so screen readers hear each new text. A
 * section's line is a notice once it has text; a form's `compact` one sits close under its buttons.
 */
export function StatusLine(props: { text: string; compact?: boolean }) {
  if (props.compact)
    return (
      <p role="status" class="a-status">
        {props.text}
      </p>
    );
  return (
    <p class={props.text ? "notice" : undefined} role="status">
      {props.text}
    </p>
  );
}
