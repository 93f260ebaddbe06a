/**
 * SMS by Kannel: the alphabets and their limits, the webhooks' checks and parsing, and then a real Kannel
 * (Debian's bearerbox and smsbox) bound over SMPP to the fake SMS centre: what the adapter sends arrives at the SMS
 * centre in the right alphabet and parts, delivery reports come back signed, and a citizen's message (GSM-7, UCS-2,
 * concatenated) reaches the get-url as the text they typed.
 */
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { hasKannel, startKannel, type TestKannel } from "../../tests/kannel.ts";
import { InboundError, type InboundRequest } from "../channel.ts";
import { createKannelAdapter, createKannelInbound, type KannelOptions, sendsmsUrl } from "./adapter.ts";
import { type FakeSmsc, startFakeSmsc } from "./fake.ts";
import { fitSms, foldToGsm7, GSM_BASIC, isGsm7, smsParts } from "./gsm.ts";
import { parseKannelRequest, signReportKey, verifyKannelRequest } from "./parse.ts";

const SECRET = "kannel-webhook-secret-1";
const basic = (password: string) => `Basic ${Buffer.from(`kannel:${password}`).toString("base64")}`;
const request = (url: string, headers: Record<string, string> = {}): InboundRequest => ({
  url,
  headers,
  rawBody: Buffer.alloc(0),
});

describe("the SMS alphabets", () => {
  it("knows the 128 codes of the GSM default alphabet and which texts need UCS-2", () => {
    assert.equal([...GSM_BASIC].length, 128);
    assert.equal(isGsm7("Protocolo 2026-000123: é na rua, {ok} €"), true);
    assert.equal(isGsm7("buraco na rua São João"), false, "ã is not in the GSM alphabet");
  });

  it("counts 160 GSM characters in one message, 153 in each part, and extension characters twice", () => {
    assert.equal(smsParts("a".repeat(160)).length, 1);
    assert.deepEqual(
      smsParts("a".repeat(161)).map((p) => p.length),
      [153, 8],
    );
    assert.equal(smsParts("€".repeat(80)).length, 1, "80 euro signs are 160 septets");
    assert.equal(smsParts("€".repeat(81)).length, 2);
    assert.deepEqual(
      smsParts(`${"a".repeat(152)}€${"b".repeat(10)}`).map((p) => p.length),
      [152, 11],
      "an escaped character is never split",
    );
  });

  it("counts 70 UCS-2 characters in one message and 67 in each part", () => {
    assert.equal(smsParts("ã".repeat(70)).length, 1);
    assert.deepEqual(
      smsParts("ã".repeat(71)).map((p) => p.length),
      [67, 4],
    );
  });

  it("folds Portuguese accents to the GSM alphabet, keeping the letters it has", () => {
    assert.equal(
      foldToGsm7("Não, é na Avenida São João – nº 12 “já”…"),
      'Nao, é na Avenida Sao Joao - no 12 "ja"...',
    );
    assert.equal(isGsm7(foldToGsm7("ação ÇÃO ü ñ 🙂")), true);
  });

  it("shortens a text to the parts allowed, at a word, and says so", () => {
    const long = "palavra ".repeat(100);
    const fitted = fitSms(long, { maxParts: 2 });
    assert.equal(fitted.parts, 2);
    assert.equal(fitted.shortened, true);
    assert.match(fitted.text, /palavra\.\.\.$/);
    assert.equal(fitSms("curto", { maxParts: 1 }).shortened, false);
    const ucs = fitSms("ação ".repeat(40), { maxParts: 1 });
    assert.equal(ucs.encoding, "ucs2");
    assert.ok(ucs.text.length <= 70);
    assert.equal(fitSms("ação ".repeat(40), { maxParts: 3, fold: true }).encoding, "gsm7");
    const list = "1. Tapa-buraco\n2. Remoção de entulho\n3. Poda de árvore";
    const withChoices = fitSms("Qual destes serviços descreve melhor o problema? ".repeat(6), {
      maxParts: 2,
      keep: list,
    });
    assert.ok(withChoices.text.endsWith(`...\n${list}`), "the choices are never cut");
    assert.equal(withChoices.parts, 2);
  });
});

describe("Kannel's webhooks", () => {
  const mo =
    "http://app.test/webhooks/kannel/sms?id=4a4c324e-e149&from=5511977776666&to=156&text=buraco+%C3%A9&coding=0&charset=UTF-8&time=1796456298";

  it("takes a message only with the secret as the Basic password", () => {
    assert.equal(verifyKannelRequest(SECRET, request(mo, { authorization: basic(SECRET) })), true);
    assert.equal(
      verifyKannelRequest(SECRET, request(mo, { authorization: basic("another-secret-xx") })),
      false,
    );
    assert.equal(verifyKannelRequest(SECRET, request(mo)), false);
    assert.equal(verifyKannelRequest(SECRET, request(mo, { authorization: "Bearer x" })), false);
  });

  it("takes a delivery report only with the key's signature", () => {
    const key = "0b6a6c1e-8a3f-4d53-9d0a-3c0e1a2b3c4d";
    const dlr = (k: string, sig: string) =>
      request(`http://app.test/webhooks/kannel/dlr?key=${k}&sig=${sig}&type=1&fid=4000000001`);
    assert.equal(verifyKannelRequest(SECRET, dlr(key, signReportKey(SECRET, key))), true);
    assert.equal(verifyKannelRequest(SECRET, dlr(`${key}x`, signReportKey(SECRET, key))), false);
    assert.equal(verifyKannelRequest(SECRET, dlr(key, signReportKey("another-secret-xx", key))), false);
    const [receipt] = parseKannelRequest(dlr(key, "x"));
    assert.deepEqual(receipt!.content, { kind: "receipt", providerId: key, state: "delivered" });
  });

  it("reads the text in the charset Kannel names, and the sender as international digits", () => {
    const [message] = parseKannelRequest(request(mo));
    assert.equal(message!.from, "5511977776666");
    assert.equal(message!.providerMessageId, "kannel:4a4c324e-e149");
    assert.deepEqual(message!.content, { kind: "text", text: "buraco é" });
    assert.equal(message!.sentAt, new Date(1796456298 * 1000).toISOString());
    const utf16 = Buffer.from("ação", "utf16le").swap16();
    const encoded = [...utf16].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");
    const [ucs] = parseKannelRequest(
      request(`http://x/webhooks/kannel/sms?id=a1&from=%2B5511977776666&text=${encoded}&charset=UTF-16BE`),
    );
    assert.deepEqual(ucs!.content, { kind: "text", text: "ação" });
    assert.equal(ucs!.from, "5511977776666");
  });

  it("refuses what is not Kannel's format with a stable code", () => {
    const code = (url: string) => {
      try {
        parseKannelRequest(request(url));
        return "parsed";
      } catch (error) {
        return error instanceof InboundError ? error.code : "other";
      }
    };
    assert.equal(code("http://x/webhooks/kannel/sms?from=5511977776666&text=oi"), "missing_id");
    assert.equal(code("http://x/webhooks/kannel/sms?id=1&from=abc&text=oi"), "bad_sender");
    assert.equal(code("http://x/webhooks/kannel/sms?id=1&from=5511977776666"), "missing_text");
    assert.equal(
      code("http://x/webhooks/kannel/sms?id=1&from=5511977776666&text=oi&charset=EBCDIC"),
      "unknown_charset",
    );
    assert.equal(code("http://x/webhooks/kannel/sms?id=1&from=5511977776666&text=%C3%28"), "bad_text");
    assert.equal(code("http://x/webhooks/kannel/dlr?key=k&type=3"), "bad_report");
  });

  it("asks sendsms for the right alphabet, every report, and a signed report URL", () => {
    const options: KannelOptions = {
      sendsmsUrl: "http://127.0.0.1:13013/cgi-bin/sendsms",
      username: "u",
      password: "p",
      from: "156",
      webhookSecret: SECRET,
      maxParts: 3,
      foldToGsm: false,
      callbackUrl: "https://156.cidade.br/",
    };
    const url = sendsmsUrl(options, {
      key: "k-1",
      to: "+55 11 97777-6666",
      text: "Sua demanda foi atendida",
    });
    assert.equal(url.searchParams.get("to"), "5511977776666");
    assert.equal(url.searchParams.get("coding"), "0");
    assert.equal(url.searchParams.get("dlr-mask"), "31");
    assert.equal(
      url.searchParams.get("dlr-url"),
      `https://156.cidade.br/webhooks/kannel/dlr?key=k-1&sig=${signReportKey(SECRET, "k-1")}&type=%d&fid=%F`,
    );
    assert.equal(sendsmsUrl(options, { key: "k", to: "1", text: "não" }).searchParams.get("coding"), "2");
    const folded = sendsmsUrl({ ...options, foldToGsm: true }, { key: "k", to: "1", text: "não" });
    assert.equal(folded.searchParams.get("coding"), "0");
    assert.equal(folded.searchParams.get("text"), "nao");
  });
});

describe("a real Kannel bound to the fake SMS centre", {
  skip: hasKannel ? false : "kannel is not installed",
}, () => {
  let smsc: FakeSmsc;
  let kannel: TestKannel;
  const calls: IncomingMessage[] = [];
  const listener = createServer((req, res) => {
    calls.push(req);
    res.end("");
  });
  let base = "";
  let options: KannelOptions;

  before(async () => {
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    smsc = await startFakeSmsc();
    kannel = await startKannel({
      smsc,
      moUrl: `http://kannel:${SECRET}@127.0.0.1:${(listener.address() as AddressInfo).port}/webhooks/kannel/sms?id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&time=%T`,
    });
    options = {
      sendsmsUrl: kannel.sendsmsUrl,
      username: kannel.username,
      password: kannel.password,
      from: "156",
      webhookSecret: SECRET,
      maxParts: 3,
      foldToGsm: false,
      callbackUrl: base,
    };
  });
  after(async () => {
    await kannel?.stop();
    await smsc?.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  /** The requests Kannel made to `path`, as the app would see them. */
  const seen = (path: string) =>
    calls
      .filter((c) => c.url?.startsWith(path))
      .map((c) => request(`${base}${c.url}`, c.headers as Record<string, string>));
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline) assert.fail(`${what}\n${await kannel.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("delivers GSM-7, UCS-2, folded and long texts as the SMS centre must see them", async () => {
    const adapter = createKannelAdapter(options);
    const folding = createKannelAdapter({ ...options, foldToGsm: true, maxParts: 1 });
    const texts = {
      gsm: "Protocolo 2026-000123: é na rua {B} €5",
      ucs: "Sua demanda não foi atendida ainda: ação em análise",
      long: `Resposta: ${"a equipe esteve no local e fez o reparo; ".repeat(8)}`,
    };
    assert.deepEqual(
      await adapter.send({
        key: "k-gsm",
        to: "5511900000001",
        locale: "pt-BR",
        subject: "",
        text: texts.gsm,
      }),
      {
        providerId: "k-gsm",
      },
    );
    await adapter.send({ key: "k-ucs", to: "5511900000002", locale: "pt-BR", subject: "", text: texts.ucs });
    await folding.send({ key: "k-fold", to: "5511900000003", locale: "pt-BR", subject: "", text: texts.ucs });
    await adapter.send({
      key: "k-long",
      to: "5511900000004",
      locale: "pt-BR",
      subject: "",
      text: texts.long,
    });

    const gsm = await smsc.waitForMessage((m) => m.to === "5511900000001");
    assert.equal(gsm.text, texts.gsm);
    assert.equal(gsm.dataCoding & 0x0f, 0, "the GSM default alphabet");
    assert.equal(gsm.from, "156");
    const ucs = await smsc.waitForMessage((m) => m.to === "5511900000002");
    assert.equal(ucs.text, texts.ucs);
    assert.equal(ucs.dataCoding, 8, "UCS-2 for a text with ã and ç");
    const folded = await smsc.waitForMessage((m) => m.to === "5511900000003");
    assert.equal(folded.dataCoding & 0x0f, 0);
    assert.equal(folded.text, foldToGsm7(texts.ucs));
    const long = await smsc.waitForMessage((m) => m.to === "5511900000004");
    assert.ok(long.parts.length >= 2 && long.parts.length <= 3, `${long.parts.length} parts`);
    assert.ok(long.parts.every((p) => p.units <= 153 && p.concat?.total === long.parts.length));
    assert.equal(long.text, fitSms(texts.long, { maxParts: 3 }).text);
  });

  it("brings the SMS centre's delivery report back to the signed report URL", async () => {
    smsc.undeliverable.add("5511900000006");
    const adapter = createKannelAdapter(options);
    await adapter.send({ key: "k-dlr", to: "5511900000005", locale: "pt-BR", subject: "", text: "ok" });
    await adapter.send({ key: "k-undeliv", to: "5511900000006", locale: "pt-BR", subject: "", text: "ok" });
    const states = (key: string) =>
      seen("/webhooks/kannel/dlr")
        .filter((r) => new URL(r.url).searchParams.get("key") === key)
        .map((r) => {
          assert.equal(verifyKannelRequest(SECRET, r), true);
          const [receipt] = parseKannelRequest(r);
          return receipt!.content.kind === "receipt" ? receipt!.content.state : "";
        });
    await until(() => states("k-dlr").includes("delivered"), "no delivered report");
    await until(() => states("k-undeliv").includes("failed"), "no failed report");
  });

  it("brings a citizen's message to the get-url as typed: GSM-7, UCS-2 and concatenated", async () => {
    const texts = [
      "boa noite tem um buraco enorme na r augusta 1200 {urgente}",
      "buraco na rua São João, ação já! 🙂",
      `${"poste apagado há três semanas na esquina ".repeat(5)}fim`,
    ];
    for (const text of texts) await smsc.deliver("5511977776666", "156", text);
    await until(() => seen("/webhooks/kannel/sms").length >= texts.length, "not every message arrived");
    const inbound = createKannelInbound(options);
    const got = seen("/webhooks/kannel/sms").map((r) => {
      assert.equal(inbound.verify(r), true);
      const [m] = inbound.parse(r);
      assert.equal(m!.from, "5511977776666");
      return m!.content.kind === "text" ? m!.content.text : "";
    });
    assert.deepEqual(got, texts);
  });

  it("says a refused login may pass later and an unreachable Kannel too", async () => {
    const wrong = createKannelAdapter({ ...options, password: "wrong-password" });
    await assert.rejects(
      wrong.send({ key: "k-x", to: "5511900000009", locale: "pt-BR", subject: "", text: "x" }),
      (e: Error & { temporary?: boolean }) => e.name === "DeliveryError" && e.temporary === true,
    );
    const away = createKannelAdapter({ ...options, sendsmsUrl: "http://127.0.0.1:9/cgi-bin/sendsms" });
    await assert.rejects(
      away.send({ key: "k-y", to: "5511900000009", locale: "pt-BR", subject: "", text: "x" }),
      (e: Error & { temporary?: boolean }) => e.temporary === true,
    );
  });
});
