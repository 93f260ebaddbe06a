/**
 * The request id of the work being done now: an HTTP request's id, carried into the transactions it opens, the jobs
 * it queues and the webhooks those jobs send, so one id finds every log line of one citizen's action.
 */

import { AsyncLocalStorage } from "node:async_hooks";

const store = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` with `requestId` as the current request id (for it and everything it awaits). */
export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return store.run({ requestId }, fn);
}

/** The current request id, or undefined outside a request or a job. */
export function currentRequestId(): string | undefined {
  return store.getStore()?.requestId;
}
