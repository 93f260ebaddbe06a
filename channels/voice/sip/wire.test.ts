/**
 * The SIP gateway's wire formats without a call: SIP messages as PBXs write them (compact names, folded lines,
 * several Vias on one line), SDP offers of Asterisk and SIPp, RFC 4733 events counted once however often their end
 * repeats, and RTP audio paced and sequenced.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  header,
  headers,
  paramOf,
  parseSip,
  responseTo,
  serializeSip,
  userOf,
  viaTarget,
} from "./message.ts";
import { openRtp } from "./rtp.ts";
import { buildSdp, parseSdp } from "./sdp.ts";

const INVITE = [
  "INVITE sip:156@10.0.0.20:5060 SIP/2.0",
  "v: SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKPj1, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK2",
  'f: "Maria, da Silva" <sip:+5511955550101@10.0.0.5>;tag=abc',
  "t: <sip:156@10.0.0.20>",
  "i: 7f3a@10.0.0.5",
  "CSeq: 10 INVITE",
  "m: <sip:asterisk@10.0.0.5:5060>",
  "Subject: a line",
  "  folded",
  "c: application/sdp",
  "l: 180",
  "",
  [
    "v=0",
    "o=- 1 1 IN IP4 10.0.0.5",
    "s=Asterisk",
    "c=IN IP4 10.0.0.6",
    "t=0 0",
    "m=audio 17000 RTP/AVP 8 0 96",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:96 telephone-event/8000",
    "a=fmtp:96 0-16",
    "a=sendrecv",
    "",
  ].join("\r\n"),
].join("\r\n");

describe("SIP messages", () => {
  it("reads compact names, folded lines, a list of Vias and a quoted comma", () => {
    const m = parseSip(INVITE)!;
    assert.equal(m.method, "INVITE");
    assert.equal(m.uri, "sip:156@10.0.0.20:5060");
    assert.equal(headers(m, "via").length, 2);
    assert.equal(paramOf(header(m, "via"), "branch"), "z9hG4bKPj1");
    assert.deepEqual(viaTarget(header(m, "via")!), { host: "10.0.0.5", port: 5060 });
    assert.equal(header(m, "Call-ID"), "7f3a@10.0.0.5");
    assert.equal(header(m, "subject"), "a line folded");
    assert.equal(paramOf(header(m, "from"), "tag"), "abc");
    assert.equal(userOf("sip:+5511955550101@10.0.0.5"), "+5511955550101");
    assert.equal(headers(m, "from").length, 1, "a comma inside quotes separates nothing");
    assert.equal(parseSip("garbage\r\n\r\n"), undefined);
  });

  it("answers with the request's Via, From, Call-ID and CSeq, a To tag, and the body's length", () => {
    const m = parseSip(INVITE)!;
    const ok = responseTo(m, 200, "OK", "xyz");
    ok.body = "v=0\r\n";
    const text = serializeSip(ok).toString();
    assert.match(text, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(text, /\r\nt: <sip:156@10\.0\.0\.20>;tag=xyz\r\n/);
    assert.match(text, /\r\nContent-Length: 5\r\n\r\nv=0\r\n$/);
    const back = parseSip(text)!;
    assert.equal(back.status, 200);
    assert.deepEqual(headers(back, "via"), headers(m, "via"));
  });
});

describe("SDP", () => {
  it("finds PCMU and the offer's telephone-event type, at the media's address", () => {
    const offer = parseSdp(parseSip(INVITE)!.body)!;
    assert.deepEqual(offer, {
      address: "10.0.0.6",
      port: 17000,
      pcmu: true,
      eventPayload: 96,
      direction: "sendrecv",
    });
    assert.equal(parseSdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 8\r\n")?.pcmu, false);
    const ours = parseSdp(buildSdp({ address: "127.0.0.1", port: 4000, eventPayload: 96, sessionId: 7 }))!;
    assert.deepEqual([ours.pcmu, ours.eventPayload, ours.port], [true, 96, 4000]);
  });
});

describe("RTP", () => {
  it("counts each key once, also the same key twice in a row, and sends audio in 20 ms packets", async () => {
    const a = await openRtp("127.0.0.1");
    const b = await openRtp("127.0.0.1");
    try {
      a.connect("127.0.0.1", b.port, 101);
      b.connect("127.0.0.1", a.port, 101);
      const keys: string[] = [];
      b.onDigit((d) => keys.push(d));
      await a.sendDigits("1155#*");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(keys.join(""), "1155#*");

      const heard = b.record();
      const started = performance.now();
      assert.equal(await a.play(Buffer.alloc(1600, 0x10)), "done");
      const took = performance.now() - started;
      await new Promise((r) => setTimeout(r, 50));
      const audio = heard.stop();
      assert.equal(audio.length, 1600, "ten packets of 160 samples");
      assert.ok(took >= 190, `paced: ${took} ms for 200 ms of audio`);
      const cut = new AbortController();
      setTimeout(() => cut.abort(), 60);
      assert.equal(await a.play(Buffer.alloc(8000, 0x10), cut.signal), "interrupted");
    } finally {
      a.close();
      b.close();
    }
  });
});
