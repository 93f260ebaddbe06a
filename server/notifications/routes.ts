/**
 * HTTP routes of the notifications concept: the dead letters (outbox rows that failed for good) for supervisors,
 * with a retry, and the messages sent to the citizen about one demand, for staff.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { parseProtocol } from "../../domain/protocol.ts";
import { auditActorOf } from "../audit/record.ts";
import { maybeOne } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { isDepartmentScoped, staffOf } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { retryDeadLetter } from "./commands.ts";
import { presentDeadLetter, presentMessage } from "./present.ts";
import { listDeadLetters, listDemandMessages } from "./queries.ts";
import { DeadLetterParams, DeadLetterQuery, DeadLetterView, MessageView } from "./schemas.ts";

const Retried = z.object({ id: z.number(), state: z.literal("pending") });

/** Registers the notifications routes. */
export async function registerNotificationsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/dead-letters",
      summary: "Outbox rows that failed for good (messages no channel delivered …), newest first",
      tag: "notifications",
      action: "dead_letters.read",
      query: DeadLetterQuery,
      paginated: true,
      responses: { 200: { description: "Dead rows with their last error", schema: DeadLetterView.array() } },
    },
    async (req, reply) => {
      const page = await listDeadLetters(db, validate(DeadLetterQuery, req.query));
      linkNext(req, reply, page.next);
      return page.rows.map(presentDeadLetter);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/dead-letters/:id/retry",
      summary: "Send a dead outbox row back to the queue with a fresh set of attempts",
      tag: "notifications",
      action: "dead_letters.retry",
      responses: { 200: { description: "Queued again", schema: Retried } },
    },
    async (req) => {
      const { id } = validate(DeadLetterParams, req.params);
      return db.transaction((tx) => retryDeadLetter(tx, id, auditActorOf(req)));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/demands/:protocol/messages",
      summary: "The messages sent (or being sent) to the citizen about a demand; never their address",
      tag: "notifications",
      action: "demands.read",
      responses: { 200: { description: "Messages, oldest first", schema: MessageView.array() } },
    },
    async (req) => {
      const parsed = parseProtocol((req.params as { protocol: string }).protocol);
      if (!parsed.ok) {
        const code = parsed.problem === "bad_check_digit" ? "bad_check_digit" : "bad_protocol_format";
        throw new AppError(400, code, {}, [{ field: "protocol", code: parsed.problem }]);
      }
      const staff = staffOf(req);
      const demand = await maybeOne<{ id: number; department_id: number | null }>(
        db,
        "SELECT id, department_id FROM demands WHERE protocol = $1",
        [parsed.protocol],
      );
      // Department roles see their own department's demands only; another's is as if it did not exist.
      if (!demand || (isDepartmentScoped(staff) && staff.departmentId !== demand.department_id)) {
        throw new AppError(404, "unknown_protocol", { protocol: parsed.protocol });
      }
      return (await listDemandMessages(db, demand.id)).map(presentMessage);
    },
  );
}
