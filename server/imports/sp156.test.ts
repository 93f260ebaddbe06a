import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { hasValidCheckDigit } from "../../domain/protocol.ts";
import { testConfig, testDb } from "../../tests/helpers.ts";
import type { Db } from "../db/index.ts";
import { indicatorOf } from "../indicators/definitions.ts";
import { refreshIndicatorFacts } from "../indicators/facts.ts";
import { type GroupKey, readIndicator } from "../indicators/queries.ts";
import { importSp156 } from "./sp156.ts";

const REAL_FILE = `${testConfig().sharedDataDir}/sp156/sp156_solicitacoes_2019-01_a_2019-04.csv`;
const BAD_FILE = new URL("../../tests/fixtures/sp156-bad.csv", import.meta.url).pathname;

/** Counts a column of the file with a plain CSV read, independent of the importer. */
function countColumn(records: Record<string, string>[], column: string, map = (v: string) => v) {
  const counts: Record<string, number> = {};
  for (const r of records) counts[map(r[column]!)] = (counts[map(r[column]!)] ?? 0) + 1;
  return counts;
}

async function countDb(db: Db, expression: string, join = "") {
  const rows = await db.query<{ k: string; n: number }>(
    `SELECT ${expression} AS k, count(*)::int AS n FROM demands d ${join} GROUP BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

const SP156_STATUS = `CASE
  WHEN d.status = 'closed' AND d.outcome = 'resolved' THEN 'FINALIZADA'
  WHEN d.status = 'closed' AND d.outcome = 'refused' THEN 'INDEFERIDO'
  WHEN d.status = 'cancelled' AND d.outcome = 'withdrawn' THEN 'CANCELADA'
  WHEN d.status = 'dispatched' AND d.outcome IS NULL AND d.closed_at IS NULL THEN 'AGUARDANDO ATENDIMENTO'
  ELSE d.status || '/' || coalesce(d.outcome, '-') END`;

const ourChannel = (canal: string) =>
  canal === "CENTRAL TELEFÔNICA"
    ? "phone"
    : canal === "PORTAL ONLINE"
      ? "web"
      : canal === "APLICATIVO"
        ? "app"
        : /^(PRAÇAS|DESCOMPLICA)/.test(canal)
          ? "counter"
          : canal;

describe("importing the real SP156 slice 2019-01..04", async () => {
  const db = await testDb();
  const records = parse(readFileSync(REAL_FILE), { columns: true }) as Record<string, string>[];
  const started = Date.now();
  const first = await importSp156(db, REAL_FILE, { keepRejections: 60_000 });
  const seconds = (Date.now() - started) / 1000;

  it("imports every row, each counted once as imported or rejected", () => {
    console.log(`# full import on ${db.kind}: ${first.rowsRead} rows in ${seconds.toFixed(1)} s`);
    assert.equal(first.rowsRead, 52_294);
    assert.equal(first.imported + first.rejected, 52_294);
    // A rejected row here means the seeds miss part of the contract (a service, department or district).
    const why: Record<string, number> = {};
    for (const r of first.rejections)
      why[`${r.reason}: ${r.value}`] = (why[`${r.reason}: ${r.value}`] ?? 0) + 1;
    assert.deepEqual(why, {});
  });

  it("has the file's counts per status, channel and department", async () => {
    assert.deepEqual(await countDb(db, SP156_STATUS), countColumn(records, "Status da solicitação"));
    assert.deepEqual(await countDb(db, "d.channel"), countColumn(records, "Canal", ourChannel));
    assert.deepEqual(
      await countDb(db, "o.code", "JOIN departments o ON o.id = d.department_id"),
      countColumn(records, "Órgão"),
    );
  });

  it("gives the indicators the file's counts per service, district, department, month, status and channel", async () => {
    const started = Date.now();
    await refreshIndicatorFacts(db);
    console.log(`# indicator facts of ${first.imported} demands on ${db.kind} in ${Date.now() - started} ms`);
    const opened = indicatorOf("demands-opened")!;
    const period = { from: "2019-01-01", to: "2021-12-30" };
    const counted = async (key: GroupKey, name = (k: string) => k, indicator = opened) => {
      const { rows } = await readIndicator(db, indicator, { groupBy: [key] }, period, "America/Sao_Paulo");
      return Object.fromEntries(rows.map((r) => [name(r.key[key] ?? "-"), r.values.count]));
    };
    // The file names a service as the catalogue did then (Tema|Assunto|Serviço): the catalogue's own reference or
    // one of its recorded former names (service_source_aliases) leads to today's service.
    const serviceOfRef = new Map(
      (
        await db.query<{ ref: string; code: string }>(
          `SELECT s.source_ref AS ref, s.code FROM services s WHERE s.source_ref LIKE 'sp156:%'
           UNION ALL
           SELECT a.source_ref, s.code FROM service_source_aliases a JOIN services s ON s.id = a.service_id`,
        )
      ).map((r) => [
        r.ref
          .replace(/^sp156:/, "")
          .split("|")
          .slice(0, 3)
          .join("|"),
        r.code,
      ]),
    );
    const districtByName = new Map(
      (
        await db.query<{ name: string; code: string }>(
          "SELECT name, code FROM districts UNION ALL SELECT alias, code FROM area_aliases WHERE kind = 'district'",
        )
      ).map((r) => [r.name, r.code]),
    );
    const fromFile = (make: (r: Record<string, string>) => string, rows = records) => {
      const counts: Record<string, number> = {};
      for (const r of rows) counts[make(r)] = (counts[make(r)] ?? 0) + 1;
      return counts;
    };
    assert.deepEqual(
      await counted("service"),
      fromFile((r) => {
        const ref = `${r.Tema}|${r.Assunto}|${r.Serviço}`;
        return serviceOfRef.get(ref) ?? `not in the catalogue: ${ref}`;
      }),
    );
    // A row that names its district is counted there; one that does not (83 in this slice) is placed by its point.
    const byDistrict = await counted("district");
    const named = fromFile((r) =>
      r.Distrito ? (districtByName.get(r.Distrito) ?? `unknown: ${r.Distrito}`) : "-",
    );
    const { "-": unnamed = 0, ...namedCounts } = named;
    for (const [code, count] of Object.entries(namedCounts)) {
      assert.ok((byDistrict[code] ?? 0) >= count, `district ${code}: ${byDistrict[code]} < ${count}`);
    }
    const placed = Object.values(byDistrict).reduce((a: number, b) => a + (b ?? 0), 0);
    assert.equal(byDistrict["-"], undefined, "every demand has a district");
    assert.equal(placed - Object.values(namedCounts).reduce((a, b) => a + b, 0), unnamed);
    assert.ok(unnamed > 0 && unnamed < 200, `${unnamed} rows without a district`);
    assert.deepEqual(await counted("department"), countColumn(records, "Órgão"));
    assert.deepEqual(
      await counted("month"),
      fromFile((r) => r["Data de abertura"]!.slice(0, 7)),
    );
    assert.deepEqual(await counted("channel"), countColumn(records, "Canal", ourChannel));
    const statusOf = (s: string) =>
      s === "FINALIZADA" || s === "INDEFERIDO" ? "closed" : s === "CANCELADA" ? "cancelled" : "dispatched";
    assert.deepEqual(
      await counted("status"),
      fromFile((r) => statusOf(r["Status da solicitação"]!)),
    );
    // Closures fall in the month of the department's answer ("Data do parecer"), which may be after April.
    const closedRows = records.filter((r) => statusOf(r["Status da solicitação"]!) === "closed");
    assert.deepEqual(
      await counted("month", undefined, indicatorOf("demands-closed")!),
      fromFile((r) => r["Data do parecer"]!.slice(0, 7), closedRows),
    );
    const { rows: backlog } = await readIndicator(
      db,
      indicatorOf("backlog")!,
      {},
      period,
      "America/Sao_Paulo",
    );
    assert.equal(
      backlog[0]!.values.open,
      countColumn(records, "Status da solicitação")["AGUARDANDO ATENDIMENTO"],
    );
  });

  it("gives valid protocols prefixed with the year of opening, and the CSV's local opening time", async () => {
    const rows = await db.query<{ protocol: string; line: number; local: string }>(
      `SELECT d.protocol, (e.data->>'line')::int AS line,
         to_char(d.opened_at AT TIME ZONE 'America/Sao_Paulo', 'YYYY-MM-DD HH24:MI:SS') AS local
       FROM demands d JOIN demand_events e ON e.demand_id = d.id AND e.type = 'demand.imported'`,
    );
    assert.equal(rows.length, first.imported);
    for (const r of rows) {
      const opened = records[r.line - 2]!["Data de abertura"]!;
      assert.ok(hasValidCheckDigit(r.protocol), r.protocol);
      assert.equal(r.protocol.slice(0, 4), opened.slice(0, 4));
      assert.equal(r.local, opened, `line ${r.line}`);
    }
  });

  it("writes an imported event for every demand and a closing event for every closed one", async () => {
    const [events] = await db.query<{ imported: number; closed: number; cancelled: number }>(
      `SELECT count(*) FILTER (WHERE type = 'demand.imported')::int AS imported,
              count(*) FILTER (WHERE type = 'demand.closed')::int AS closed,
              count(*) FILTER (WHERE type = 'demand.cancelled')::int AS cancelled FROM demand_events`,
    );
    const status = countColumn(records, "Status da solicitação");
    assert.deepEqual(events, {
      imported: 52_294,
      closed: status.FINALIZADA! + status.INDEFERIDO!,
      cancelled: status.CANCELADA!,
    });
  });

  it("starts a deadline clock from its real opening for every demand still open in the file", async () => {
    const [open] = await db.query<{ demands: number; clocks: number; from_opening: number }>(
      `SELECT count(*)::int AS demands, count(c.id)::int AS clocks,
              count(*) FILTER (WHERE c.started_at = d.opened_at AND c.due_at = d.due_at)::int AS from_opening
         FROM demands d LEFT JOIN deadlines c ON c.demand_id = d.id AND c.stage = 'demand'
        WHERE d.status = 'dispatched'`,
    );
    const waiting = countColumn(records, "Status da solicitação")["AGUARDANDO ATENDIMENTO"]!;
    assert.deepEqual(open, { demands: waiting, clocks: waiting, from_opening: waiting });
    assert.equal(first.flagged, 0, "no closing before its opening in this slice");
  });

  it("adds nothing when the same file is imported again, and uses up no protocol number", async () => {
    const [before] = await db.query<{ last_value: number }>("SELECT last_value FROM protocol_seq");
    const again = await importSp156(db, REAL_FILE);
    assert.equal(again.imported, 0);
    assert.equal(again.alreadyPresent, first.imported);
    assert.equal(again.rejected, first.rejected);
    const [after] = await db.query<{ last_value: number }>("SELECT last_value FROM protocol_seq");
    assert.deepEqual(after, before);
    const [count] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM demands");
    assert.equal(count!.n, first.imported);
  });
});

describe("importing a file with bad rows", async () => {
  const db = await testDb();
  const demand = (line: number) =>
    db.query<Record<string, unknown>>(
      `SELECT d.*, ds.name AS district_name, ST_Y(d.location) AS lat, ST_X(d.location) AS lon,
         (SELECT array_agg(type ORDER BY e.at) FROM demand_events e WHERE e.demand_id = d.id) AS events
       FROM demands d LEFT JOIN districts ds ON ds.code = d.district_code
       WHERE d.id = (SELECT demand_id FROM demand_events WHERE data->>'line' = $1)`,
      [String(line)],
    );

  it("writes nothing on a dry run", async () => {
    const dry = await importSp156(db, BAD_FILE, { dryRun: true });
    assert.equal(dry.imported, 13);
    assert.equal(dry.rejected, 8);
    assert.equal(dry.flagged, 1);
    const [n] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM demands");
    assert.equal(n!.n, 0);
  });

  it("leaves no half-written batch when a batch fails, and finishes on the next run", async () => {
    // The events of line 16 fail after its batch's demands were inserted: the whole batch must roll back.
    await db.exec(`CREATE FUNCTION fail_line_16() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.data->>'line' = '16' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_line_16 BEFORE INSERT ON demand_events FOR EACH ROW EXECUTE FUNCTION fail_line_16();`);
    // Batches of 3 rows that pass the first checks: [2 3 7] [9 12 13] [14 15 16] [17 18 19] [20 22].
    // One batch at a time, so the batches before the failing one are committed and none after it.
    await assert.rejects(importSp156(db, BAD_FILE, { batchSize: 3, concurrency: 1 }), /injected failure/);
    const rows = await db.query<{ line: string }>(
      `SELECT e.data->>'line' AS line FROM demands d
       LEFT JOIN demand_events e ON e.demand_id = d.id AND e.type = 'demand.imported'
       ORDER BY (e.data->>'line')::int`,
    );
    assert.deepEqual(
      rows.map((r) => r.line),
      ["2", "3", "7", "12", "13"],
    );
    await db.exec("DROP TRIGGER fail_line_16 ON demand_events");

    const summary = await importSp156(db, BAD_FILE, { batchSize: 3 });
    assert.equal(summary.rowsRead, 21);
    assert.equal(summary.imported, 8);
    assert.equal(summary.alreadyPresent, 5);
    assert.deepEqual(
      summary.rejections.map((r) => `${r.line} ${r.reason}`),
      [
        "4 malformed_row",
        "5 unknown_service",
        "6 bad_date",
        "8 unknown_channel",
        "9 point_outside_city",
        "10 unknown_department",
        "11 unknown_status",
        "21 malformed_row",
      ],
    );
    assert.deepEqual(
      summary.rejections.slice(1, 5).map((r) => r.value),
      [
        "Lixo e limpeza|Coleta de lixo domiciliar|Serviço que não existe",
        "2019-02-30 10:00:00",
        "CARTA",
        "-24.5,-46",
      ],
    );
  });

  it("maps channels, statuses, places and addresses", async () => {
    const [web] = await demand(2);
    assert.equal(web!.channel, "web");
    assert.equal(web!.status, "closed");
    assert.equal(web!.outcome, "resolved");
    assert.equal(web!.identity_mode, "anonymous");
    assert.equal(web!.citizen_id, null);
    assert.equal(web!.address, "Rua Festa Chinesa, 527 - CEP 08465-140");
    assert.equal(web!.district_name, "GUAIANASES");
    assert.deepEqual([web!.lat, web!.lon], [-23.566501, -46.399813]);
    assert.deepEqual(web!.attributes, {});
    assert.deepEqual(web!.events, ["demand.imported", "demand.closed"]);
    const [waiting] = await demand(12);
    assert.deepEqual([waiting!.status, waiting!.outcome, waiting!.closed_at], ["dispatched", null, null]);
    assert.deepEqual(waiting!.events, ["demand.imported"]);
    const [cancelled] = await demand(13);
    assert.deepEqual([cancelled!.status, cancelled!.outcome], ["cancelled", "withdrawn"]);
    assert.deepEqual(cancelled!.events, ["demand.imported", "demand.cancelled"]);
    const [refused] = await demand(14);
    assert.deepEqual([refused!.channel, refused!.status, refused!.outcome], ["app", "closed", "refused"]);
    assert.equal((await demand(15))[0]!.channel, "counter"); // DESCOMPLICA
    assert.equal((await demand(16))[0]!.channel, "counter"); // PRAÇAS
    // No Distrito, and a point 74 m past the city limits as drawn: the nearest district.
    assert.equal((await demand(17))[0]!.district_name, "PERUS");
  });

  it("keeps real duplicate rows apart", async () => {
    const [a] = await demand(19);
    const [b] = await demand(20);
    assert.notEqual(a!.id, b!.id);
    assert.match(String(a!.source_ref), /^sp156:[0-9a-f]{64}#1$/);
    assert.equal(String(b!.source_ref), String(a!.source_ref).replace(/#1$/, "#2"));
  });

  it("reads local times in America/Sao_Paulo, summer time included", async () => {
    const at = async (line: number) => {
      const [d] = await demand(line);
      return [(d!.opened_at as Date).toISOString(), (d!.closed_at as Date | null)?.toISOString() ?? null];
    };
    // 2019-01-01 02:38:00 in summer time (-02); closed 2019-03-14 04:30:00 after it ended (-03).
    assert.deepEqual(await at(2), ["2019-01-01T04:38:00.000Z", "2019-03-14T07:30:00.000Z"]);
    assert.deepEqual(await at(22), ["2019-03-01T03:32:17.000Z", "2019-04-03T22:11:15.000Z"]);
    // Opened 23:56 in the hour before summer time ended, cancelled 23:13 in the repeated hour after.
    assert.deepEqual(await at(18), ["2019-02-17T01:56:19.000Z", "2019-02-17T02:13:41.000Z"]);
  });

  it("numbers protocols with the year of opening and a Damm check digit", async () => {
    const rows = await db.query<{ protocol: string }>("SELECT protocol FROM demands");
    assert.equal(rows.length, 13);
    for (const r of rows) {
      assert.match(r.protocol, /^2019\d{9}$/);
      assert.ok(hasValidCheckDigit(r.protocol));
    }
  });
});

describe("a bulk load", async () => {
  const bulk = await testDb();
  const plain = await testDb();
  /** The indexes and constraints of the tables a bulk load rebuilds, as their definitions. */
  const schema = async (db: Db) =>
    (
      await db.query<{ d: string }>(
        `SELECT pg_get_indexdef(indexrelid) AS d FROM pg_index
          WHERE indrelid IN ('demands'::regclass, 'demand_events'::regclass)
         UNION ALL
         SELECT conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint
          WHERE conrelid IN ('demands'::regclass, 'demand_events'::regclass)
         ORDER BY 1`,
      )
    ).map((r) => r.d);
  const rows = (db: Db) =>
    db.query(
      `SELECT d.protocol, d.service_id, d.department_id, d.channel, d.status, d.outcome, d.location::text,
         d.address, d.district_code, d.subprefeitura_code, d.block_id, d.opened_at, d.closed_at, d.due_at,
         d.source_ref, d.import_flags,
         (SELECT array_agg(e.type || ' ' || e.at::text || ' ' || e.data::text ORDER BY e.id)
            FROM demand_events e WHERE e.demand_id = d.id) AS events,
         (SELECT array_agg(c.due_at::text || ' ' || c.fire_at::text) FROM deadlines c WHERE c.demand_id = d.id)
           AS clocks,
         (SELECT count(*)::int FROM work_orders w WHERE w.demand_id = d.id) AS orders
       FROM demands d ORDER BY d.id`,
    );
  const before = await schema(bulk);

  it("writes what a batched import writes, and leaves every index and key as it was", async () => {
    const summary = await importSp156(bulk, BAD_FILE, { bulk: true, batchSize: 3 });
    const batched = await importSp156(plain, BAD_FILE, { batchSize: 3, concurrency: 1 });
    assert.equal(summary.bulk, true);
    assert.deepEqual(
      [summary.imported, summary.rejected, summary.flagged, summary.rejections],
      [batched.imported, batched.rejected, batched.flagged, batched.rejections],
    );
    assert.deepEqual(await rows(bulk), await rows(plain));
    assert.deepEqual(await schema(bulk), before);
    assert.ok(summary.stages.bulkRebuild > 0);
  });

  it("adds nothing when the file is loaded again", async () => {
    const again = await importSp156(bulk, BAD_FILE, { bulk: true });
    assert.deepEqual([again.imported, again.alreadyPresent], [0, 13]);
    assert.deepEqual(await schema(bulk), before);
  });

  it("rolls the whole file back when a batch fails", async () => {
    await bulk.exec(`DELETE FROM work_orders; DELETE FROM deadline_fires; DELETE FROM deadlines;
      DELETE FROM demand_search_pending; DELETE FROM demand_events; DELETE FROM demands;
      CREATE FUNCTION fail_line_16() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.data->>'line' = '16' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_line_16 BEFORE INSERT ON demand_events FOR EACH ROW EXECUTE FUNCTION fail_line_16();`);
    await assert.rejects(importSp156(bulk, BAD_FILE, { bulk: true, batchSize: 3 }), /injected failure/);
    const [n] = await bulk.query<{ n: number }>("SELECT count(*)::int AS n FROM demands");
    assert.equal(n!.n, 0);
    assert.deepEqual(await schema(bulk), before);
  });
});
