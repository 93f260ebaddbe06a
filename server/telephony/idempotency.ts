/** The Idempotency-Key of an intake during a call, so a double submit from the console files one demand. */
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Idempotency } from "../demands/commands.ts";
import { AppError } from "../errors.ts";

/** The request's Idempotency-Key with the fingerprint of its body and call; undefined without a key. */
export function idempotencyOf(req: FastifyRequest, callId: number): Idempotency | undefined {
  const header = req.headers["idempotency-key"];
  if (header === undefined) return undefined;
  const key = typeof header === "string" ? header.replace(/^"|"$/g, "") : "";
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError(400, "invalid_idempotency_key", {}, [
      { field: "Idempotency-Key", code: "invalid_format" },
    ]);
  }
  const fingerprint = createHash("sha256")
    .update(`call:${callId}:`)
    .update(JSON.stringify(req.body))
    .digest("hex");
  return { key, fingerprint };
}
