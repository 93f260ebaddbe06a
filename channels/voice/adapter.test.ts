import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { fakeTwilio } from "./fake.ts";
import {
  parseTwilioCall,
  signTwilioRequest,
  TWIML_EMPTY,
  twimlAnswer,
  twimlHangup,
  verifyTwilioSignature,
} from "./parse.ts";

// The worked example of Twilio's security documentation (twilio.com/docs/usage/security#validating-requests).
const DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const DOCS_TOKEN = "12345";
const DOCS_PARAMS = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+12349013030",
  Digits: "1234",
  From: "+12349013030",
  To: "+18005551212",
};
const DOCS_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

const sid = (prefix: string, fill: string) => prefix + fill.repeat(32);

describe("Twilio request signatures", () => {
  it("computes the signature of Twilio's documented example", () => {
    assert.equal(signTwilioRequest(DOCS_TOKEN, DOCS_URL, DOCS_PARAMS), DOCS_SIGNATURE);
    assert.equal(
      verifyTwilioSignature({
        authToken: DOCS_TOKEN,
        url: DOCS_URL,
        params: DOCS_PARAMS,
        signature: DOCS_SIGNATURE,
      }),
      true,
    );
  });

  it("refuses a changed parameter, URL, token or a missing signature", () => {
    const check = (over: Partial<Parameters<typeof verifyTwilioSignature>[0]>) =>
      verifyTwilioSignature({
        authToken: DOCS_TOKEN,
        url: DOCS_URL,
        params: DOCS_PARAMS,
        signature: DOCS_SIGNATURE,
        ...over,
      });
    assert.equal(check({ params: { ...DOCS_PARAMS, Digits: "1235" } }), false);
    assert.equal(check({ params: { ...DOCS_PARAMS, Extra: "" } }), false);
    assert.equal(check({ url: "https://mycompany.com/myapp.php?foo=1&bar=3" }), false);
    assert.equal(check({ authToken: "54321" }), false);
    assert.equal(check({ signature: undefined }), false);
    assert.equal(check({ signature: "short" }), false);
  });

  it("accepts the URL signed with or without the default port", () => {
    const withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    const signature = signTwilioRequest(DOCS_TOKEN, withPort, DOCS_PARAMS);
    assert.equal(
      verifyTwilioSignature({ authToken: DOCS_TOKEN, url: DOCS_URL, params: DOCS_PARAMS, signature }),
      true,
    );
    assert.equal(
      verifyTwilioSignature({
        authToken: DOCS_TOKEN,
        url: withPort,
        params: DOCS_PARAMS,
        signature: DOCS_SIGNATURE,
      }),
      true,
    );
  });
});

describe("Twilio call parameters", () => {
  const base = {
    CallSid: sid("CA", "a"),
    AccountSid: sid("AC", "b"),
    From: "+5511987654321",
    To: "+551130000156",
    Direction: "inbound",
  };

  it("maps Twilio's call statuses to ringing, answered and ended", () => {
    const event = (CallStatus: string) => {
      const parsed = parseTwilioCall({ ...base, CallStatus });
      assert.ok(parsed.ok);
      return parsed.call.event;
    };
    assert.equal(event("ringing"), "ringing");
    assert.equal(event("queued"), "ringing");
    assert.equal(event("in-progress"), "answered");
    for (const status of ["completed", "busy", "no-answer", "failed", "canceled"])
      assert.equal(event(status), "ended");
  });

  it("names the missing and malformed parameters", () => {
    const parsed = parseTwilioCall({ CallSid: "CA1", From: "+5511987654321", CallStatus: "exploded" });
    assert.deepEqual(parsed, { ok: false, fields: ["CallSid", "AccountSid", "To", "CallStatus"] });
  });
});

describe("TwiML", () => {
  const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

  it("answers with a greeting and the queue, escaped, as valid XML", () => {
    const body = twimlAnswer({
      greeting: "Olá <Central> & cia",
      language: "pt-BR",
      route: { kind: "enqueue", queue: "atendimento" },
    });
    assert.equal(XMLValidator.validate(body), true);
    const doc = xml.parse(body);
    assert.equal(doc.Response.Say["#text"], "Olá <Central> & cia");
    assert.equal(doc.Response.Enqueue, "atendimento");
  });

  it("dials a number or a SIP address, and hangs up politely", () => {
    const number = xml.parse(
      twimlAnswer({ greeting: "Oi", language: "pt-BR", route: { kind: "dial", target: "+551130000000" } }),
    );
    assert.equal(number.Response.Dial.Number, "+551130000000");
    const sip = xml.parse(
      twimlAnswer({ greeting: "Oi", language: "pt-BR", route: { kind: "dial", target: "sip:fila@pbx" } }),
    );
    assert.equal(sip.Response.Dial.Sip, "sip:fila@pbx");
    const hangup = twimlHangup({ message: "Desculpe", language: "pt-BR" });
    assert.equal(XMLValidator.validate(hangup), true);
    assert.ok("Hangup" in xml.parse(hangup).Response);
    assert.equal(XMLValidator.validate(TWIML_EMPTY), true);
  });
});

describe("the Twilio fake", () => {
  it("posts form-encoded requests a receiver can verify with the auth token", async () => {
    const received: Array<{ url: string; signature: string; params: Record<string, string> }> = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded");
      received.push({
        url: `http://${req.headers.host}${req.url}`,
        signature: String(req.headers["x-twilio-signature"]),
        params: Object.fromEntries(new URLSearchParams(body)),
      });
      res.writeHead(200, { "content-type": "text/xml" }).end(TWIML_EMPTY);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const twilio = fakeTwilio({
      voiceUrl: `http://127.0.0.1:${port}/voice?city=sp`,
      statusUrl: `http://127.0.0.1:${port}/status`,
      authToken: "token-abc",
    });
    const { callSid } = await twilio.ring("+5511987654321", "+551130000156");
    await twilio.status(callSid, "completed");
    assert.equal(received.length, 2);
    for (const r of received) {
      assert.equal(
        verifyTwilioSignature({
          authToken: "token-abc",
          url: r.url,
          params: r.params,
          signature: r.signature,
        }),
        true,
      );
      assert.equal(
        verifyTwilioSignature({ authToken: "other", url: r.url, params: r.params, signature: r.signature }),
        false,
      );
    }
    assert.equal(received[0]!.params.CallStatus, "ringing");
    assert.equal(received[0]!.params.AccountSid, twilio.accountSid);
    assert.equal(received[1]!.params.CallStatus, "completed");
    assert.match(received[1]!.params.CallDuration ?? "", /^\d+$/);
  });
});
