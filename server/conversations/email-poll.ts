/**
 * E-mail in: the `poll-email` job reads the city's inbox by IMAP (EMAIL_IMAP_URL) every `EMAIL_POLL_EVERY_SECONDS`,
 * stores each new mail's messages (once per Message-ID, their steps queued with them) and the inbox cursor in one
 * transaction, then marks the mails done on the server. A crash between the two leaves the mails unmarked: the next
 * poll reads them again and their Message-IDs store nothing twice. Replies, auto-replies and bounces are told apart
 * by the parser (channels/email/parse.ts); a bounce is a failed receipt of our message.
 */
import { createImapInbound, type ImapCursor } from "../../channels/email/inbound.ts";
import { SlotPayload } from "../jobs/payloads.ts";
import type { Job } from "../jobs/runner.ts";
import { currentTenant, DEFAULT_TENANT } from "../tenants/current.ts";
import { acceptInbound } from "./inbound.ts";

/** How often the inbox is read. */
export const EMAIL_POLL_EVERY_SECONDS = 30;
const CURSOR = "email:imap";

export const pollEmailJob: Job<typeof SlotPayload> = {
  name: "poll-email",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    const settings = ctx.config.messaging.email;
    // The configured mailbox is the default tenant's (scheduler.ts: defaultTenantOnly): never read for another.
    if (!settings || currentTenant() !== DEFAULT_TENANT) return;
    const inbox = createImapInbound({ url: settings.url, processedMailbox: settings.processedMailbox });
    try {
      const [saved] = await ctx.db.query<{ value: ImapCursor }>(
        "SELECT value FROM channel_cursors WHERE name = $1",
        [CURSOR],
      );
      const { messages, mails, cursor } = await inbox.poll(saved?.value);
      if (mails.length === 0 && saved) return;
      await ctx.db.transaction(async (tx) => {
        await acceptInbound(tx, messages);
        await tx.query(
          `INSERT INTO channel_cursors (name, value) VALUES ($1, $2::jsonb)
           ON CONFLICT (tenant_id, name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
          [CURSOR, JSON.stringify(cursor)],
        );
      });
      if (mails.length > 0)
        await inbox.markDone(
          mails.map((m) => m.uid),
          cursor.uidValidity,
        );
    } finally {
      await inbox.close();
    }
  },
};
