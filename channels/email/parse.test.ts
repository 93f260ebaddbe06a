import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InboundError } from "../channel.ts";
import { attachmentOf, MAX_EMAIL_BYTES, parseEmail, protocolOfSubject } from "./parse.ts";
import { stripReplyText } from "./reply-text.ts";

/** A raw e-mail from header lines and a body, with CRLF line ends as on the wire. */
function mail(headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries({ Date: "Tue, 1 Dec 2026 10:00:00 -0300", "MIME-Version": "1.0", ...headers });
  return Buffer.from(
    `${lines.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${body.replace(/\r?\n/g, "\r\n")}`,
  );
}
const plain = { "Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "8bit" };
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

describe("stripping quoted replies and signatures", () => {
  it("keeps only the new text of a Gmail reply in Portuguese whose attribution wraps over two lines", () => {
    const body = [
      "Ainda não consertaram, o buraco aumentou.",
      "",
      "Em seg., 1 de dez. de 2026 às 10:00, Prefeitura de Porto Alegre <",
      "nao-responda@cidade.example> escreveu:",
      "",
      "> Sua solicitação foi registrada.",
      "> Protocolo 2026000012347",
    ].join("\n");
    assert.equal(stripReplyText(body), "Ainda não consertaram, o buraco aumentou.");
  });

  it("cuts at the English and Spanish attributions", () => {
    assert.equal(
      stripReplyText("Still broken.\n\nOn Mon, Dec 1, 2026 at 10:00 AM City <a@b.example> wrote:\n> x"),
      "Still broken.",
    );
    assert.equal(
      stripReplyText("Sigue roto.\n\nEl lun, 1 dic 2026 a las 10:00, Ciudad (<a@b.example>) escribió:\n> x"),
      "Sigue roto.",
    );
  });

  it("cuts at Outlook's original-message rule and at its De:/Enviado: block", () => {
    assert.equal(
      stripReplyText("Obrigada.\n\n-----Original Message-----\nFrom: Prefeitura\nSent: Monday"),
      "Obrigada.",
    );
    const outlook =
      "Pode fechar.\n\n________________________________\nDe: Prefeitura <a@b.example>\nEnviado: segunda-feira, 1 de dezembro de 2026 10:00\nPara: Maria\nAssunto: Solicitação";
    assert.equal(stripReplyText(outlook), "Pode fechar.");
  });

  it("drops quoted lines but keeps an answer written between them", () => {
    assert.equal(stripReplyText("> Qual o número?\n1200\n> E o bairro?\nCentro"), "1200\nCentro");
  });

  it("drops the signature after '-- ' and the phones' 'Enviado do meu iPhone' / 'Sent from my …'", () => {
    assert.equal(
      stripReplyText("Na frente da escola.\n\n-- \nMaria Silva\n(51) 99999-0000"),
      "Na frente da escola.",
    );
    assert.equal(stripReplyText("Na esquina.\n\nEnviado do meu iPhone"), "Na esquina.");
    assert.equal(stripReplyText("At the corner.\nSent from my Galaxy"), "At the corner.");
  });

  it("does not take a sentence that merely starts with 'Em' for an attribution", () => {
    assert.equal(
      stripReplyText("Em frente ao número 1200.\nTem lixo na calçada."),
      "Em frente ao número 1200.\nTem lixo na calçada.",
    );
  });
});

describe("protocol numbers in subjects", () => {
  it("finds a valid protocol with separators beside other numbers", () => {
    assert.equal(protocolOfSubject("Re: [156] Protocolo 2026-00001234-7 – resposta"), "2026000012347");
    assert.equal(protocolOfSubject("Resposta à sua solicitação 2026000012347"), "2026000012347");
    assert.equal(protocolOfSubject("protocolo 2026 0000 1234 7"), "2026000012347");
  });

  it("ignores numbers whose check digit is wrong, and subjects without one", () => {
    assert.equal(protocolOfSubject("Re: Solicitação 2026000012348"), undefined);
    assert.equal(protocolOfSubject("Buraco na Rua Augusta 1200"), undefined);
  });
});

describe("parsing one e-mail", () => {
  it("reads an HTML-only mail through the parser's text, with the subject first for a new e-mail", async () => {
    const raw = mail(
      {
        From: "Maria <Maria.Silva@Example.ORG>",
        To: "156@cidade.example",
        Subject: "Poste apagado",
        "Message-ID": "<a1@example.org>",
        "Content-Type": "text/html; charset=utf-8",
      },
      "<p>O poste da <b>Rua Augusta 1200</b> está apagado.</p>",
    );
    const parsed = await parseEmail(raw);
    assert.equal(parsed.kind, "message");
    assert.equal(parsed.messages.length, 1);
    const [message] = parsed.messages;
    assert.equal(message!.from, "maria.silva@example.org");
    assert.equal(message!.profileName, "Maria");
    assert.equal(message!.providerMessageId, "<a1@example.org>");
    assert.equal(message!.sentAt, "2026-12-01T13:00:00.000Z");
    assert.deepEqual(message!.content, {
      kind: "text",
      text: "Poste apagado\n\nO poste da Rua Augusta 1200 está apagado.",
    });
  });

  it("threads by the last References id when In-Reply-To is missing, and does not repeat a reply's subject", async () => {
    const raw = mail(
      {
        ...plain,
        From: "a@example.org",
        Subject: "Re: Solicitação 2026000012347",
        "Message-ID": "<r2@example.org>",
        References: "<n1@cidade.example> <n2@cidade.example>",
      },
      "Sim, ainda está lá.",
    );
    const parsed = await parseEmail(raw);
    assert.equal(parsed.protocol, "2026000012347");
    assert.equal(parsed.messages[0]!.inReplyTo, "<n2@cidade.example>");
    assert.deepEqual(parsed.messages[0]!.content, { kind: "text", text: "Sim, ainda está lá." });
  });

  it("recognises auto-replies by header and by subject, but not Auto-Submitted: no", async () => {
    const base = { ...plain, From: "a@example.org", "Message-ID": "<o@example.org>" };
    const extras: Array<Record<string, string>> = [
      { Subject: "Férias", "Auto-Submitted": "auto-replied" },
      { Subject: "Ausente", "X-Autoreply": "yes" },
      { Subject: "Aviso", Precedence: "bulk" },
      { Subject: "Out of Office: Solicitação 2026000012347" },
      { Subject: "Resposta automática: Recebemos sua solicitação" },
    ];
    for (const extra of extras) {
      const parsed = await parseEmail(mail({ ...base, ...extra }, "Estou fora até segunda."));
      assert.equal(parsed.kind, "auto-reply", extra.Subject);
      assert.deepEqual(parsed.messages, []);
    }
    const person = await parseEmail(
      mail({ ...base, Subject: "Buraco", "Auto-Submitted": "no" }, "Buraco na rua."),
    );
    assert.equal(person.kind, "message");
  });

  it("turns a bounce quoting our message as message/rfc822 into a failed receipt, and ignores a delay warning", async () => {
    const report = (action: string) =>
      mail(
        {
          From: "MAILER-DAEMON@mx.example.org",
          Subject: "Delivery Status Notification",
          "Message-ID": `<b-${action}@mx>`,
          "Content-Type": 'multipart/report; report-type=delivery-status; boundary="R"',
        },
        `--R\nContent-Type: text/plain\n\nNot delivered.\n--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; x@example.org\nAction: ${action}\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 mailbox full\n--R\nContent-Type: message/rfc822\n\nFrom: nao-responda@cidade.example\nMessage-ID: <answer-7@cidade.example>\nSubject: Resposta\n\nTexto.\n--R--\n`,
      );
    const failed = await parseEmail(report("failed"));
    assert.equal(failed.kind, "bounce");
    assert.deepEqual(failed.messages[0]!.content, {
      kind: "receipt",
      providerId: "<answer-7@cidade.example>",
      state: "failed",
      detail: "5.2.2 smtp; 552 mailbox full",
    });
    assert.equal(failed.messages[0]!.providerMessageId, "<answer-7@cidade.example>#failed");
    const delayed = await parseEmail(report("delayed"));
    assert.equal(delayed.kind, "bounce");
    assert.deepEqual(delayed.messages, []);
  });

  it("gives an attachment its own id and ref, skips a small signature logo, and reads it back from the bytes", async () => {
    const raw = mail(
      {
        From: "a@example.org",
        Subject: "Foto",
        "Message-ID": "<p1@example.org>",
        "Content-Type": 'multipart/mixed; boundary="M"',
      },
      [
        "--M",
        'Content-Type: multipart/related; boundary="L"',
        "",
        "--L",
        "Content-Type: text/html; charset=utf-8",
        "",
        '<p>Segue a foto.</p><img src="cid:logo">',
        "--L",
        "Content-Type: image/png",
        "Content-ID: <logo>",
        "Content-Transfer-Encoding: base64",
        "",
        PNG.toString("base64"),
        "--L--",
        "--M",
        'Content-Type: application/pdf; name="laudo.pdf"',
        'Content-Disposition: attachment; filename="laudo.pdf"',
        "Content-Transfer-Encoding: base64",
        "",
        Buffer.from("%PDF-1.4 fake").toString("base64"),
        "--M--",
        "",
      ].join("\n"),
    );
    const parsed = await parseEmail(raw);
    assert.deepEqual(
      parsed.messages.map((m) => m.content.kind),
      ["text", "media"],
    );
    const media = parsed.messages[1]!;
    assert.equal(media.content.kind === "media" && media.content.media, "document");
    assert.equal(media.content.kind === "media" && media.content.fileName, "laudo.pdf");
    const ref = media.content.kind === "media" ? media.content.ref : "";
    assert.equal(media.providerMessageId, ref);
    assert.match(ref, /^<p1@example\.org>#/);
    const file = await attachmentOf(raw, ref.slice(ref.lastIndexOf("#") + 1));
    assert.equal(file.mimeType, "application/pdf");
    assert.equal(file.bytes.toString(), "%PDF-1.4 fake");
  });

  it("makes the same id for a mail without Message-ID every time it is read", async () => {
    const raw = mail({ ...plain, From: "a@example.org", Subject: "Oi" }, "Oi");
    const first = await parseEmail(raw);
    assert.match(first.messageId, /^<[0-9a-f]{32}@imap\.invalid>$/);
    assert.equal((await parseEmail(raw)).messageId, first.messageId);
  });

  it("refuses a mail over 10 MiB, an empty one and one without a sender", async () => {
    const codeOf = async (raw: Buffer) => {
      try {
        await parseEmail(raw);
      } catch (error) {
        assert.ok(error instanceof InboundError);
        return error.code;
      }
      assert.fail("should have been refused");
    };
    assert.equal(await codeOf(Buffer.alloc(MAX_EMAIL_BYTES + 1, 65)), "too_large");
    assert.equal(await codeOf(Buffer.alloc(0)), "empty");
    assert.equal(await codeOf(mail({ ...plain, Subject: "x" }, "sem remetente")), "no_sender");
  });
});
