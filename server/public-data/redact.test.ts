import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDb } from "../../tests/helpers.ts";
import { one } from "../db/index.ts";
import { loadKnownPerson } from "./known.ts";
import { type KnownPerson, NOBODY, REDACTED, redactPublicDeep, redactPublicText } from "./redact.ts";

const MARIA: KnownPerson = {
  names: ["Maria Aparecida da Conceição"],
  documents: ["52998224725"],
  contacts: ["maria.conceicao@example.org", "5511987654321"],
  addresses: ["Rua 25 de Março, 1200 - apto 31"],
};

describe("redactPublicText", () => {
  it("hides e-mails, phones, CPFs and house numbers of anyone", () => {
    assert.equal(
      redactPublicText(
        "Escreva para joao@example.com ou ligue (11) 3333-4444; CPF 111.444.777-35; Av. Paulista 900; nº 15",
      ),
      `Escreva para ${REDACTED} ou ligue ${REDACTED}; CPF ${REDACTED}; Av. Paulista ${REDACTED}; nº ${REDACTED}`,
    );
  });

  it("keeps protocols, dates, times, deadlines and streets without a number", () => {
    const text = "Protocolo 20260000001234 de 2026-03-01 às 14:30; prazo de 12 dias; Rua 25 de Março";
    assert.equal(redactPublicText(text), text);
    assert.equal(redactPublicText("há 3 buracos na Rua Augusta"), "há 3 buracos na Rua Augusta");
  });

  it("hides each part of a known name whatever its accents and case, but not particles", () => {
    assert.equal(
      redactPublicText("Sra. MARIA CONCEICAO, da equipe de Aparecida", MARIA),
      `Sra. ${REDACTED} ${REDACTED}, da equipe de ${REDACTED}`,
    );
  });

  it("hides known contacts and documents however they are written", () => {
    const text =
      "tel 11 98765 4321, 98765-4321 ou 5511987654321; Maria.Conceicao@Example.org; 529 982 247 25";
    assert.doesNotMatch(redactPublicText(text, MARIA), /\d{4}|example/i);
  });

  it("hides the numbers of the known address where they stand alone, not inside other numbers", () => {
    assert.equal(
      redactPublicText("o imóvel 1200, apto 31; protocolo 20261200000001; 12:00", MARIA),
      `o imóvel ${REDACTED}, apto ${REDACTED}; protocolo 20261200000001; 12:00`,
    );
  });

  it("redacts every string of nested event data and leaves other values alone", () => {
    const data = {
      answer: "Maria, feito.",
      n: 3,
      ok: true,
      list: ["ligue 98765-4321", { note: "Conceição" }],
    };
    assert.deepEqual(redactPublicDeep(data, MARIA), {
      answer: `${REDACTED}, feito.`,
      n: 3,
      ok: true,
      list: [`ligue ${REDACTED}`, { note: REDACTED }],
    });
    assert.deepEqual(redactPublicDeep("Maria", NOBODY), "Maria");
  });
});

describe("loadKnownPerson", () => {
  it("knows the demand's citizen and the followers of duplicates merged into it, with their addresses", async () => {
    const db = await testDb();
    const service = await one<{ id: number }>(db, "SELECT id FROM services WHERE active ORDER BY id LIMIT 1");
    const person = async (name: string, email: string) => {
      const c = await one<{ id: number }>(
        db,
        "INSERT INTO citizens (name, document) VALUES ($1, '52998224725') RETURNING id",
        [name],
      );
      await db.query("INSERT INTO citizen_contacts (citizen_id, channel, value) VALUES ($1, 'email', $2)", [
        c.id,
        email,
      ]);
      return c.id;
    };
    const demand = async (citizenId: number, address: string) =>
      one<{ id: number }>(
        db,
        `INSERT INTO demands (protocol, service_id, description, channel, identity_mode, citizen_id, address)
         VALUES (next_protocol(), $1, 'x', 'web', 'identified', $2, $3) RETURNING id`,
        [service.id, citizenId, address],
      );
    const ana = await person("Ana Known", "ana.known@example.org");
    const bia = await person("Bia Follower", "bia.follower@example.org");
    const survivor = await demand(ana, "Rua A, 11");
    const duplicate = await demand(bia, "Rua B, 22");
    await db.query(
      "INSERT INTO demand_followers (demand_id, citizen_id, from_demand_id, channel) VALUES ($1, $2, $3, 'web')",
      [survivor.id, bia, duplicate.id],
    );
    const known = await loadKnownPerson(db, survivor.id);
    assert.deepEqual([...known.names].sort(), ["Ana Known", "Bia Follower"]);
    assert.deepEqual(known.documents, ["52998224725"]);
    assert.deepEqual([...known.contacts].sort(), ["ana.known@example.org", "bia.follower@example.org"]);
    assert.deepEqual([...known.addresses].sort(), ["Rua A, 11", "Rua B, 22"]);
    assert.deepEqual(await loadKnownPerson(db, -1), NOBODY);
  });
});
