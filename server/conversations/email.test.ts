/**
 * E-mail in, for real: a dovecot on loopback (channels/email/imap-fake.ts) holds the city's inbox; the `poll-email`
 * job reads it, each mail is stored once, the assistant answers by e-mail; a second poll reads nothing again, and an
 * auto-reply starts no conversation.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { after, describe, it } from "node:test";
import { hasDovecot, startFakeImap } from "../../channels/email/imap-fake.ts";
import { drain } from "../../tests/factories.ts";
import { testApp } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { closeChannelsOf } from "../notifications/jobs.ts";
import { pollEmailJob } from "./email-poll.ts";
import { handleInbound, sendReply } from "./jobs.ts";

const skip = hasDovecot() ? false : "dovecot is not installed (apt-get install dovecot-imapd)";
const imap = skip ? undefined : await startFakeImap();
after(() => imap?.stop());
const { ctx } = await testApp(imap ? { messaging: { email: { url: imap.url } } } : {});
after(() => closeChannelsOf(ctx.config));
const poll = () => pollEmailJob.run(ctx, { slot: new Date().toISOString() });

const mail = (from: string, subject: string, body: string, headers = "") =>
  `From: ${from}\nTo: 156@cidade.example\nSubject: ${subject}\nMessage-ID: <${Math.random().toString(36).slice(2)}@mail.example>\nDate: ${new Date().toUTCString()}\n${headers}Content-Type: text/plain; charset=utf-8\n\n${body}\n`;

describe("e-mail in", { skip }, () => {
  it("reads a citizen's e-mail once and answers it by e-mail", async () => {
    await imap!.deliver(
      mail("Paulo <paulo@example.org>", "Buraco na rua", "Tem um buraco enorme no asfalto da minha rua."),
    );
    await poll();
    await poll();
    const stored = await one<{ n: number }>(
      ctx.db,
      "SELECT count(*)::int AS n FROM inbound_messages WHERE channel = 'email' AND sender = 'paulo@example.org'",
    );
    assert.equal(stored.n, 1, "a second poll reads nothing again");
    await drain(ctx, [handleInbound, sendReply]);
    const reply = await one<{ state: string; text: string }>(
      ctx.db,
      `SELECT r.state, r.body->>'text' AS text FROM conversation_replies r
         JOIN conversations c ON c.id = r.conversation_id WHERE c.address = 'paulo@example.org'`,
    );
    assert.equal(reply.state, "sent");
    assert.match(reply.text, /Qual destes serviços|Entendi que é sobre/);
    assert.match(reply.text, /\n1\. /, "choices as a numbered list in an e-mail");
    const files = await readdir(`${ctx.config.dataDir}/mail`);
    assert.ok(files.length > 0, "the answer went out as an e-mail");
  });

  it("starts no conversation from an auto-reply", async () => {
    await imap!.deliver(
      mail(
        "ferias@example.org",
        "Resposta automática: fora do escritório",
        "Estou de férias.",
        "Auto-Submitted: auto-replied\n",
      ),
    );
    await poll();
    const none = await ctx.db.query("SELECT 1 FROM inbound_messages WHERE sender = 'ferias@example.org'");
    assert.equal(none.length, 0);
  });
});
