import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { fileDemand } from "../../tests/factories.ts";
import { staffHeaders, testApp } from "../../tests/helpers.ts";
import type { Db } from "../db/index.ts";
import { indexDemandSearchJob, indexPendingDemands } from "./search-index.ts";

const { app, ctx } = await testApp();
const db: Db = ctx.db;
const departments = await db.query<{ id: number; code: string }>(
  "SELECT id, code FROM departments ORDER BY id LIMIT 2",
);

// Demands written in SQL with made-up protocols (9 + a serial): the search reads rows, not the intake path.
async function insertDemand(
  departmentId: number,
  description: string,
  extra: { address?: string; citizenId?: number } = {},
) {
  const [row] = await db.query<{ id: number; protocol: string }>(
    `INSERT INTO demands (protocol, service_id, channel, identity_mode, citizen_id, description, address, department_id)
     VALUES ('9' || lpad(nextval('protocol_seq')::text, 12, '0'), (SELECT min(id) FROM services), 'web',
             $4, $5, $1, $2, $3)
     RETURNING id, protocol`,
    [
      description,
      extra.address ?? null,
      departmentId,
      extra.citizenId ? "identified" : "anonymous",
      extra.citizenId ?? null,
    ],
  );
  return row!;
}

/** Every item of a list, following its Link rel="next" headers; the number of pages read. */
async function readAll<T>(
  url: string,
  headers: Record<string, string>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next) {
    const target: string = next;
    const res = await app.inject({ url: target, headers });
    assert.equal(res.statusCode, 200, res.body);
    items.push(...(res.json() as T[]));
    pages++;
    const link: string = String(res.headers.link ?? "");
    next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
  }
  return { items, pages };
}

describe("GET /api/v1/work-orders pages", () => {
  it("reaches every open order of a department with more than 500, and refuses offset", async () => {
    const dep = departments[0]!;
    await db.query(
      `WITH made AS (
         INSERT INTO demands (protocol, service_id, channel, identity_mode, department_id, status)
         SELECT '8' || lpad(g::text, 12, '0'), (SELECT min(id) FROM services), 'web', 'anonymous', $1, 'dispatched'
           FROM generate_series(1, 1200) g
         RETURNING id)
       INSERT INTO work_orders (demand_id, department_id, due_at)
       SELECT id, $1, CASE WHEN id % 3 = 0 THEN NULL ELSE now() + (id % 7) * interval '1 day' END FROM made`,
      [dep.id],
    );
    const staff = await staffHeaders(db, "department_staff", dep.code);
    const headers = { authorization: staff.authorization };
    const { items, pages } = await readAll<{ id: number }>("/api/v1/work-orders?limit=500", headers);
    const [{ count }] = (await db.query(
      "SELECT count(*)::int AS count FROM work_orders WHERE department_id = $1 AND state = 'dispatched'",
      [dep.id],
    )) as [{ count: number }];
    assert.ok(count >= 1200);
    assert.equal(items.length, count, "every open order reached");
    assert.equal(new Set(items.map((o) => o.id)).size, count, "none twice");
    assert.equal(pages, Math.ceil(count / 500) + (count % 500 === 0 ? 1 : 0));

    const offset = await app.inject({ url: "/api/v1/work-orders?offset=500", headers });
    assert.equal(offset.statusCode, 400);
    assert.equal(offset.json().errors[0].field, "offset");
    const bad = await app.inject({ url: "/api/v1/work-orders?cursor=bm9wZQ", headers });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].code, "invalid_cursor");

    const one = await app.inject({ url: "/api/v1/work-orders?protocol=8000000000007", headers });
    assert.deepEqual(
      one.json().map((o: { protocol: string }) => o.protocol),
      ["8000000000007"],
    );
  });
});

describe("GET /api/v1/demands?q= (staff full-text search)", () => {
  let mine: { protocol: string };
  let answered: { id: number; protocol: string };
  let theirs: { protocol: string };
  let personal: { protocol: string };

  before(async () => {
    const [a, b] = departments as unknown as [{ id: number }, { id: number }];
    mine = await insertDemand(a.id, "Buraco enorme na calçada em frente à escola", {
      address: "Rua São João, 10",
    });
    theirs = await insertDemand(b.id, "Árvore caída bloqueando a calçada");
    answered = await insertDemand(a.id, "Lâmpada queimada no poste");
    await db.query(
      "INSERT INTO work_orders (demand_id, department_id, state, answer, internal_note) VALUES ($1, $2, 'answered', $3, $4)",
      [answered.id, a.id, "Reparo concluído pela equipe de iluminação", "fornecedor Zanzibar atrasou"],
    );
    const [citizen] = await db.query<{ id: number }>(
      "INSERT INTO citizens (name, document) VALUES ('Joaquina Pereira', '52998224725') RETURNING id",
    );
    await db.query(
      "INSERT INTO citizen_contacts (citizen_id, channel, value) VALUES ($1, 'phone', '5511987654321')",
      [citizen!.id],
    );
    personal = await insertDemand(a.id, "Calçada quebrada", { citizenId: citizen!.id });
  });

  const search = async (q: string, role: "department_staff" | "supervisor", code?: string) => {
    const staff = await staffHeaders(db, role, code);
    const res = await app.inject({
      url: `/api/v1/demands?q=${encodeURIComponent(q)}`,
      headers: { authorization: staff.authorization },
    });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { protocol: string; rank: number }[]).map((d) => d.protocol);
  };

  it("ignores accents and case: 'CALCADA' finds 'calçada'", async () => {
    const found = await search("CALCADA", "supervisor");
    assert.ok(found.includes(mine.protocol) && found.includes(theirs.protocol));
  });

  it("matches word stems: 'buracos' finds 'buraco', 'arvores caidas' finds 'Árvore caída'", async () => {
    assert.ok((await search("buracos", "supervisor")).includes(mine.protocol));
    assert.ok((await search("arvores caidas", "supervisor")).includes(theirs.protocol));
    assert.ok((await search("sao joao", "supervisor")).includes(mine.protocol), "the address");
  });

  it("finds the answer given to the citizen, never the internal note", async () => {
    assert.ok((await search("reparos", "supervisor")).includes(answered.protocol));
    assert.deepEqual(await search("Zanzibar", "supervisor"), []);
  });

  it("shows a department role only its department's demands", async () => {
    const [a, b] = departments as unknown as [{ code: string }, { code: string }];
    const forA = await search("calcada", "department_staff", a.code);
    assert.ok(forA.includes(mine.protocol));
    assert.ok(!forA.includes(theirs.protocol));
    assert.ok((await search("calcada", "department_staff", b.code)).includes(theirs.protocol));
  });

  it("never searches the citizen's name, CPF or phone", async () => {
    const a = departments[0]!.code;
    for (const q of ["Joaquina", "Pereira", "52998224725", "5511987654321"]) {
      assert.deepEqual(await search(q, "department_staff", a), [], q);
      assert.deepEqual(await search(q, "supervisor"), [], q);
    }
    // The demand itself is found by what it is about.
    assert.ok((await search("quebrada", "department_staff", a)).includes(personal.protocol));
  });

  it("ranks and pages with the same cursor, each match once", async () => {
    const staff = await staffHeaders(db, "supervisor");
    const { items, pages } = await readAll<{ protocol: string; rank: number }>(
      "/api/v1/demands?q=calcada&limit=1",
      { authorization: staff.authorization },
    );
    assert.ok(pages >= 3);
    assert.equal(new Set(items.map((d) => d.protocol)).size, items.length);
    for (let i = 1; i < items.length; i++) assert.ok(items[i - 1]!.rank >= items[i]!.rank, "best first");
    const byProtocol = await readAll<{ protocol: string }>(`/api/v1/demands?protocol=${mine.protocol}`, {
      authorization: staff.authorization,
    });
    assert.deepEqual(
      byProtocol.items.map((d) => d.protocol),
      [mine.protocol],
    );
  });
});

describe("the demands' search index (decision 0040)", () => {
  const find = async (q: string) => {
    const staff = await staffHeaders(db, "supervisor");
    const res = await app.inject({
      url: `/api/v1/demands?q=${encodeURIComponent(q)}&limit=200`,
      headers: { authorization: staff.authorization },
    });
    assert.equal(res.statusCode, 200, res.body);
    return new Map((res.json() as { protocol: string; rank: number }[]).map((d) => [d.protocol, d.rank]));
  };
  const where = async (id: number) => {
    const [row] = await db.query<{ indexed: boolean; pending: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM demand_search WHERE demand_id = $1) AS indexed,
              EXISTS (SELECT 1 FROM demand_search_pending WHERE demand_id = $1) AS pending`,
      [id],
    );
    return row!;
  };

  it("finds a demand filed through intake at once, and the same way once the job indexed it", async () => {
    const filed = await fileDemand(
      { app, ctx },
      { description: "Entulho abandonado perto do viaduto Xiririca" },
    );
    assert.deepEqual(await where(filed.id), { indexed: false, pending: true });
    const before = await find("xiririca");
    assert.ok(before.has(filed.protocol), "found while pending");
    assert.ok((await find(filed.protocol)).has(filed.protocol), "by its protocol too");

    await indexDemandSearchJob.run(ctx, { slot: "test" });
    assert.deepEqual(await where(filed.id), { indexed: true, pending: false });
    const after = await find("xiririca");
    assert.equal(after.get(filed.protocol), before.get(filed.protocol), "the same rank either way");
  });

  it("indexes in batches until nothing is pending", async () => {
    const dep = departments[0]!;
    const made = await db.query<{ id: number }>(
      `INSERT INTO demands (protocol, service_id, channel, identity_mode, department_id, description)
       SELECT '7' || lpad(g::text, 12, '0'), (SELECT min(id) FROM services), 'web', 'anonymous', $1,
              'Vazamento de esgoto na travessa Quiriquiri ' || g
         FROM generate_series(1, 25) g
       RETURNING id`,
      [dep.id],
    );
    const { indexed, done } = await indexPendingDemands(db, { batchSize: 10 });
    assert.ok(done && indexed >= 25, `indexed ${indexed}`);
    const [{ pending }] = (await db.query("SELECT count(*)::int AS pending FROM demand_search_pending")) as [
      { pending: number },
    ];
    assert.equal(pending, 0);
    for (const m of made) assert.deepEqual(await where(m.id), { indexed: true, pending: false });
    assert.equal((await find("quiriquiri")).size, 25);
  });

  it("re-indexes a changed text at once, pending or indexed, so an erased word is no longer found", async () => {
    const dep = departments[0]!;
    const indexed = await insertDemand(dep.id, "Poda pedida por Zebedeu Carvalhal");
    await indexPendingDemands(db);
    const pending = await insertDemand(dep.id, "Poda pedida também por Zebedeu Carvalhal");
    assert.equal((await find("zebedeu")).size, 2);
    await db.query(
      "UPDATE demands SET description = regexp_replace(description, 'Zebedeu Carvalhal', '[erased]') WHERE id = ANY($1)",
      [[indexed.id, pending.id]],
    );
    assert.equal((await find("zebedeu")).size, 0);
    assert.ok((await find("poda pedida")).has(indexed.protocol));
    assert.deepEqual(await where(pending.id), { indexed: true, pending: false });
    await db.query("UPDATE demands SET address = 'Travessa Ubirajara, 3' WHERE id = $1", [indexed.id]);
    assert.ok((await find("ubirajara")).has(indexed.protocol), "a new address");
  });
});
