/**
 * One log line per request, written when it is answered, with the request (method, redacted URL, address), the
 * status, the time taken and the request id: Fastify's own "incoming request" line doubled the logging cost of every
 * request for nothing an operator reads.
 */
import { type FastifyReply, type FastifyRequest, LogController } from "fastify";
import { REQUEST_ID_FIELD } from "./log.ts";

/** Fastify's log controller with the request-id label of every Responsiva log line and one line per request. */
export class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: REQUEST_ID_FIELD });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const line = { req, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}
