/** Reads of demands: one demand by protocol with its timeline and attachments. */
import { maybeOne, type Sql } from "../db/index.ts";

/** A demand row with what its views need. */
export interface DemandRow {
  id: number;
  protocol: string;
  status: string;
  outcome: string | null;
  channel: string;
  description: string;
  identity_mode: "identified" | "confidential" | "anonymous";
  citizen_id: number | null;
  lat: number | null;
  lon: number | null;
  address: string | null;
  district_code: string | null;
  district_name: string | null;
  subprefeitura_code: string | null;
  subprefeitura_name: string | null;
  block_id: number | null;
  department_id: number | null;
  department_code: string | null;
  department_name: string | null;
  attributes: Record<string, unknown>;
  secret_hash: string | null;
  opened_at: Date;
  closed_at: Date | null;
  due_at: Date | null;
  service_code: string;
  service_name: Record<string, string>;
  /** `services.sensitive`: the public view shows only the district. */
  service_sensitive: boolean;
  /** Its department is the fallback triage desk (decision 0025). */
  at_triage_desk: boolean;
}

/** One event of a demand's timeline. */
export interface EventRow {
  id: number;
  at: Date;
  type: string;
  actor_kind: string;
  actor_id: number | null;
  /** The staff member's name for a staff event; shown in the staff view only. */
  actor_name: string | null;
  visibility: "public" | "internal";
  data: Record<string, unknown>;
}

/** One attachment's metadata. */
export interface AttachmentRow {
  id: number;
  storage_key: string;
  media_type: string;
  size_bytes: number;
  original_name: string | null;
  visibility: "public" | "internal";
  /** Set for a department's evidence of work done; null for the citizen's own photos. */
  work_order_id: number | null;
  created_at: Date;
}

/** Finds a demand by its protocol number (already checked), with its service, areas and department. */
export function findDemandByProtocol(sql: Sql, protocol: string): Promise<DemandRow | undefined> {
  return maybeOne<DemandRow>(
    sql,
    `SELECT d.id, d.protocol, d.status, d.outcome, d.channel, d.description, d.identity_mode, d.citizen_id,
            ST_Y(d.location) AS lat, ST_X(d.location) AS lon, d.address,
            d.district_code, di.name AS district_name, d.subprefeitura_code, sp.name AS subprefeitura_name,
            d.block_id, d.department_id, dep.code AS department_code, dep.name AS department_name,
            d.attributes, d.secret_hash, d.opened_at, d.closed_at, d.due_at,
            s.code AS service_code, s.name AS service_name, s.sensitive AS service_sensitive,
            EXISTS (SELECT 1 FROM responsibility_rules fr
                     WHERE fr.service_id IS NULL AND fr.area_kind = 'city' AND fr.department_id = d.department_id)
              AS at_triage_desk
       FROM demands d
       JOIN services s ON s.id = d.service_id
       LEFT JOIN districts di ON di.code = d.district_code
       LEFT JOIN subprefeituras sp ON sp.code = d.subprefeitura_code
       LEFT JOIN departments dep ON dep.id = d.department_id
      WHERE d.protocol = $1`,
    [protocol],
  );
}

/** The timeline of a demand, oldest first; internal events only when asked. */
export function listEvents(sql: Sql, demandId: number, includeInternal: boolean): Promise<EventRow[]> {
  return sql.query<EventRow>(
    `SELECT e.id, e.at, e.type, e.actor_kind, e.actor_id, u.name AS actor_name, e.visibility, e.data
       FROM demand_events e LEFT JOIN staff_users u ON e.actor_kind = 'staff' AND u.id = e.actor_id
      WHERE e.demand_id = $1 AND ($2 OR e.visibility = 'public') ORDER BY e.id`,
    [demandId, includeInternal],
  );
}

/** The attachments of a demand; internal ones only when asked. */
export function listAttachments(
  sql: Sql,
  demandId: number,
  includeInternal: boolean,
): Promise<AttachmentRow[]> {
  return sql.query<AttachmentRow>(
    `SELECT id, storage_key, media_type, size_bytes, original_name, visibility, work_order_id, created_at
       FROM attachments
      WHERE demand_id = $1 AND ($2 OR visibility = 'public') ORDER BY id`,
    [demandId, includeInternal],
  );
}

/** The person behind a demand, with their contacts. */
export async function findDemandCitizen(
  sql: Sql,
  citizenId: number,
): Promise<{ name: string | null; contacts: { channel: string; value: string }[] } | undefined> {
  const citizen = await maybeOne<{ name: string | null }>(sql, "SELECT name FROM citizens WHERE id = $1", [
    citizenId,
  ]);
  if (!citizen) return undefined;
  const contacts = await sql.query<{ channel: string; value: string }>(
    "SELECT channel, value FROM citizen_contacts WHERE citizen_id = $1 ORDER BY id",
    [citizenId],
  );
  return { name: citizen.name, contacts };
}
