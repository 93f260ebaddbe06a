/**
 * The photos a citizen sent in a conversation, fetched from the provider when the demand is filed (never while the
 * provider waits for its webhook's answer), checked by their content like the portal's photos and stored before
 * the demand's transaction. A file that is not a photo (a sticker, a document) or too large is left out; the
 * demand is filed with the others.
 */
import type { InboundChannel } from "../../channels/channel.ts";
import { mediaAdapterFor } from "../../channels/index.ts";
import type { AppContext } from "../context.ts";
import {
  type CheckedAttachment,
  checkAttachment,
  MAX_ATTACHMENTS,
  PHOTO_MEDIA_TYPES,
  storeAttachment,
} from "../demands/attachments.ts";
import { AppError } from "../errors.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { inboundAdaptersOf } from "./adapters.ts";

/** Fetches, checks and stores the photos `refs` name; throws (the step is retried) when the provider is down. */
export async function fetchPhotos(
  ctx: Pick<AppContext, "config" | "db">,
  channel: InboundChannel,
  refs: readonly string[],
): Promise<{ stored: CheckedAttachment; key: string }[]> {
  if (refs.length === 0) return [];
  const { config } = ctx;
  // The tenant's provider: its citizens' media is behind its own account's token.
  const adapter = mediaAdapterFor(await inboundAdaptersOf(ctx), channel);
  if (!adapter?.fetchMedia) return [];
  const store = attachmentStoreOf(config);
  const out: { stored: CheckedAttachment; key: string }[] = [];
  for (const [i, ref] of refs.slice(0, MAX_ATTACHMENTS).entries()) {
    const { bytes } = await adapter.fetchMedia(ref);
    let checked: CheckedAttachment;
    try {
      checked = await checkAttachment(
        bytes,
        undefined,
        `photos[${i}]`,
        config.maxAttachmentBytes,
        PHOTO_MEDIA_TYPES,
      );
    } catch (error) {
      if (error instanceof AppError) continue;
      throw error;
    }
    out.push({ stored: checked, key: await storeAttachment(store, checked) });
  }
  return out;
}
