/**
 * A small city's activity for the backup and export tests: demands filed over HTTP, some with a photo, routed by
 * the worker (timeline events, work orders, messages), so a copy can be checked row for row.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../server/context.ts";
import { JOBS } from "../server/jobs/registry.ts";
import { runOnce } from "../server/jobs/runner.ts";

const SE = { lat: -23.5503, lon: -46.634 };
// A valid 1×1 PNG with random bytes in a trailing chunk-free tail, so each photo is a distinct file.
const PNG_HEAD = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** A photo whose bytes differ from every other one made here. */
export const distinctPng = () => Buffer.concat([PNG_HEAD, randomBytes(64)]);

function multipart(demand: unknown, photo: Buffer) {
  const boundary = "----responsiva-backup-boundary";
  return {
    payload: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="demand"\r\n\r\n${JSON.stringify(demand)}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="photos"; filename="foto.png"\r\n` +
          "Content-Type: image/png\r\n\r\n",
      ),
      photo,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

/** Files `count` demands (every other one with a photo), runs the worker until the outbox is drained. */
export async function fileSmallCity(
  app: FastifyInstance,
  ctx: AppContext,
  count = 6,
): Promise<{ protocols: string[]; photos: Map<string, Buffer> }> {
  const [service] = await ctx.db.query<{ code: string }>(
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required
        AND demand_type = 'request' ORDER BY code LIMIT 1`,
  );
  assert.ok(service, "the fixture city has a service to file");
  const code: string = service.code;
  const protocols: string[] = [];
  const photos = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const demand = {
      service: code,
      description: `Buraco número ${i} na calçada`,
      location: { lat: SE.lat + i * 0.0003, lon: SE.lon },
      citizen: { name: `Cidadã ${i}`, email: `cidada${i}-${randomBytes(3).toString("hex")}@example.org` },
    };
    const photo = distinctPng();
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/demands",
      ...(i % 2 === 0 ? multipart(demand, photo) : { payload: demand }),
    });
    assert.equal(res.statusCode, 201, res.body);
    const protocol = res.json().protocol as string;
    protocols.push(protocol);
    if (i % 2 === 0) photos.set(protocol, photo);
  }
  while ((await runOnce(ctx, JOBS, { limit: 50 })) > 0) {
    // every claimed batch may queue more (route → message)
  }
  return { protocols, photos };
}
