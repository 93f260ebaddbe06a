/** The staff live stream (GET /api/v1/events), followed while a screen is shown, and the badge that says so. */
import { useEffect, useRef, useState } from "preact/hooks";
import { inBase } from "./base.ts";
import type { Translate } from "./i18n.ts";

/** A message of the staff live stream (GET /api/v1/events): a timeline event, an alarm, a ringing call, a reset. */
export interface LiveMessage {
  kind: "event" | "alarm" | "call" | "reset";
  id?: number;
  type?: string;
  protocol?: string | null;
  at?: string;
  data?: Record<string, unknown>;
  alarm?: string;
  level?: string;
  workOrderId?: number | null;
  departmentId?: number | null;
  callId?: number;
  agentId?: number | null;
  actor?: { kind: string; id: number | null };
}

export type LiveState = "connecting" | "live" | "reconnecting";

/**
 * Follows the staff live stream while the screen is shown. EventSource resumes by itself with Last-Event-ID after a
 * dropped connection; but an HTTP error answer (a proxy's 502 during a deploy, an expired session's 401) closes it
 * for good, so then a new stream is opened after a pause (growing to 30 s), resuming from the last id seen
 * (`?lastEventId=`), and the handler gets a `reset` so the screen reloads what it may have missed. `reset` also
 * comes from the server when too much was missed.
 */
export function useLive(onMessage: (message: LiveMessage) => void, query = ""): LiveState {
  const [state, setState] = useState<LiveState>("connecting");
  const handler = useRef(onMessage);
  handler.current = onMessage;
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    let source: EventSource | null = null;
    let lastId = "";
    let retry: ReturnType<typeof setTimeout> | undefined;
    let pause = 2_000;
    let stopped = false;
    const open = (reopened: boolean) => {
      const params = new URLSearchParams(query);
      if (lastId) params.set("lastEventId", lastId);
      const qs = params.toString();
      const current = new EventSource(inBase(`/api/v1/events${qs ? `?${qs}` : ""}`));
      source = current;
      current.onopen = () => {
        setState("live");
        pause = 2_000;
        if (reopened) handler.current({ kind: "reset" });
      };
      current.onerror = () => {
        setState("reconnecting");
        if (current.readyState !== EventSource.CLOSED || stopped) return;
        retry = setTimeout(() => open(true), pause);
        pause = Math.min(pause * 2, 30_000);
      };
      current.onmessage = (event) => {
        if (event.lastEventId) lastId = event.lastEventId;
        try {
          handler.current(JSON.parse(event.data as string) as LiveMessage);
        } catch {
          // A frame that is not JSON (never sent by the server) is skipped.
        }
      };
    };
    open(false);
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [query]);
  return state;
}

/** Says whether the screen is following live changes; polite, so it never interrupts. */
export function LiveBadge(props: { t: Translate; state: LiveState }) {
  return (
    <p class={`live live-${props.state}`} role="status">
      {props.t(`staff.live.${props.state}`)}
    </p>
  );
}
