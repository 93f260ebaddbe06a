import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import type { InboundMessage } from "../channel.ts";
import { type FakeImap, hasDovecot, startFakeImap } from "./imap-fake.ts";
import { createImapInbound, type ImapCursor, type ImapInbound, imapSettingsOf } from "./inbound.ts";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** Builds a raw mail; `serial` keeps Message-IDs distinct. */
function mail(headers: Record<string, string>, body: string): string {
  const all = {
    Date: "Tue, 1 Dec 2026 10:00:00 -0300",
    "MIME-Version": "1.0",
    To: "156@cidade.example",
    ...headers,
  };
  return `${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n")}\n\n${body}`;
}
const plain = { "Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "8bit" };

const gmailReply = mail(
  {
    From: "Maria Silva <maria.silva@example.org>",
    Subject: "Re: Recebemos sua solicitação 2026000012347",
    "Message-ID": "<CAF=reply1@mail.gmail.com>",
    "In-Reply-To": "<notification-1@cidade.example>",
    References: "<notification-1@cidade.example>",
    "Content-Type": 'multipart/alternative; boundary="000"',
  },
  [
    "--000",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "O buraco continua l=C3=A1 e ficou maior depois da chuva.",
    "",
    "--=20",
    "Maria Silva",
    "",
    "Em seg., 1 de dez. de 2026 =C3=A0s 10:00, Prefeitura <nao-responda@cidade.exam=",
    "ple> escreveu:",
    "",
    "> Sua solicita=C3=A7=C3=A3o foi registrada com o protocolo 2026000012347.",
    ">",
    "",
    "--000",
    "Content-Type: text/html; charset=UTF-8",
    "",
    '<div dir="ltr">O buraco continua lá e ficou maior depois da chuva.</div><div class="gmail_quote">…</div>',
    "--000--",
    "",
  ].join("\n"),
);
const newWithProtocol = mail(
  {
    ...plain,
    From: "JOAO@Example.org",
    Subject: "Protocolo 2026-00001234-7 sem resposta",
    "Message-ID": "<new-2@example.org>",
  },
  "Bom dia, já passou o prazo.\n\nEnviado do meu iPhone\n",
);
const withImage = mail(
  {
    From: "ana@example.org",
    Subject: "Foto do poste",
    "Message-ID": "<photo-3@example.org>",
    "Content-Type": 'multipart/mixed; boundary="M"',
  },
  [
    "--M",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Segue a foto do poste caído.",
    "--M",
    'Content-Type: image/png; name="poste.png"',
    'Content-Disposition: attachment; filename="poste.png"',
    "Content-Transfer-Encoding: base64",
    "",
    PNG.toString("base64"),
    "--M--",
    "",
  ].join("\n"),
);
const autoReply = mail(
  {
    ...plain,
    From: "ferias@example.org",
    Subject: "Resposta automática: Solicitação 2026000012347",
    "Message-ID": "<ooo-4@example.org>",
    "Auto-Submitted": "auto-replied",
  },
  "Estou de férias até 10/12.",
);
const bounce = mail(
  {
    From: "Mail Delivery System <MAILER-DAEMON@mx.example.org>",
    Subject: "Undelivered Mail Returned to Sender",
    "Message-ID": "<bounce-5@mx.example.org>",
    "Auto-Submitted": "auto-replied",
    "Content-Type": 'multipart/report; report-type=delivery-status; boundary="B"',
  },
  [
    "--B",
    "Content-Type: text/plain",
    "",
    "Your message could not be delivered.",
    "--B",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.org",
    "",
    "Final-Recipient: rfc822; nobody@example.org",
    "Action: failed",
    "Status: 5.1.1",
    "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
    "--B",
    "Content-Type: text/rfc822-headers",
    "",
    "From: nao-responda@cidade.example",
    "Message-ID: <answer-9@cidade.example>",
    "Subject: Resposta",
    "--B--",
    "",
  ].join("\n"),
);

const texts = (messages: InboundMessage[]) =>
  messages.flatMap((m) => (m.content.kind === "text" ? [m.content.text] : []));

describe("e-mail in over IMAP, against a real dovecot", {
  skip: hasDovecot() ? false : "dovecot-imapd is not installed",
}, () => {
  let imap: FakeImap;
  let inbound: ImapInbound;
  let cursor: ImapCursor | undefined;

  before(async () => {
    imap = await startFakeImap();
    inbound = createImapInbound({ url: imap.url, processedMailbox: "Processed", timeoutMs: 30_000 });
  });
  after(async () => {
    await inbound?.close();
    await imap?.stop();
  });

  it("reads a reply, a new e-mail, a photo, an auto-reply and a bounce, each as it should be", async () => {
    for (const raw of [gmailReply, newWithProtocol, withImage, autoReply, bounce]) await imap.deliver(raw);
    const polled = await inbound.poll(cursor);
    cursor = polled.cursor;
    assert.deepEqual(
      polled.mails.map((m) => m.kind),
      ["message", "message", "message", "auto-reply", "bounce"],
    );

    // The reply: only the new words, threaded by In-Reply-To, with the protocol of its subject.
    const [reply, fresh, photo, ooo, failed] = polled.mails;
    assert.deepEqual(texts(reply!.messages), ["O buraco continua lá e ficou maior depois da chuva."]);
    assert.equal(reply!.messages[0]!.inReplyTo, "<notification-1@cidade.example>");
    assert.equal(reply!.messages[0]!.from, "maria.silva@example.org");
    assert.equal(reply!.protocol, "2026000012347");

    // The new e-mail names its demand in the subject; the phone's signature is gone.
    assert.equal(fresh!.protocol, "2026000012347");
    assert.equal(fresh!.from, "joao@example.org");
    assert.deepEqual(texts(fresh!.messages), [
      "Protocolo 2026-00001234-7 sem resposta\n\nBom dia, já passou o prazo.",
    ]);

    // The photo: its text and one image whose ref fetches the very bytes.
    const image = photo!.messages.find((m) => m.content.kind === "media");
    assert.ok(image && image.content.kind === "media");
    assert.equal(image.content.media, "image");
    assert.equal(image.content.fileName, "poste.png");
    assert.deepEqual(texts(photo!.messages), ["Foto do poste\n\nSegue a foto do poste caído."]);

    assert.deepEqual(ooo!.messages, []);
    assert.deepEqual(
      failed!.messages.map((m) => m.content),
      [
        {
          kind: "receipt",
          providerId: "<answer-9@cidade.example>",
          state: "failed",
          detail: "5.1.1 smtp; 550 5.1.1 User unknown",
        },
      ],
    );
    assert.equal(polled.messages.length, 5, "reply text, new text, photo text, image, receipt");

    const fetched = await inbound.fetchMedia(image.content.ref);
    assert.equal(fetched.mimeType, "image/png");
    assert.deepEqual(fetched.bytes, PNG);
    await inbound.markDone(
      polled.mails.map((m) => m.uid),
      cursor.uidValidity,
    );
    // Moved to the processed folder, the photo is still found by its Message-ID.
    assert.deepEqual((await inbound.fetchMedia(image.content.ref)).bytes, PNG);
  });

  it("returns nothing on a second poll with the cursor", async () => {
    const polled = await inbound.poll(cursor);
    assert.deepEqual(polled.mails, []);
    assert.deepEqual(polled.cursor, cursor);
  });

  it("returns a mail delivered between polls exactly once", async () => {
    await imap.deliver(
      mail(
        { ...plain, From: "c@example.org", Subject: "Lixo", "Message-ID": "<late-6@example.org>" },
        "Lixo na praça.",
      ),
    );
    const first = await inbound.poll(cursor);
    assert.deepEqual(
      first.mails.map((m) => m.messageId),
      ["<late-6@example.org>"],
    );
    assert.ok(first.cursor.lastUid > cursor!.lastUid);
    cursor = first.cursor;
    assert.deepEqual((await inbound.poll(cursor)).mails, []);
    await inbound.markDone(
      first.mails.map((m) => m.uid),
      cursor.uidValidity,
    );
  });

  it("hands out again the mails not yet done when the mailbox was renumbered", async () => {
    await imap.deliver(
      mail(
        { ...plain, From: "d@example.org", Subject: "Calçada", "Message-ID": "<undone-7@example.org>" },
        "Calçada quebrada.",
      ),
    );
    const renumbered = { uidValidity: "1", lastUid: 999 };
    const polled = await inbound.poll(renumbered);
    assert.deepEqual(
      polled.mails.map((m) => m.messageId),
      ["<undone-7@example.org>"],
    );
    assert.equal(polled.cursor.uidValidity, cursor!.uidValidity);
    // A markDone with the stale UIDVALIDITY touches nothing: those UIDs would name other mails.
    await inbound.markDone(
      polled.mails.map((m) => m.uid),
      "1",
    );
    assert.equal((await inbound.poll({ uidValidity: "1", lastUid: 0 })).mails.length, 1);
    cursor = polled.cursor;
    await inbound.markDone(
      polled.mails.map((m) => m.uid),
      cursor.uidValidity,
    );
  });

  it("refuses a mail over 10 MiB without downloading it, and passes the cursor over it", async () => {
    const big = mail(
      { ...plain, From: "e@example.org", Subject: "Vídeo", "Message-ID": "<big-8@example.org>" },
      "x".repeat(76).concat("\n").repeat(140_000),
    );
    await imap.deliver(big);
    const polled = await inbound.poll(cursor);
    assert.equal(polled.mails.length, 1);
    const [refused] = polled.mails;
    assert.equal(refused!.kind, "refused");
    assert.equal(refused!.problem, "too_large");
    assert.equal(refused!.raw, undefined);
    assert.equal(refused!.from, "e@example.org");
    assert.deepEqual(polled.messages, []);
    assert.deepEqual((await inbound.poll(polled.cursor)).mails, []);
  });

  it("without a processed folder, flags done mails \\Seen and a fresh start takes only the unseen ones", async () => {
    const seenOnly = createImapInbound({ url: imap.url, timeoutMs: 30_000 });
    try {
      await imap.deliver(
        mail({ ...plain, From: "f@example.org", Subject: "Um", "Message-ID": "<one-9@example.org>" }, "Um."),
      );
      await imap.deliver(
        mail(
          { ...plain, From: "f@example.org", Subject: "Dois", "Message-ID": "<two-10@example.org>" },
          "Dois.",
        ),
      );
      const first = await seenOnly.poll();
      // Both arrived (dovecot may give the two deliveries their UIDs in either order under load).
      const ids = first.mails.map((m) => m.messageId);
      assert.deepEqual(ids.slice(-2).sort(), ["<one-9@example.org>", "<two-10@example.org>"]);
      const one = first.mails.find((m) => m.messageId === "<one-9@example.org>")!;
      const others = first.mails.filter((m) => m !== one && m.messageId !== "<two-10@example.org>");
      await seenOnly.markDone([one.uid, ...others.map((m) => m.uid)]);
      const again = await seenOnly.poll();
      assert.deepEqual(
        again.mails.map((m) => m.messageId),
        ["<two-10@example.org>"],
      );
    } finally {
      await seenOnly.close();
    }
  });

  it("gives up within its time bound on a server that accepts but never greets", async () => {
    const sockets: Socket[] = [];
    const mute = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    const { port } = mute.address() as AddressInfo;
    const stuck = createImapInbound({ host: "127.0.0.1", port, user: "x", password: "y", timeoutMs: 1_500 });
    const started = Date.now();
    await assert.rejects(stuck.poll(), /more than 1500 ms/);
    assert.ok(Date.now() - started < 5_000);
    await stuck.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => mute.close(() => resolve()));
  });
});

describe("mailbox settings", () => {
  it("reads user, password, port, TLS and mailbox from an imaps URL", () => {
    const settings = imapSettingsOf({
      url: "imaps://156%40cidade.example:p%40ss@imap.cidade.example/Caixa%20156",
    });
    assert.deepEqual(settings, {
      host: "imap.cidade.example",
      port: 993,
      secure: true,
      user: "156@cidade.example",
      password: "p@ss",
      mailbox: "Caixa 156",
      processedMailbox: undefined,
    });
  });

  it("refuses a URL of another scheme", () => {
    assert.throws(() => imapSettingsOf({ url: "pop3://x@y" }), /imap:\/\//);
  });
});
