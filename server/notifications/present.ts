/** The JSON shapes of the notifications concept that leave the server; addresses never do. */
import type { DeadLetterRow, MessageRow } from "./queries.ts";
import { redactAddresses } from "./recipients.ts";
import type { DeadLetterView, MessageView } from "./schemas.ts";

/**
 * Why a message was not delivered, as a stable code the screens name in the reader's language: no channel of the
 * citizen's can carry it (jobs.ts), every channel refused it (jobs.ts), the citizen was erased (citizens/commands.ts),
 * or the attempts ran out on other errors (the provider's own words stay in `lastError`).
 */
export function undeliveredReason(lastError: string | null): DeadLetterView["reason"] {
  if (lastError === null) return null;
  if (lastError.startsWith("no channel can reach")) return "unreachable";
  if (lastError.startsWith("every channel refused")) return "refused";
  if (lastError === "citizen erased") return "erased";
  return "failed";
}

/** A dead outbox row for the supervisors' list. */
export function presentDeadLetter(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    job: row.job,
    attempts: row.attempts,
    reason: undeliveredReason(row.last_error),
    lastError: row.last_error === null ? null : redactAddresses(row.last_error),
    createdAt: row.created_at.toISOString(),
    protocol: row.protocol,
    message:
      row.message_id === null
        ? null
        : {
            id: row.message_id,
            template: row.template!,
            channel: row.channel,
            state: row.message_state!,
          },
  };
}

/** A message of a demand for staff. */
export function presentMessage(row: MessageRow): MessageView {
  return {
    id: row.id,
    template: row.template,
    locale: row.locale,
    channel: row.channel,
    state: row.state,
    attempts: row.attempts,
    lastError: row.last_error,
    providerId: row.provider_id,
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
    outboxId: row.outbox_id,
  };
}
