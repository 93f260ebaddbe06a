/**
 * How a lone statement that queues a job carries the request id (migrations 0043 and 0048): run in a transaction
 * that sets it, unless its caller says the statement writes the column itself (`writesRequestId`). The option is
 * trusted, not checked: that is what lets such a statement skip BEGIN … COMMIT.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDb } from "../../tests/helpers.ts";
import { runWithRequestId } from "../observability/context.ts";
import type { QueryOptions } from "./index.ts";

const db = await testDb();

/** Queues a row of a job no worker runs, under `requestId`; answers the request_id the row got. */
async function queued(
  requestId: string,
  text: string,
  params: unknown[] = [],
  options?: QueryOptions,
): Promise<string | null> {
  const [row] = await runWithRequestId(requestId, () =>
    db.query<{ request_id: string | null }>(`${text} RETURNING request_id`, params, options),
  );
  return row!.request_id;
}

describe("request ids of lone statements", () => {
  it("runs a lone insert that leaves request_id out in a transaction that sets it", async () => {
    assert.equal(
      await queued("req-default", "INSERT INTO outbox (job, payload) VALUES ('test-request-id', '{}')"),
      "req-default",
    );
  });

  it("runs alone a statement whose caller says it writes request_id itself", async () => {
    const text = "INSERT INTO outbox (job, payload, request_id) VALUES ('test-request-id', '{}', $1)";
    assert.equal(await queued("req-own", text, ["req-own"], { writesRequestId: true }), "req-own");
    // Proof it ran alone: a statement that claims so but leaves the column out gets no id from a transaction.
    const claimed = "INSERT INTO outbox (job, payload) VALUES ('test-request-id', '{}')";
    assert.equal(await queued("req-claimed", claimed, [], { writesRequestId: true }), null);
  });

  it("still wraps a lone insert that writes request_id when its caller does not say so", async () => {
    const text = "INSERT INTO outbox (job, payload, request_id) VALUES ('test-request-id', '{}', $1)";
    assert.equal(await queued("req-unsaid", text, ["req-written"]), "req-written");
  });
});
