/**
 * What the tests of calls to citizen auditors share: the app over a fresh database with the fake Twilio account as
 * its calls provider (listening on loopback, so the provider's requests reach it), an agent's headers, and an
 * auditor enrolled by that agent on a point, with a number of their own.
 */
import assert from "node:assert/strict";
import { after } from "node:test";
import { type FakeTwilio, startFakeTwilio } from "../channels/twilio/fake.ts";
import { AUDITOR_CONSENT_VERSION } from "../domain/auditors.ts";
import type { Config } from "../server/config.ts";
import { one, type Sql } from "../server/db/index.ts";
import { staffHeaders, testApp } from "./helpers.ts";

/** The city's caller id in these tests. */
export const CITY_LINE = "+551133330156";

/** Every day from 08:00 to 21:00: the widest windows an auditor may give. */
export const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
  weekday,
  starts: "08:00",
  ends: "21:00",
}));

export type AuditorWindow = { weekday: number; starts: string; ends: string };

/** The app with the fake account placing its calls (`overrides` of the test configuration beside). */
export async function auditorCallsApp(overrides: Partial<Config> = {}) {
  const twilio: FakeTwilio = await startFakeTwilio({ authToken: "twilio-test-auth-token-0123456789" });
  after(() => twilio.close());
  const { app, ctx } = await testApp({
    twilioAuthToken: twilio.authToken,
    auditorCalls: {
      apiUrl: twilio.url,
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: CITY_LINE,
      concurrent: 10,
    },
    ...overrides,
  });
  ctx.config.publicUrl = await app.listen({ port: 0, host: "127.0.0.1" });
  const agent = await staffHeaders(ctx.db, "agent");
  let serial = 0;

  /** An auditor the agent enrolled at `point`; answers the enrolment's and the citizen's ids and the number. */
  async function enrol(options: {
    point: { lat: number; lon: number };
    windows?: AuditorWindow[];
    maxCallsPerWeek?: number;
    name?: string;
  }): Promise<{ id: number; citizenId: number; phone: string }> {
    const phone = `+55119${String(Date.now() % 1e4).padStart(4, "0")}${String(++serial).padStart(4, "0")}`;
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/auditors",
      headers: agent,
      payload: {
        consent: true,
        consentTextVersion: AUDITOR_CONSENT_VERSION,
        name: options.name ?? "Auditora",
        phone,
        point: options.point,
        windows: options.windows ?? EVERY_DAY,
        ...(options.maxCallsPerWeek !== undefined ? { maxCallsPerWeek: options.maxCallsPerWeek } : {}),
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return { id: Number(res.json().id), citizenId: Number(res.json().citizen.id), phone };
  }

  return { twilio, app, ctx, db: ctx.db, agent, enrol };
}

/** A questionnaire of the first service group with one published version of `definition`: the version's id. */
export async function publishedQuestionnaire(db: Sql, code: string, definition: object): Promise<number> {
  const { id } = await one<{ id: number }>(
    db,
    `WITH q AS (INSERT INTO questionnaires (code, title, service_group_id)
                VALUES ($1, jsonb_build_object('pt-BR', $1::text), (SELECT id FROM service_groups ORDER BY id LIMIT 1))
                RETURNING id)
     INSERT INTO questionnaire_versions (questionnaire_id, version, state, definition, published_at)
     SELECT id, 1, 'published', $2, now() FROM q RETURNING id`,
    [code, JSON.stringify(definition)],
  );
  return Number(id);
}

/**
 * A planned call's time comes: a test runs at any hour and a window never reaches into the night, so the call planned
 * for tomorrow morning is moved to now, with two hours of its window left, and so is its queued try.
 */
export async function callDueNow(db: Sql, callId: number): Promise<void> {
  await db.query(
    "UPDATE auditor_calls SET due_at = now(), until_at = now() + interval '2 hours' WHERE id = $1",
    [callId],
  );
  await db.query(
    "UPDATE outbox SET run_at = now() WHERE job = 'place-auditor-call' AND (payload->>'callId')::bigint = $1",
    [callId],
  );
}

/**
 * A WAV as a provider serves a recording (RIFF header, 8 kHz 16-bit mono): `seconds` of silence, or of a tone;
 * different each time (a random tail), so that its hash names it.
 */
export function testWav(seconds: number, tone = false): Buffer {
  const data = Buffer.alloc(8000 * 2 * seconds);
  if (tone)
    for (let i = 0; i < data.length / 2; i++) data.writeInt16LE(Math.round(8000 * Math.sin(i / 5)), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data, Buffer.from(String(Math.random()))]);
}
