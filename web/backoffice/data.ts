/**
 * What the back-office screens read from the API and the small rules they share: the order's shape, how close it
 * is to its deadline, and running one action on several orders with each result kept.
 */
import { ApiProblem } from "../ui/api.ts";
import { send } from "../ui/staff.tsx";

/** The base path of the back-office and its screens. */
export const BASE = "/departamento";
export const PATHS = {
  orders: BASE,
  map: `${BASE}/mapa`,
  alarms: `${BASE}/alarmes`,
  order: (id: number) => `${BASE}/ordens/${id}`,
};

/** A work order as GET /api/v1/work-orders answers it. */
export interface WorkOrder {
  id: number;
  protocol: string;
  state: string;
  department: string;
  service: string;
  serviceName: string;
  dispatchedAt: string;
  acceptedAt: string | null;
  finishedAt: string | null;
  dueAt: string | null;
  reason: string | null;
  answer: string | null;
  complementQuestion: string | null;
  actions: string[];
  district: { code: string; name: string } | null;
  location: { lat: number; lon: number } | null;
  openAlarms: number;
  /** The largest alarm fraction of the execution clock passed in business time (0.5, 0.8, 1 …), or null. */
  clockShare: number | null;
}

/** The states a department still acts on; the list shows these unless asked for another. */
export const OPEN_STATES = ["dispatched", "accepted", "in_progress", "waiting_citizen"];
/** Every state a filter may ask for. */
export const STATES = [...OPEN_STATES, "answered", "returned", "rerouted", "cancelled"];

/** How an order stands against its deadline. */
export type Lateness = "late" | "near" | "on_time" | "none";

/**
 * Late once the due instant passed; near once the execution clock's 80% alarm instant has passed. The server counts
 * that share in business time (`clockShare`: nights, weekends and holidays do not count), so an order dispatched on
 * Friday evening is not "close to late" on Monday morning. Only open orders can be late.
 */
export function latenessOf(order: Pick<WorkOrder, "state" | "dueAt" | "clockShare">, now: number): Lateness {
  if (!order.dueAt || !OPEN_STATES.includes(order.state)) return "none";
  if (now >= Date.parse(order.dueAt) || (order.clockShare ?? 0) >= 1) return "late";
  if ((order.clockShare ?? 0) >= 0.8) return "near";
  return "on_time";
}

/** The CSS class that colours a lateness (the text always says it too). */
export const LATENESS_CLASS: Record<Lateness, string> = { late: "late", near: "warn", on_time: "", none: "" };

/** One order's result in a bulk action. */
export interface BulkResult {
  id: number;
  protocol: string;
  ok: boolean;
  problem?: ApiProblem;
}

/** Runs `action` (accept, start) on each order in turn; a refusal does not stop the others. */
export async function runBulk(
  orders: Pick<WorkOrder, "id" | "protocol">[],
  action: "accept" | "start",
  lang: string,
): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const order of orders) {
    try {
      await send(`/api/v1/work-orders/${order.id}/${action}`, undefined, lang);
      results.push({ id: order.id, protocol: order.protocol, ok: true });
    } catch (e) {
      const problem = e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", "");
      results.push({ id: order.id, protocol: order.protocol, ok: false, problem });
    }
  }
  return results;
}

/** A problem as one line of text: the server's detail, else its title. */
export function problemText(p: ApiProblem, fallback: string): string {
  return p.detail || p.title || fallback;
}

/** Whether the staff member is limited to their own department (the server scopes them anyway). */
export { isDepartmentRole } from "../../domain/staff-roles.ts";
