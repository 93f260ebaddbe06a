/**
 * Attachments in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage …) over its REST API, each request signed
 * with AWS Signature Version 4 by aws4fetch (decision 0035). PUT carries the file's SHA-256 as the signed payload
 * hash, so the store refuses a body altered on the way; GET streams the object to the caller.
 */
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AwsClient } from "aws4fetch";
import type { S3Settings } from "../config.ts";
import type { AttachmentStore } from "./store.ts";

/** A failed S3 request: the HTTP status and S3's own error code (AccessDenied, SignatureDoesNotMatch …). */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    operation: string,
  ) {
    super(`S3 ${operation} failed: ${status} ${code}`);
  }
}

async function failure(response: Response, operation: string): Promise<S3Error> {
  const text = await response.text().catch(() => "");
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? response.statusText;
  return new S3Error(response.status, code, operation);
}

/** A store over one bucket; keys become object names as they are (hex and one slash: nothing to escape). */
export function s3Store(s: S3Settings): AttachmentStore {
  const client = new AwsClient({
    accessKeyId: s.accessKeyId,
    secretAccessKey: s.secretAccessKey,
    service: "s3",
    region: s.region,
    retries: 2, // 5xx and 429 only; a refused signature is answered at once
  });
  const endpoint = new URL(s.endpoint);
  const urlOf = (key: string) =>
    s.forcePathStyle
      ? new URL(`${endpoint.pathname.replace(/\/$/, "")}/${s.bucket}/${key}`, endpoint)
      : new URL(`/${key}`, `${endpoint.protocol}//${s.bucket}.${endpoint.host}`);
  return {
    kind: "s3",
    async put(key, content, mediaType, sha256) {
      const response = await client.fetch(urlOf(key), {
        method: "PUT",
        // A view of the same bytes (no copy); Node's Buffer is a Uint8Array the fetch types do not name.
        body: new Uint8Array(
          content.buffer,
          content.byteOffset,
          content.byteLength,
        ) as Uint8Array<ArrayBuffer>,
        headers: {
          "content-type": mediaType,
          "content-length": String(content.length),
          "x-amz-content-sha256": sha256,
        },
      });
      if (!response.ok) throw await failure(response, "PUT");
      await response.body?.cancel();
    },
    async get(key) {
      const response = await client.fetch(urlOf(key), { method: "GET" });
      if (!response.ok || !response.body) throw await failure(response, "GET");
      const length = response.headers.get("content-length");
      return {
        body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        sizeBytes: length === null ? undefined : Number(length),
      };
    },
    async delete(key) {
      // S3 answers 204 whether or not the object existed.
      const response = await client.fetch(urlOf(key), { method: "DELETE" });
      if (!response.ok && response.status !== 404) throw await failure(response, "DELETE");
      await response.body?.cancel();
    },
  };
}
