/**
 * Evidence of a counter-report: photos of the work done that a department uploads before it answers. They are
 * attachments of the order's demand with `work_order_id` set, kept internal until the answer names them as its
 * evidence (answerWorkOrder then shows them to the citizen holding the demand's secret; never on the public view).
 */
import type { FastifyRequest } from "fastify";
import { OPEN_WORK_ORDER_STATES } from "../../domain/status.ts";
import type { Staff } from "../access/principal.ts";
import { auditActorOfStaff, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, one } from "../db/index.ts";
import {
  type CheckedAttachment,
  checkAttachment,
  MAX_ATTACHMENTS,
  storeAttachment,
} from "../demands/attachments.ts";
import { AppError } from "../errors.ts";
import { guardedParts, partBytes } from "../http/input-guard.ts";
import type { AttachmentStore } from "../storage/store.ts";
import { lockOrder } from "./steps.ts";

/** Only photos count as evidence of work done (read from the content, as intake does). */
export const EVIDENCE_MEDIA_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic"];

/** One stored piece of evidence, as the upload route answers it. */
export interface EvidenceView {
  id: number;
  mediaType: string;
  sizeBytes: number;
  name: string | null;
}

/** Reads the image files of a multipart body (any field name), each checked by its magic bytes. */
export async function readEvidenceFiles(req: FastifyRequest, maxBytes: number): Promise<CheckedAttachment[]> {
  if (!req.isMultipart()) throw new AppError(415, "unsupported_media_type");
  const files: CheckedAttachment[] = [];
  for await (const part of guardedParts(req, { fileSize: maxBytes, files: MAX_ATTACHMENTS, fields: 2 })) {
    if (part.type !== "file") continue;
    const field = `files[${files.length}]`;
    const content = await partBytes(part, field, maxBytes);
    const checked = await checkAttachment(content, part.filename, field, maxBytes);
    if (!EVIDENCE_MEDIA_TYPES.includes(checked.mediaType)) {
      throw new AppError(415, "attachment_type_not_allowed", { types: "JPEG, PNG, WebP, HEIC" }, [
        { field, code: "attachment_type_not_allowed" },
      ]);
    }
    files.push(checked);
  }
  if (files.length === 0) {
    throw new AppError(400, "invalid_input", {}, [{ field: "files", code: "required" }]);
  }
  return files;
}

/**
 * Stores photos as evidence of an open order the staff member may act on (department roles: their own): files
 * first (written aside, then renamed), then the rows in one transaction with the order locked. Answers their ids,
 * to be passed as `evidence` to the answer.
 */
export async function addEvidence(
  db: Db,
  store: AttachmentStore,
  staff: Staff,
  orderId: number,
  files: CheckedAttachment[],
): Promise<EvidenceView[]> {
  // Scope and state are checked before anything is written to disk.
  await db.transaction(async (tx) => checkOpen((await lockOrder(tx, orderId, staff)).order.state));
  // Files are stored by content, as intake stores them (server/demands/attachments.ts).
  const keys = await Promise.all(files.map((file) => storeAttachment(store, file)));
  return db.transaction(async (tx) => {
    const { order, demand } = await lockOrder(tx, orderId, staff);
    checkOpen(order.state);
    const stored: EvidenceView[] = [];
    for (const [i, file] of files.entries()) {
      const key = keys[i]!;
      // The same photo sent twice to one order is one attachment.
      const row =
        (await maybeOne<{ id: number }>(
          tx,
          "SELECT id FROM attachments WHERE work_order_id = $1 AND sha256 = $2 ORDER BY id LIMIT 1",
          [order.id, file.sha256],
        )) ??
        (await one<{ id: number }>(
          tx,
          `INSERT INTO attachments (demand_id, storage_key, media_type, size_bytes, sha256, original_name,
                                    visibility, work_order_id)
           VALUES ($1, $2, $3, $4, $5, $6, 'internal', $7) RETURNING id`,
          [demand.id, key, file.mediaType, file.sizeBytes, file.sha256, file.originalName ?? null, order.id],
        ));
      stored.push({
        id: Number(row.id),
        mediaType: file.mediaType,
        sizeBytes: file.sizeBytes,
        name: file.originalName ?? null,
      });
    }
    await recordAudit(tx, auditActorOfStaff(staff), {
      action: "work_order.evidence_added",
      entityType: "work_order",
      entityId: order.id,
      after: { attachments: stored.map((a) => a.id), demandId: demand.id },
    });
    return stored;
  });
}

function checkOpen(state: string): void {
  if (!(OPEN_WORK_ORDER_STATES as readonly string[]).includes(state)) {
    throw new AppError(409, "work_order_finished", { state });
  }
}
