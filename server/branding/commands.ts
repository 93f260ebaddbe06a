/**
 * A city's admin changes its branding (issue 16): the name and colour, and the logo. Each change is one transaction
 * of the tenant's own: the row of tenants through `responsiva_set_branding` (only the transaction's tenant), the
 * logo in tenant_logos under row-level security, and the audit entry, together or not at all.
 */
import { createHash } from "node:crypto";
import type { AuditActor } from "../audit/record.ts";
import { recordAudit } from "../audit/record.ts";
import type { Db, Sql } from "../db/index.ts";
import { unprocessable } from "../errors.ts";
import { forgetTenants } from "../tenants/queries.ts";
import { type StoredBranding, storedBranding } from "./brand.ts";
import type { BrandingInput } from "./schemas.ts";

async function currentBranding(tx: Sql): Promise<StoredBranding> {
  const [row] = await tx.query<{ branding: unknown }>(
    "SELECT branding FROM tenants WHERE id = responsiva_tenant()",
  );
  return storedBranding(row?.branding);
}

async function writeBranding(tx: Sql, value: StoredBranding): Promise<StoredBranding> {
  const [row] = await tx.query<{ branding: unknown }>(
    "SELECT responsiva_set_branding($1::jsonb) AS branding",
    [JSON.stringify(value)],
  );
  return storedBranding(row?.branding);
}

/** Sets the name and colour; the logo stays. */
export async function setBranding(db: Db, input: BrandingInput, actor: AuditActor): Promise<StoredBranding> {
  const after = await db.transaction(async (tx) => {
    const before = await currentBranding(tx);
    const after = await writeBranding(tx, { ...before, name: input.name, colour: input.colour });
    await recordAudit(tx, actor, {
      action: "branding.updated",
      entityType: "branding",
      entityId: "tenant",
      before: { name: before.name, colour: before.colour },
      after: { name: after.name, colour: after.colour },
    });
    return after;
  });
  forgetTenants(db);
  return after;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type its bytes say, when it is a PNG or a WebP; anything else is refused. */
export function imageTypeOf(bytes: Buffer): "image/png" | "image/webp" | undefined {
  if (bytes.length > 8 && bytes.subarray(0, 8).equals(PNG)) return "image/png";
  if (
    bytes.length > 12 &&
    bytes.toString("latin1", 0, 4) === "RIFF" &&
    bytes.toString("latin1", 8, 12) === "WEBP"
  )
    return "image/webp";
  return undefined;
}

/** The most bytes a logo may have. */
export const LOGO_BYTES = 256 * 1024;

/** Stores the logo given as a data URL; the bytes must be the PNG or WebP the URL says, at most LOGO_BYTES. */
export async function setLogo(db: Db, dataUrl: string, actor: AuditActor): Promise<StoredBranding> {
  const [head, data] = dataUrl.split(",", 2) as [string, string];
  const bytes = Buffer.from(data, "base64");
  if (bytes.length > LOGO_BYTES) throw unprocessable("logo_too_large", "image", { max: LOGO_BYTES });
  const type = imageTypeOf(bytes);
  if (!type || !head.startsWith(`data:${type};`)) throw unprocessable("logo_not_an_image", "image");
  const version = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const after = await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO tenant_logos (content_type, bytes, version) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET content_type = $1, bytes = $2, version = $3, updated_at = now()`,
      [type, bytes, version],
    );
    const after = await writeBranding(tx, { ...(await currentBranding(tx)), logo: version });
    await recordAudit(tx, actor, {
      action: "branding.logo_updated",
      entityType: "branding",
      entityId: "tenant",
      after: { contentType: type, bytes: bytes.length, version },
    });
    return after;
  });
  forgetTenants(db);
  return after;
}

/** Removes the logo (the platform's header returns). */
export async function removeLogo(db: Db, actor: AuditActor): Promise<StoredBranding> {
  const after = await db.transaction(async (tx) => {
    await tx.query("DELETE FROM tenant_logos");
    const after = await writeBranding(tx, { ...(await currentBranding(tx)), logo: null });
    await recordAudit(tx, actor, {
      action: "branding.logo_removed",
      entityType: "branding",
      entityId: "tenant",
    });
    return after;
  });
  forgetTenants(db);
  return after;
}

/** The logo of the tenant of the work under way. */
export async function readLogo(
  sql: Sql,
): Promise<{ content_type: string; bytes: Buffer; version: string } | undefined> {
  const [row] = await sql.query<{ content_type: string; bytes: Buffer | Uint8Array; version: string }>(
    "SELECT content_type, bytes, version FROM tenant_logos",
  );
  return row ? { ...row, bytes: Buffer.from(row.bytes) } : undefined;
}
