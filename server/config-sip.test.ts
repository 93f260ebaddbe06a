/** The SIP gateway's settings: off by default, on with SIP_LISTEN, and each half-configured case named. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sipSettings } from "./config-sip.ts";

const TOKEN = { TWILIO_AUTH_TOKEN: "secret" };

describe("the SIP gateway's settings", () => {
  it("are off without SIP_LISTEN, and split host and port with it", () => {
    assert.deepEqual(sipSettings({}), { sip: undefined });
    assert.deepEqual(
      sipSettings({
        ...TOKEN,
        SIP_LISTEN: "10.0.0.20:5060",
        SIP_AGENTS_URI: "sip:atendimento@pbx",
        SIP_PBX_HOST: "pbx:5060",
        SIP_API_LISTEN: "127.0.0.1:5062",
        TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
      }),
      {
        sip: {
          host: "10.0.0.20",
          port: 5060,
          publicHost: undefined,
          agentsUri: "sip:atendimento@pbx",
          pbxHost: "pbx:5060",
          api: { host: "127.0.0.1", port: 5062 },
        },
      },
    );
  });

  it("name what is missing", () => {
    const problems = (e: Parameters<typeof sipSettings>[0]) => {
      const out = sipSettings(e);
      return "problems" in out ? out.problems.map((p) => p.split(":")[0]) : [];
    };
    assert.deepEqual(problems({ SIP_LISTEN: "10.0.0.20:5060" }), ["SIP_LISTEN"]);
    assert.deepEqual(problems({ ...TOKEN, SIP_LISTEN: "0.0.0.0:5060" }), ["SIP_LISTEN"]);
    assert.deepEqual(problems({ ...TOKEN, SIP_LISTEN: "0.0.0.0:5060", SIP_PUBLIC_HOST: "10.0.0.20" }), []);
    assert.deepEqual(problems({ ...TOKEN, SIP_LISTEN: "10.0.0.20:5060", CALL_RECORDING_DAYS: 30 }), [
      "CALL_RECORDING_DAYS",
    ]);
    assert.deepEqual(problems({ ...TOKEN, SIP_LISTEN: "10.0.0.20:5060", SIP_API_LISTEN: "127.0.0.1:5062" }), [
      "SIP_API_LISTEN",
    ]);
    assert.deepEqual(problems({ SIP_API_LISTEN: "127.0.0.1:5062" }), ["SIP_API_LISTEN"]);
  });
});
