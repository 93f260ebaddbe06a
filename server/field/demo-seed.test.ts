/**
 * The demo city's field quality data, loaded into the tests' small city as if it were the full one: published
 * questionnaires that pass the domain's checks, accepted answers whose scores are the domain's, block scores, a
 * week of routes for the demo inspector, and a second run that adds nothing. The fixture scope gets none of it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AnswerSet, checkResponse, parseDefinition } from "../../domain/questionnaire.ts";
import { testConfig, testDb } from "../../tests/helpers.ts";
import { seedFieldDemo } from "./demo-seed.ts";

const db = await testDb();
const sharedDataDir = testConfig().sharedDataDir;
const count = async (table: string) =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

describe("the field quality demo", () => {
  it("adds nothing to the fixture scope (the tests' template)", async () => {
    await seedFieldDemo(db, { sharedDataDir, scope: "fixture" });
    assert.equal(await count("questionnaires"), 0);
    assert.equal(await count("responses"), 0);
  });

  it("publishes questionnaires in three languages with call and chat prompts that the domain accepts", async () => {
    await seedFieldDemo(db, { sharedDataDir, scope: "full" });
    const versions = await db.query<{ code: string; state: string; definition: unknown }>(
      `SELECT q.code, v.state, v.definition FROM questionnaire_versions v
         JOIN questionnaires q ON q.id = v.questionnaire_id ORDER BY q.code`,
    );
    assert.deepEqual(
      versions.map((v) => v.code),
      ["coleta-lixo", "iluminacao-publica", "zeladoria-rua"],
    );
    for (const v of versions) {
      assert.equal(v.state, "published");
      const parsed = parseDefinition(v.definition);
      assert.ok(parsed.ok, v.code);
      for (const q of parsed.definition.questions) {
        assert.ok(q.label.en && q.label.es, `${v.code}.${q.name} is translated`);
        if (q.type === "yes_no" || q.type === "scale" || q.type === "single_choice") {
          assert.ok(q.prompts?.voice?.es && q.prompts.chat?.en, `${v.code}.${q.name} has prompts`);
        }
      }
      assert.ok(parsed.definition.questions.some((q) => q.relevant !== undefined));
      assert.ok(parsed.definition.questions.some((q) => q.scoring !== undefined));
    }
  });

  it("stores past answers that pass their version's checks, with the domain's scores, and scores the blocks", async () => {
    const responses = await db.query<{ id: number; definition: unknown; state: string; late: boolean }>(
      `SELECT r.id, v.definition, r.state, r.answered_at > now() OR r.received_at < r.answered_at AS late
         FROM responses r JOIN questionnaire_versions v ON v.id = r.version_id`,
    );
    assert.ok(responses.length > 0, "the fixture's blocks near the centre got answers");
    for (const r of responses.slice(0, 50)) {
      assert.equal(r.state, "accepted");
      assert.equal(r.late, false);
      const answers = await db.query<{ question: string; value: AnswerSet[string] }>(
        "SELECT question, value FROM answers WHERE response_id = $1",
        [r.id],
      );
      const set = Object.fromEntries(answers.map((a) => [a.question, a.value]));
      const parsed = parseDefinition(r.definition);
      assert.ok(parsed.ok);
      assert.deepEqual(checkResponse(parsed.definition, set), []);
    }
    const [scored] = await db.query<{ unscored: number; scores: number }>(
      `SELECT count(*) FILTER (WHERE a.score IS NOT NULL AND a.service_id IS NULL)::int AS unscored,
              (SELECT count(*)::int FROM block_scores) AS scores
         FROM answers a`,
    );
    assert.equal(scored!.unscored, 0, "every scored answer names its service");
    assert.ok(scored!.scores > 0);
  });

  it("plans the demo inspector's routes for today and the next six days from the planner", async () => {
    const routes = await db.query<{ day: string; visits: number; reasons: string[] }>(
      `SELECT to_char(r.day, 'YYYY-MM-DD') AS day, count(v.id)::int AS visits, array_agg(DISTINCT v.reason) AS reasons
         FROM inspection_routes r JOIN staff_users u ON u.id = r.inspector_id
         JOIN inspection_visits v ON v.route_id = r.id
        WHERE u.email = 'inspector@responsiva.local' GROUP BY r.day ORDER BY r.day`,
    );
    assert.ok(routes.length > 0 && routes.length <= 7);
    const [today] = await db.query<{ day: string }>(
      "SELECT to_char(now() AT TIME ZONE 'America/Sao_Paulo', 'YYYY-MM-DD') AS day",
    );
    assert.equal(routes[0]!.day, today!.day);
    for (const r of routes) assert.ok(r.visits >= 1 && r.visits <= 8);
    assert.ok(
      routes.some((r) => r.reasons.includes("bad_scores")),
      "the planner's bad scores lead",
    );
  });

  it("adds nothing when run again", async () => {
    const tables = [
      "questionnaire_versions",
      "responses",
      "answers",
      "inspection_routes",
      "inspection_visits",
    ];
    const before = await Promise.all(tables.map(count));
    await seedFieldDemo(db, { sharedDataDir, scope: "full" });
    assert.deepEqual(await Promise.all(tables.map(count)), before);
  });
});
