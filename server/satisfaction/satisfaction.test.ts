/**
 * Satisfaction surveys: asked once the answer reached the citizen, reminded once, rated with the demand's secret,
 * and counted per department.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ANSWER, factoriesFor, findPlainService, testAppWithMail } from "../../tests/factories.ts";
import { one } from "../db/index.ts";
import { remindSurveys, SURVEY_REMINDER_DAYS } from "./commands.ts";

const { app, ctx, mailsTo } = await testAppWithMail();
const db = ctx.db;
const _service = await findPlainService(db);
const { drain, fileDemand, makeStaff, statusOf, openOrder, departmentCodeOf, post } = factoriesFor({
  app,
  ctx,
});

describe("surveys", () => {
  it("reminds an unanswered survey once, even when two schedulers ask at the same time", async () => {
    const email = "lembrete@example.org";
    const demand = await fileDemand({ email });
    await drain();
    const order = await openOrder(demand.id);
    const staff = await makeStaff("department_staff", await departmentCodeOf(order.department_id));
    await post(`/api/v1/work-orders/${order.id}/answer`, staff, { answer: ANSWER });
    await drain();
    assert.equal(await statusOf(demand.id), "closed");
    const later = new Date(Date.now() + (SURVEY_REMINDER_DAYS + 1) * 86_400_000);
    const [a, b] = await Promise.all([remindSurveys(db, later), remindSurveys(db, later)]);
    assert.ok(a + b >= 1);
    await drain();
    const reminders = (await mailsTo(email)).filter((m) => (m.subject ?? "").startsWith("Lembrete"));
    assert.equal(reminders.length, 1);
    assert.equal(await remindSurveys(db, later), 0, "one reminder only");
  });

  it("takes one rating per closure with the demand's secret", async () => {
    const demand = await answeredAndRated(null);
    const noSecret = await post(
      `/api/v1/demands/${demand.protocol}/rating`,
      {},
      { secret: "x".repeat(32), rating: 5, solved: true },
    );
    assert.ok(noSecret.statusCode >= 401 && noSecret.statusCode < 500, noSecret.body);
    const rated = await post(
      `/api/v1/demands/${demand.protocol}/rating`,
      {},
      { secret: demand.secret, rating: 4, solved: true },
    );
    assert.equal(rated.statusCode, 201, rated.body);
    const twice = await post(
      `/api/v1/demands/${demand.protocol}/rating`,
      {},
      { secret: demand.secret, rating: 5, solved: true },
    );
    assert.equal(twice.json().code, "already_rated");
  });
});

/** A demand answered, delivered and closed (its survey asked), then rated `rating` by its citizen unless null. */
async function answeredAndRated(rating: number | null) {
  const demand = await fileDemand({
    email: `avaliacao${Math.random().toString(36).slice(2, 8)}@example.org`,
  });
  await drain();
  const order = await openOrder(demand.id);
  const staff = await makeStaff("department_staff", await departmentCodeOf(order.department_id));
  const answered = await post(`/api/v1/work-orders/${order.id}/answer`, staff, { answer: ANSWER });
  assert.equal(answered.statusCode, 200, answered.body);
  await drain();
  assert.equal(await statusOf(demand.id), "closed");
  if (rating !== null) {
    const rated = await post(
      `/api/v1/demands/${demand.protocol}/rating`,
      {},
      { secret: demand.secret, rating, solved: false, comment: "Voltou a abrir." },
    );
    assert.equal(rated.statusCode, 201, rated.body);
  }
  return demand;
}

describe("satisfaction indicators", () => {
  it("counts surveys asked and answered, the mean rating and the share solved per department", async () => {
    // Its own rated survey: the indicators never lean on what another test left.
    const demand = await answeredAndRated(2);
    const supervisor = await makeStaff("supervisor");
    const res = await app.inject({
      method: "GET",
      url: "/api/v1/satisfaction/summary?by=department",
      headers: { authorization: supervisor.authorization },
    });
    assert.equal(res.statusCode, 200, res.body);
    const rows = res.json() as {
      department: string;
      asked: number;
      answered: number;
      meanRating: number | null;
    }[];
    const asked = await one<{ n: number; answered: number }>(
      db,
      "SELECT count(*)::int AS n, count(answered_at)::int AS answered FROM satisfaction_surveys",
    );
    assert.equal(
      rows.reduce((sum, r) => sum + r.asked, 0),
      asked.n,
    );
    assert.equal(
      rows.reduce((sum, r) => sum + r.answered, 0),
      asked.answered,
    );
    assert.ok(asked.answered >= 1);
    // Its department's row holds the mean of the ratings its surveys got, this one's 2 among them.
    const expected = await one<{ code: string; mean: number }>(
      db,
      `SELECT dep.code, round(avg(s.rating), 2)::float8 AS mean FROM satisfaction_surveys s
         JOIN departments dep ON dep.id = s.department_id
        WHERE s.department_id = (SELECT department_id FROM demands WHERE id = $1) GROUP BY dep.code`,
      [demand.id],
    );
    const row = rows.find((r) => r.department === expected.code);
    assert.equal(row?.meanRating, expected.mean);
  });
});
