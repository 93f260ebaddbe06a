import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DeliveryError } from "../channel.ts";
import { createEmailAdapter, messageIdOf } from "./adapter.ts";
import { startFakeSmtp } from "./fake.ts";

const fake = await startFakeSmtp();
after(() => fake.close());
const from = "Prefeitura <nao-responda@cidade.example>";
const email = createEmailAdapter({ smtpUrl: fake.url, from, mailDir: "/nonexistent" });
after(() => email.close());

const message = (key: string, locale: string, subject: string, text: string) => ({
  key,
  to: "maria@example.org",
  locale,
  subject,
  text,
});

async function failureOf(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DeliveryError, `expected a DeliveryError, got ${error}`);
    return error;
  }
  assert.fail("the send should have failed");
}

describe("e-mail adapter over SMTP", () => {
  it("delivers a message in each language with its subject, body and a Message-ID made from its key", async () => {
    const texts = [
      [
        "pt-BR",
        "Recebemos sua solicitação 2026000001",
        "Olá, Maria.\n\nSua solicitação foi registrada: ação, atenção.",
      ],
      ["en", "We received your request 2026000001", "Hello Maria,\n\nYour request was recorded."],
      [
        "es",
        "Recibimos su solicitud 2026000001",
        "Hola, María:\n\nSu solicitud quedó registrada. ¿Algo más?",
      ],
    ] as const;
    const start = fake.received.length;
    for (const [locale, subject, text] of texts) {
      const sent = await email.send(message(`k-${locale}`, locale, subject, text));
      assert.equal(
        sent.providerId,
        messageIdOf(`k-${locale}`, from),
        "named by its Message-ID, as bounces quote it",
      );
    }
    await fake.waitFor(start + 3);
    for (const [i, [locale, subject, text]] of texts.entries()) {
      const mail = fake.received[start + i]!;
      const parsed = await fake.parse(mail);
      assert.equal(parsed.subject, subject);
      assert.equal(parsed.text?.trim(), text);
      assert.equal(mail.messageId, messageIdOf(`k-${locale}`, from));
      assert.equal(mail.messageId, `<k-${locale}@cidade.example>`);
      assert.deepEqual(mail.to, ["maria@example.org"]);
      assert.equal(mail.from, "nao-responda@cidade.example");
      assert.equal(parsed.headers.get("content-language"), locale);
      assert.equal(parsed.headers.get("auto-submitted"), "auto-generated");
    }
  });

  it("attaches an agent's files with their names and types", async () => {
    const start = fake.received.length;
    const pdf = Buffer.from("%PDF-1.4\n%%EOF\n");
    await email.send({
      ...message("k-files", "pt-BR", "Resposta", "Segue o documento."),
      attachments: [
        {
          url: "https://cidade.example/media/replies/x",
          mediaType: "application/pdf",
          fileName: "ordem.pdf",
          content: pdf,
        },
      ],
    });
    await fake.waitFor(start + 1);
    const parsed = await fake.parse(fake.received[start]!);
    assert.equal(parsed.text?.trim(), "Segue o documento.");
    assert.equal(parsed.attachments.length, 1);
    assert.equal(parsed.attachments[0]!.filename, "ordem.pdf");
    assert.equal(parsed.attachments[0]!.contentType, "application/pdf");
    assert.ok(parsed.attachments[0]!.content.equals(pdf));
  });

  it("reports a 4xx answer as temporary", async () => {
    fake.fail(451, 1);
    const error = await failureOf(email.send(message("k-451", "en", "s", "t")));
    assert.equal(error.temporary, true);
    assert.match(error.message, /451/);
  });

  it("reports a 5xx answer after DATA, and a refused recipient, as permanent", async () => {
    fake.fail(554, 1);
    const refused = await failureOf(email.send(message("k-554", "en", "s", "t")));
    assert.equal(refused.temporary, false);
    fake.refuseRecipient("maria@example.org", 550);
    const unknown = await failureOf(email.send(message("k-550", "en", "s", "t")));
    assert.equal(unknown.temporary, false);
    assert.match(unknown.message, /550/);
    fake.recover();
  });

  it("reports a relay that does not answer at all as temporary", async () => {
    const closed = await startFakeSmtp();
    const url = closed.url;
    await closed.close();
    const nowhere = createEmailAdapter({ smtpUrl: url, from, mailDir: "/nonexistent" });
    const error = await failureOf(nowhere.send(message("k-down", "en", "s", "t")));
    assert.equal(error.temporary, true);
  });

  it("without an SMTP URL writes the message as an .eml file named by its key, once per key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "responsiva-mail-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const files = createEmailAdapter({ from, mailDir: dir });
    const first = await files.send(message("k-file", "es", "Recibimos su solicitud", "Hola:\n\nTexto."));
    const again = await files.send(message("k-file", "es", "Recibimos su solicitud", "Hola:\n\nTexto."));
    assert.equal(first.providerId, "file:k-file.eml");
    assert.equal(again.providerId, first.providerId);
    const eml = readFileSync(join(dir, "k-file.eml"), "utf8");
    assert.match(eml, /^Message-ID: <k-file@cidade\.example>$/m);
    assert.match(eml, /^Subject: Recibimos su solicitud$/m);
  });
});
