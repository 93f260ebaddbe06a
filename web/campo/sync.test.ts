/**
 * The tablet's sync planning (web/campo/sync.ts): which files go up first, the batch, what each outcome of the
 * server's reply does to the kept items (nothing refused is dropped), a changed route, the visit's state on the day,
 * the answers a finished response sends, and the services' search.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import { searchServices } from "./services.ts";
import {
  applyReply,
  buildBatch,
  changedRoutes,
  type Day,
  filesToUpload,
  finishedAnswers,
  isEmptyBatch,
  type Kept,
  type KeptDemand,
  type KeptResponse,
  type SyncReply,
  visitState,
  waitingCount,
} from "./sync.ts";

const sha = (c: string) => c.repeat(64);
const ME = 7;

const response = (over: Partial<KeptResponse> = {}): KeptResponse => ({
  clientId: "00000000-0000-4000-8000-000000000001",
  inspectorId: ME,
  versionId: 3,
  questionnaireId: 2,
  visitId: 11,
  blockId: 5,
  routeRevision: 1,
  startedAt: "2026-12-06T12:00:00.000Z",
  answeredAt: "2026-12-06T12:05:00.000Z",
  answers: { clean: false, why: ["dirt"], photos: [sha("a"), sha("b")] },
  state: "waiting",
  ...over,
});

const demand = (over: Partial<KeptDemand> = {}): KeptDemand => ({
  clientId: "00000000-0000-4000-8000-0000000000d1",
  inspectorId: ME,
  service: "SP-1",
  serviceName: "Tapa-buraco",
  description: "Buraco fundo",
  location: { lat: -23.5, lng: -46.6, accuracy: 8 },
  blockId: 5,
  photos: [sha("b"), sha("c")],
  createdAt: "2026-12-06T12:06:00.000Z",
  state: "waiting",
  ...over,
});

const kept = (over: Partial<Kept> = {}): Kept => ({
  responses: [response()],
  demands: [demand()],
  visits: [
    {
      visitId: 12,
      inspectorId: ME,
      state: "skipped",
      note: "Portão fechado",
      at: "2026-12-06T13:00:00.000Z",
      sync: "waiting",
    },
  ],
  files: [
    { sha256: sha("a"), type: "image/jpeg", uploaded: true },
    { sha256: sha("b"), type: "image/jpeg", uploaded: false },
    { sha256: sha("c"), type: "image/jpeg", uploaded: false },
  ],
  ...over,
});

const reply = (over: Partial<SyncReply> = {}): SyncReply => ({
  batchId: "b",
  responses: [],
  demands: [],
  visits: [],
  missingFiles: [],
  routes: [],
  ...over,
});

describe("the tablet's sync", () => {
  it("uploads first each file the waiting items name that the server lacks, once", () => {
    assert.deepEqual(filesToUpload(kept(), ME), [sha("b"), sha("c")]);
    // A file the server's reply named missing goes up again, even if it went up before.
    assert.deepEqual(filesToUpload(kept(), ME, [sha("a")]), [sha("a"), sha("b"), sha("c")]);
    // Synced items and another inspector's items name nothing to upload.
    const done = kept({
      responses: [response({ state: "synced" })],
      demands: [demand({ inspectorId: 8 })],
    });
    assert.deepEqual(filesToUpload(done, ME), []);
  });

  it("builds the batch of the waiting items in the server's shape, drafts and refused ones left out", () => {
    const items = kept({
      responses: [
        response(),
        response({ clientId: "draft", state: "draft" }),
        response({ clientId: "refused", state: "refused" }),
      ],
    });
    const batch = buildBatch(items, ME, "batch-1", "device-1");
    assert.equal(batch.batchId, "batch-1");
    assert.equal(batch.deviceId, "device-1");
    assert.deepEqual(batch.responses, [
      {
        clientId: "00000000-0000-4000-8000-000000000001",
        versionId: 3,
        visitId: 11,
        blockId: 5,
        routeRevision: 1,
        startedAt: "2026-12-06T12:00:00.000Z",
        answeredAt: "2026-12-06T12:05:00.000Z",
        answers: { clean: false, why: ["dirt"], photos: [sha("a"), sha("b")] },
      },
    ]);
    assert.deepEqual(batch.demands[0]?.location, { lat: -23.5, lng: -46.6 });
    assert.deepEqual(batch.demands[0]?.photos, [sha("b"), sha("c")]);
    // The skipped visit, and the visit the finished response answered, done.
    assert.deepEqual(batch.visits, [
      { visitId: 12, state: "skipped", note: "Portão fechado", at: "2026-12-06T13:00:00.000Z" },
      { visitId: 11, state: "done", at: "2026-12-06T12:05:00.000Z" },
    ]);
    assert.equal(waitingCount(items, ME), 3);
    assert.ok(isEmptyBatch(buildBatch(items, 99, "b", "d")));
  });

  it("marks each item by its outcome: synced, refused with the reasons, or waiting for its files", () => {
    const two = kept({
      responses: [response(), response({ clientId: "second" }), response({ clientId: "third" })],
      demands: [demand(), demand({ clientId: "d2" })],
    });
    const after = applyReply(
      two,
      reply({
        responses: [
          { clientId: "00000000-0000-4000-8000-000000000001", outcome: "accepted", flags: ["late"] },
          { clientId: "second", outcome: "rejected", problems: [{ code: "version_retired" }] },
          { clientId: "third", outcome: "missing_files" },
        ],
        demands: [
          { clientId: "00000000-0000-4000-8000-0000000000d1", outcome: "created", protocol: "2026120600001" },
          { clientId: "d2", outcome: "duplicate", protocol: "2026120600002" },
        ],
        visits: [
          { visitId: 12, outcome: "ignored", reason: "not_your_visit" },
          { visitId: 11, outcome: "updated" },
        ],
        missingFiles: [sha("a")],
      }),
    );
    assert.deepEqual(
      after.responses.map((r) => [r.clientId, r.state]),
      [
        ["00000000-0000-4000-8000-000000000001", "synced"],
        ["second", "refused"],
        ["third", "waiting"],
      ],
    );
    assert.deepEqual(after.responses[0]?.flags, ["late"]);
    assert.deepEqual(after.responses[1]?.problems, [{ code: "version_retired" }]);
    assert.deepEqual(
      after.demands.map((d) => [d.state, d.protocol]),
      [
        ["synced", "2026120600001"],
        ["synced", "2026120600002"],
      ],
    );
    // A visit the server ignored (no longer this inspector's) is kept as refused, with the reason.
    assert.deepEqual([after.visits[0]?.sync, after.visits[0]?.outcome], ["refused", "not_your_visit"]);
    // The missing file is marked not uploaded: the next run sends it, then the waiting response.
    assert.equal(after.files.find((f) => f.sha256 === sha("a"))?.uploaded, false);
    assert.deepEqual(filesToUpload(after, ME), [sha("a"), sha("b")]);
    assert.equal(waitingCount(after, ME), 1);
    const synced = applyReply(kept(), reply({ visits: [{ visitId: 12, outcome: "updated" }] }));
    assert.equal(synced.visits[0]?.sync, "synced");
  });

  it("applies the same reply twice as once (a resent batch), and never touches items it does not name", () => {
    const once = applyReply(
      kept(),
      reply({ responses: [{ clientId: "00000000-0000-4000-8000-000000000001", outcome: "accepted" }] }),
    );
    const twice = applyReply(
      once,
      reply({ responses: [{ clientId: "00000000-0000-4000-8000-000000000001", outcome: "rejected" }] }),
    );
    assert.deepEqual(twice, once);
    assert.equal(once.demands[0]?.state, "waiting");
  });

  it("offers a new download only for a route whose revision changed", () => {
    const day = { routes: [{ id: 1, revision: 2, note: null, visits: [] }] } as unknown as Day;
    assert.deepEqual(changedRoutes(day, [{ id: 1, revision: 2, state: "planned" }]), []);
    assert.deepEqual(changedRoutes(day, [{ id: 1, revision: 3, state: "planned" }]), [1]);
    assert.deepEqual(changedRoutes(undefined, [{ id: 1, revision: 3, state: "planned" }]), []);
  });

  it("says a visit's state from the kept items, else the server's", () => {
    const visit = {
      id: 11,
      position: 1,
      blockId: 5,
      questionnaireId: 2,
      versionId: 3,
      reason: null,
      state: "planned",
    };
    assert.deepEqual(visitState(visit, { responses: [], visits: [] }), { state: "pending" });
    assert.deepEqual(visitState(visit, { responses: [response({ state: "draft" })], visits: [] }), {
      state: "draft",
    });
    assert.deepEqual(visitState(visit, { responses: [response()], visits: [] }), {
      state: "done",
      sync: "waiting",
    });
    assert.equal(
      visitState(visit, {
        responses: [response({ state: "refused", problems: [{ code: "x" }] })],
        visits: [],
      }).problems?.[0]?.code,
      "x",
    );
    assert.deepEqual(visitState({ ...visit, state: "done" }, { responses: [], visits: [] }), {
      state: "done",
      sync: "synced",
    });
  });

  it("sends only the answers of questions asked, without empty ones", () => {
    const definition: QuestionnaireDefinition = {
      questions: [
        { name: "clean", type: "yes_no", label: { "pt-BR": "Limpa?" }, required: true },
        {
          name: "why",
          type: "text",
          label: { "pt-BR": "Por quê?" },
          relevant: { question: "clean", op: "eq", value: false },
        },
        { name: "photos", type: "photo", label: { "pt-BR": "Fotos" } },
      ],
    };
    assert.deepEqual(finishedAnswers(definition, { clean: true, why: "sujeira", photos: [] }), {
      clean: true,
    });
    assert.deepEqual(finishedAnswers(definition, { clean: false, why: "sujeira" }), {
      clean: false,
      why: "sujeira",
    });
    assert.deepEqual(finishedAnswers(definition, { why: "  " }), {});
  });

  it("searches the downloaded services by every typed word, accents and case aside", () => {
    const services = [
      { code: "SP-1", name: "Tapa-buraco", groupName: "Vias" },
      { code: "SP-2", name: "Reparo de lâmpada", groupName: "Iluminação" },
    ];
    assert.deepEqual(
      searchServices(services, "LAMPADA ilum").map((s) => s.code),
      ["SP-2"],
    );
    assert.deepEqual(searchServices(services, ""), []);
  });
});
