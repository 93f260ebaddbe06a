/** What every console screen is handed: the staff environment, the live stream, and the shortcuts of the frame. */

import type { LiveMessage, LiveState } from "../ui/live.tsx";
import type { Shortcut } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";

/** The console's single live stream, shared by its screens (one EventSource for the whole app). */
export interface LiveHub {
  state: LiveState;
  /** Calls `listener` with each message until the returned function is called. */
  subscribe: (listener: (message: LiveMessage) => void) => () => void;
}

/** A console screen's props. */
export interface ConsoleProps {
  env: StaffEnv;
  live: LiveHub;
  /** The shortcuts every screen has (menu sections, answering a ringing call), listed with the screen's own. */
  frameShortcuts: Shortcut[];
  url: URL;
}

/** A call as GET /api/v1/calls lists it. */
export interface CallView {
  id: number;
  state: string;
  from: string | null;
  fromRaw: string;
  to: string;
  agentId: number | null;
  citizenId: number | null;
  rangAt: string;
  answeredAt: string | null;
}

/** The console's paths. */
export const PATHS = {
  queue: "/console",
  phone: "/console/telefone",
  counter: "/console/balcao",
  deliveries: "/console/entregas",
  jobs: "/console/filas",
  search: "/console/busca",
  inbox: "/console/conversas",
  demand: (protocol: string) => `/console/demanda/${protocol}`,
} as const;

/** The ringing call that has waited longest (the API lists newest first): the one Alt+A answers. */
export function longestRinging(calls: CallView[]): CallView | undefined {
  let oldest: CallView | undefined;
  for (const c of calls)
    if (c.state === "ringing" && (!oldest || Date.parse(c.rangAt) < Date.parse(oldest.rangAt))) oldest = c;
  return oldest;
}

/**
 * Notes the focused control before an action that disables it; the returned function, called when the action is
 * over, puts the focus back there (after the next render, once enabled) if it fell to the page meanwhile.
 */
export function keepFocus(): () => void {
  const from = document.activeElement as HTMLElement | null;
  return () =>
    requestAnimationFrame(() => {
      const lost = !document.activeElement || document.activeElement === document.body;
      if (lost && from?.isConnected) from.focus();
    });
}
