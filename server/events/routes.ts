/**
 * Server-sent event streams: `GET /api/v1/events` for staff consoles and dashboards (timeline events, internal ones
 * included, and alarms; department roles only their own department's), and `GET /api/v1/demands/:protocol/events`
 * for the public tracking page (that demand's public events only). A client that does not ask for
 * `text/event-stream` gets a catch-up: the replay after its Last-Event-ID and the position, then the end.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parseProtocol } from "../../domain/protocol.ts";
import { findDemandByProtocol } from "../demands/queries.ts";
import { AppError, forbidden, invalidInput } from "../errors.ts";
import { isDepartmentScoped, staffOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { type Presenter, parseLastEventId, type Reader, type Resume, runFeed } from "./feed.ts";
import { type EventHub, startEventHub } from "./hub.ts";
import { presentAlarm, presentPublicEvent, presentStaffEvent } from "./present.ts";
import { presentRing, type Ring, ringReaches, startRingListener } from "./rings.ts";
import { DemandEventsQuery, EventsQuery } from "./schemas.ts";
import { openSse, type SseStream } from "./sse.ts";

declare module "fastify" {
  interface FastifyInstance {
    /** This web process's live-event hub. */
    eventHub: EventHub;
  }
}

/** A comment line this often keeps proxies and load balancers from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;

const presentForStaff: Presenter = (item) =>
  item.kind === "event" ? presentStaffEvent(item.row) : presentAlarm(item.row);
const presentForPublic: Presenter = (item) =>
  item.kind === "event" ? presentPublicEvent(item.row) : undefined;

/** The Last-Event-ID header (sent by EventSource when it reconnects), else the `lastEventId` query value. */
function resumeOf(req: FastifyRequest, fromQuery: string | undefined): Resume | undefined {
  const header = req.headers["last-event-id"];
  const value = typeof header === "string" && header.trim() !== "" ? header : fromQuery;
  if (value === undefined) return undefined;
  const resume = parseLastEventId(value);
  if (!resume) throw invalidInput([{ field: "Last-Event-ID", code: "invalid_format" }]);
  return resume;
}

function checkedProtocol(typed: string, field: string): string {
  const parsed = parseProtocol(typed);
  if (parsed.ok) return parsed.protocol;
  const code = parsed.problem === "bad_check_digit" ? "bad_check_digit" : "bad_protocol_format";
  throw new AppError(400, code, {}, [{ field, code: parsed.problem }]);
}

/** Starts the process's hub and registers the event streams. */
export async function registerEventsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const hub = await startEventHub(db);
  const rings = await startRingListener(db);
  const streams = new Set<SseStream>();
  app.decorate("eventHub", hub);
  // Open streams would keep the server from closing: end them first, telling clients to reconnect (to another
  // process, or to this one's successor).
  app.addHook("preClose", async () => {
    for (const sse of streams) sse.farewell();
  });
  app.addHook("onClose", async () => {
    await rings.stop();
    await hub.stop();
  });

  async function stream(
    req: FastifyRequest,
    reply: FastifyReply,
    reader: Reader,
    resume?: Resume,
    ringsFor?: (ring: Ring) => boolean,
  ) {
    const live = (req.headers.accept ?? "").includes("text/event-stream");
    const sse = openSse(reply, { heartbeatMs: HEARTBEAT_MS, live });
    streams.add(sse);
    sse.onClose(() => streams.delete(sse));
    const present = reader.publicOnly ? presentForPublic : presentForStaff;
    // Ringing calls reach the agent's live console as `call.ringing`, outside the replayable id sequence.
    if (live && ringsFor) {
      sse.onClose(
        rings.subscribe((ring) => {
          if (ringsFor(ring)) sse.notice(presentRing(ring));
        }),
      );
    }
    try {
      await runFeed({ db, hub, sse, reader, resume, live, present });
    } catch (error) {
      // The reply is already a stream: log and close; the client reconnects with its Last-Event-ID.
      req.log.error(error);
      sse.close();
    }
    return reply;
  }

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/events",
      summary:
        "Live events for staff (text/event-stream): timeline events and alarms, resumable with Last-Event-ID",
      tag: "events",
      action: "events.read",
      query: EventsQuery,
      produces: ["text/event-stream"],
      responses: { 200: { description: "An event stream; each message's data is one JSON event or alarm" } },
    },
    async (req, reply) => {
      const query = validate(EventsQuery, req.query);
      const staff = staffOf(req);
      const resume = resumeOf(req, query.lastEventId);
      // A department role sees its own department only; one without a department sees nothing.
      const departmentId = isDepartmentScoped(staff) ? (staff.departmentId ?? -1) : null;
      let demandId: number | null = null;
      if (query.demand !== undefined) {
        const protocol = checkedProtocol(query.demand, "demand");
        const demand = await findDemandByProtocol(db, protocol);
        if (!demand) throw new AppError(404, "unknown_protocol", { protocol });
        if (departmentId !== null && demand.department_id !== departmentId) throw forbidden();
        demandId = demand.id;
      }
      const types = query.types === undefined ? null : new Set(query.types.split(","));
      const ringsFor =
        demandId === null && (types === null || types.has("call.ringing"))
          ? (ring: Ring) => ringReaches(ring, staff)
          : undefined;
      return stream(req, reply, { departmentId, demandId, types, publicOnly: false }, resume, ringsFor);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/demands/:protocol/events",
      summary: "Live public events of one demand (text/event-stream), for the tracking page",
      tag: "demands",
      action: "public",
      query: DemandEventsQuery,
      produces: ["text/event-stream"],
      responses: { 200: { description: "An event stream of the demand's public timeline events" } },
    },
    async (req, reply) => {
      const protocol = checkedProtocol((req.params as { protocol: string }).protocol, "protocol");
      const query = validate(DemandEventsQuery, req.query);
      const resume = resumeOf(req, query.lastEventId);
      const demand = await findDemandByProtocol(db, protocol);
      if (!demand) throw new AppError(404, "unknown_protocol", { protocol });
      const reader = { departmentId: null, demandId: demand.id, types: null, publicOnly: true };
      return stream(req, reply, reader, resume);
    },
  );
}
