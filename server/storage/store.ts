/**
 * Where attachment files live: the local folder DATA_DIR/attachments (one machine) or an S3-compatible bucket
 * (several web machines share the files), chosen by ATTACHMENTS_STORE. Keys are the content-addressed names that
 * server/demands/attachments.ts makes; a file is written before the transaction that references it commits.
 */
import type { Readable } from "node:stream";
import type { Config } from "../config.ts";
import { localStore } from "./local.ts";
import { s3Store } from "./s3.ts";

/** A stored file read back: its bytes as a stream, and its length when the store knows it. */
export interface StoredFile {
  body: Readable;
  sizeBytes: number | undefined;
}

/** The operations the app needs from a place that keeps files; each implementation is a plain object. */
export interface AttachmentStore {
  kind: "local" | "s3";
  /** Writes a file whole or not at all (a reader never sees part of it); `sha256` is its hex digest. */
  put(key: string, content: Buffer, mediaType: string, sha256: string): Promise<void>;
  /** Reads a file as a stream; throws when it is not there. */
  get(key: string): Promise<StoredFile>;
  /** Deletes a file; one already gone is not an error. */
  delete(key: string): Promise<void>;
}

const stores = new WeakMap<Config, AttachmentStore>();

/** The store a configuration names, made once per configuration (the S3 client keeps its signing-key cache). */
export function attachmentStoreOf(config: Config): AttachmentStore {
  let store = stores.get(config);
  if (!store) {
    store = config.s3 ? s3Store(config.s3) : localStore(`${config.dataDir}/attachments`);
    stores.set(config, store);
  }
  return store;
}
