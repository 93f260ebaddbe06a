/**
 * The engine's ports over the city's database: the suggester and the offered services, the geocoder (an address
 * with its number, else a district by name), the place of a shared point, and the status of demands by protocol
 * for one sender. All reads, on the pool: the step's transaction opens only once the engine has decided (jobs.ts).
 */

import type { InboundChannel } from "../../channels/channel.ts";
import { addressIn } from "../../domain/address-in.ts";
import { geocodeAddress } from "../areas/geocoding.ts";
import { placePoint } from "../areas/queries.ts";
import { loadCallVersion } from "../auditors/calls.ts";
import { findServiceByCodeCached, type Service } from "../catalogue/queries.ts";
import { suggestServices } from "../classification/queries.ts";
import type { Db } from "../db/index.ts";
import { translate } from "../i18n.ts";
import { REOPEN_WINDOW_DAYS } from "../satisfaction/commands.ts";
import type { ConversationPorts, DemandStatus, Place } from "./engine.ts";
import { writtenFlow } from "./flow-definitions.ts";
import { flowDefinitionFor } from "./flow-store.ts";
import { defaultFlow, type FlowService } from "./flows.ts";
import { fold } from "./intents.ts";
import type { PendingSurvey } from "./state.ts";

/** A geocoder answer below this score is a guess the citizen would have to undo: the engine asks instead. */
const GEOCODE_MIN_SCORE = 0.6;

/** The contact channel a conversation's address is held as (citizen_contacts.channel). */
export const CONTACT_CHANNEL_OF: Record<InboundChannel, string> = {
  whatsapp: "whatsapp",
  sms: "phone",
  telegram: "telegram",
  email: "email",
  webchat: "webchat",
};

/** What a flow needs of a catalogue service. */
export function flowServiceOf(s: Service): FlowService {
  return {
    code: s.code,
    name: s.name,
    locationRequired: s.locationRequired,
    anonymousAllowed: s.anonymousAllowed,
    // A service that needs a place is a problem someone can see: a photo helps the team find it (optional).
    wantsPhoto: s.locationRequired,
    attributes: s.attributes,
  };
}

/** The ports for one sender on one channel. */
export function conversationPorts(db: Db, channel: InboundChannel, address: string): ConversationPorts {
  return {
    channel,
    async suggest(text, locale) {
      const found = await suggestServices(db, text, { limit: 3, language: locale, channel });
      return found.map((c) => ({ code: c.code, name: c.name }));
    },
    async service(code): Promise<FlowService | null> {
      const s = await findServiceByCodeCached(db, code);
      return s?.active ? flowServiceOf(s) : null;
    },
    async flow(service) {
      const base = defaultFlow(service, { askContact: channel === "webchat" });
      const written = await flowDefinitionFor(db, service.code);
      return written ? writtenFlow(base, service, written) : base;
    },
    async locate(text): Promise<Place | null> {
      const address = addressIn(text);
      if (address) {
        const [best] = await geocodeAddress(db, address, { limit: 1 });
        if (best && best.score >= GEOCODE_MIN_SCORE && best.number !== null && best.districtName) {
          return {
            lat: best.lat,
            lon: best.lon,
            label: `${best.street}, ${best.number} — ${best.districtName}`,
          };
        }
      }
      // No address: a district named in the text ("no Jabaquara"), the longest name first ("Vila Mariana" over "Vila").
      const [district] = await db.query<{ code: string; name: string }>(
        `SELECT code, name FROM districts
          WHERE position(' ' || lower(unaccent(name)) || ' ' IN ' ' || lower(unaccent($1)) || ' ') > 0
          ORDER BY length(name) DESC LIMIT 1`,
        [fold(text)],
      );
      return district ? { district: district.code, label: district.name } : null;
    },
    async placeOfPoint(lat, lon): Promise<Place | null> {
      const place = await placePoint(db, { lat, lon });
      if (!place) return null;
      return { lat, lon, label: `${place.districtName} (${lat.toFixed(5)}, ${lon.toFixed(5)})` };
    },
    async statusOf(protocols, locale): Promise<DemandStatus[]> {
      // Only demands whose citizen holds this very address on this channel: a protocol alone tells nothing.
      const rows = await db.query<{
        protocol: string;
        status: string;
        service: string;
        answer: string | null;
      }>(
        `SELECT d.protocol, d.status, s.code AS service,
                (SELECT w.answer FROM work_orders w WHERE w.demand_id = d.id AND w.answer IS NOT NULL
                  ORDER BY w.finished_at DESC NULLS LAST, w.id DESC LIMIT 1) AS answer
           FROM demands d JOIN services s ON s.id = d.service_id
          WHERE d.protocol = ANY($1::text[]) AND d.identity_mode <> 'anonymous'
            AND EXISTS (SELECT 1 FROM citizen_contacts c
                         WHERE c.citizen_id = d.citizen_id AND c.channel = $2 AND c.value = $3)
          ORDER BY d.protocol`,
        [protocols, CONTACT_CHANNEL_OF[channel], address],
      );
      const out: DemandStatus[] = [];
      for (const r of rows) {
        const service = await findServiceByCodeCached(db, r.service);
        out.push({
          protocol: r.protocol,
          status: translate(locale, `status.${r.status}`),
          service: service ? (service.name[locale] ?? service.name["pt-BR"]) : r.service,
          answer: r.answer ?? undefined,
        });
      }
      return out;
    },
    async pendingSurvey(): Promise<PendingSurvey | null> {
      // The same rule as statusOf: only a demand whose citizen holds this very address on this channel.
      const [row] = await db.query<{ id: number; protocol: string }>(
        `SELECT d.id, d.protocol FROM demands d
           JOIN satisfaction_surveys s ON s.demand_id = d.id AND s.round = d.reopen_count AND s.answered_at IS NULL
          WHERE d.status = 'closed' AND d.closed_at > now() - make_interval(days => $3)
            AND d.identity_mode <> 'anonymous'
            AND EXISTS (SELECT 1 FROM citizen_contacts c
                         WHERE c.citizen_id = d.citizen_id AND c.channel = $1 AND c.value = $2)
          ORDER BY d.closed_at DESC LIMIT 1`,
        [CONTACT_CHANNEL_OF[channel], address, REOPEN_WINDOW_DAYS],
      );
      return row ? { demandId: Number(row.id), protocol: row.protocol } : null;
    },
    async pendingComplement(): Promise<PendingSurvey | null> {
      const [row] = await db.query<{ id: number; protocol: string }>(
        `SELECT d.id, d.protocol FROM demands d
          WHERE d.identity_mode <> 'anonymous'
            AND EXISTS (SELECT 1 FROM work_orders w WHERE w.demand_id = d.id AND w.state = 'waiting_citizen')
            AND EXISTS (SELECT 1 FROM citizen_contacts c
                         WHERE c.citizen_id = d.citizen_id AND c.channel = $1 AND c.value = $2)
          ORDER BY d.id DESC LIMIT 1`,
        [CONTACT_CHANNEL_OF[channel], address],
      );
      return row ? { demandId: Number(row.id), protocol: row.protocol } : null;
    },
    async auditorSurvey(callId) {
      // Only the survey of this sender's own number: the conversation's state names the call.
      const [call] = await db.query<{ version_id: number }>(
        `SELECT c.version_id FROM auditor_calls c JOIN auditors a ON a.id = c.auditor_id
          WHERE c.id = $1 AND a.phone = $2`,
        [callId, `+${address.replace(/\D/g, "")}`],
      );
      return call ? ((await loadCallVersion(db, Number(call.version_id)))?.definition ?? null) : null;
    },
  };
}
