import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { text } from "node:stream/consumers";
import { after, describe, it } from "node:test";
import { startFakeS3 } from "../../tests/fakes/s3.ts";
import { testApp, testConfig } from "../../tests/helpers.ts";
import { parseConfig, type S3Settings } from "../config.ts";
import { one } from "../db/index.ts";
import { deleteUnreferencedFiles } from "../demands/jobs.ts";
import { buildApp } from "../http/app.ts";
import { iconPng } from "../http/icons.ts";
import { type S3Error, s3Store } from "./s3.ts";
import { attachmentStoreOf } from "./store.ts";

const KEY_ID = "RESPONSIVATESTKEY";
const SECRET = "b3nLx0Vd6cQ2r5TqWm8hJf1ZpKs4YyGe7AaN9uCi";
const fake = await startFakeS3({ accessKeyId: KEY_ID, secretAccessKey: SECRET, buckets: ["anexos"] });
after(() => fake.close());
const s3: S3Settings = {
  endpoint: fake.endpoint,
  bucket: "anexos",
  region: "sa-east-1",
  accessKeyId: KEY_ID,
  secretAccessKey: SECRET,
  forcePathStyle: true,
};
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("the S3 attachment store", () => {
  const store = s3Store(s3);
  const content = Buffer.from("conteúdo de teste");

  it("puts, reads back with its type and length, and deletes an object", async () => {
    await store.put("ab/objeto", content, "image/png", sha256(content));
    assert.equal(fake.objects.get("anexos/ab/objeto")?.contentType, "image/png");
    const file = await store.get("ab/objeto");
    assert.equal(file.sizeBytes, content.length);
    assert.equal(await text(file.body), content.toString());
    await store.delete("ab/objeto");
    assert.equal(fake.objects.has("anexos/ab/objeto"), false);
    await store.delete("ab/objeto"); // already gone: not an error
    await assert.rejects(store.get("ab/objeto"), (e: S3Error) => e.status === 404 && e.code === "NoSuchKey");
  });

  it("is refused with S3's own codes for a wrong secret, an unknown key id or a body that is not the one hashed", async () => {
    const wrong = s3Store({ ...s3, secretAccessKey: `${SECRET}x` });
    await assert.rejects(
      wrong.put("ab/x", content, "image/png", sha256(content)),
      (e: S3Error) => e.status === 403 && e.code === "SignatureDoesNotMatch",
    );
    const unknown = s3Store({ ...s3, accessKeyId: "SOMEONEELSE" });
    await assert.rejects(unknown.get("ab/x"), (e: S3Error) => e.code === "InvalidAccessKeyId");
    await assert.rejects(
      store.put("ab/x", content, "image/png", sha256(Buffer.from("outro"))),
      (e: S3Error) => e.status === 400 && e.code === "XAmzContentSHA256Mismatch",
    );
    assert.equal(fake.objects.has("anexos/ab/x"), false);
  });
});

describe("attachments of demands on S3", async () => {
  const { app, ctx } = await testApp({ s3 });
  const db = ctx.db;
  const service = (
    await one<{ code: string }>(
      db,
      `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required
        ORDER BY code LIMIT 1`,
    )
  ).code;
  const photo = iconPng(96);
  const boundary = "----responsiva-s3";
  /** A citizen's demand with one photo, as the portal sends it. */
  const filing = (description: string) => ({
    method: "POST" as const,
    url: "/api/v1/demands",
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="demand"\r\n\r\n${JSON.stringify({
          service,
          description,
          location: { lat: -23.5503, lon: -46.634 },
          identity: "anonymous",
        })}\r\n--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="buraco.png"\r\n` +
          "Content-Type: image/png\r\n\r\n",
      ),
      photo,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  });

  it("stores a citizen's photo in the bucket, and another app instance over the same database serves it", async () => {
    const res = await app.inject(filing("Buraco fundo na calçada em frente à padaria"));
    assert.equal(res.statusCode, 201, res.body);
    const { protocol, secret } = res.json() as { protocol: string; secret: string };
    const row = await one<{ id: number; storage_key: string; size_bytes: number }>(
      db,
      `SELECT a.id, a.storage_key, a.size_bytes FROM attachments a JOIN demands d ON d.id = a.demand_id
        WHERE d.protocol = $1`,
      [protocol],
    );
    const object = fake.objects.get(`anexos/${row.storage_key}`);
    assert.deepEqual(object?.body, photo);
    assert.equal(object?.contentType, "image/png");
    assert.equal(row.size_bytes, photo.length);

    // A second web machine: its own configuration (an empty local folder of its own), the same database and bucket.
    const other = await buildApp({
      db,
      config: testConfig({ dataDir: `/tmp/responsiva-s3-other-${process.pid}`, s3 }),
    });
    after(() => other.close());
    const served = await other.inject({
      method: "GET",
      url: `/api/v1/demands/${protocol}/attachments/${row.id}?secret=${encodeURIComponent(secret)}`,
    });
    assert.equal(served.statusCode, 200, served.body);
    assert.equal(served.headers["content-type"], "image/png");
    assert.equal(served.headers["content-length"], String(photo.length));
    assert.deepEqual(served.rawPayload, photo);

    // Erasure's job deletes the object once no attachment row names it, and not before.
    const store = attachmentStoreOf(ctx.config);
    assert.deepEqual(await deleteUnreferencedFiles(db, store, [row.storage_key]), []);
    assert.ok(fake.objects.has(`anexos/${row.storage_key}`));
    await db.query("DELETE FROM attachments WHERE id = $1", [row.id]);
    assert.deepEqual(await deleteUnreferencedFiles(db, store, [row.storage_key]), [row.storage_key]);
    assert.equal(fake.objects.has(`anexos/${row.storage_key}`), false);
  });

  it("fails a filing cleanly when the store refuses the credentials: a 503 problem and nothing written", async () => {
    const [before] = await db.query<{ demands: number; attachments: number }>(
      "SELECT (SELECT count(*)::int FROM demands) AS demands, (SELECT count(*)::int FROM attachments) AS attachments",
    );
    const objects = fake.objects.size;
    const refused = await buildApp({
      db,
      config: testConfig({ s3: { ...s3, secretAccessKey: "not-the-secret" } }),
    });
    after(() => refused.close());
    const res = await refused.inject(filing("Buraco na calçada que não chega a ser registrado"));
    assert.equal(res.statusCode, 503, res.body);
    assert.match(String(res.headers["content-type"]), /^application\/problem\+json/);
    assert.equal(res.json().code, "service_unavailable");
    const [now] = await db.query<{ demands: number; attachments: number }>(
      "SELECT (SELECT count(*)::int FROM demands) AS demands, (SELECT count(*)::int FROM attachments) AS attachments",
    );
    assert.deepEqual(now, before);
    assert.equal(fake.objects.size, objects);
    assert.ok(
      fake.requests.some((r) => / 403$/.test(r)),
      "the store was asked and refused",
    );
  });
});

describe("the attachment store's settings", () => {
  it("needs the endpoint, bucket and keys with ATTACHMENTS_STORE=s3, and reads path style", () => {
    const missing = parseConfig({ ATTACHMENTS_STORE: "s3", S3_BUCKET: "anexos" });
    assert.ok("problems" in missing);
    assert.deepEqual(missing.problems.map((p) => p.split(":")[0]).sort(), [
      "S3_ACCESS_KEY_ID",
      "S3_ENDPOINT",
      "S3_SECRET_ACCESS_KEY",
    ]);
    const parsed = parseConfig({
      ATTACHMENTS_STORE: "s3",
      S3_ENDPOINT: "https://s3.sa-east-1.amazonaws.com",
      S3_BUCKET: "anexos",
      S3_REGION: "sa-east-1",
      S3_ACCESS_KEY_ID: KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET,
      S3_FORCE_PATH_STYLE: "false",
    });
    assert.ok("config" in parsed);
    assert.equal(parsed.config.s3?.forcePathStyle, false);
    const local = parseConfig({});
    assert.ok("config" in local && local.config.s3 === undefined);
  });
});
