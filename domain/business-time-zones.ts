/** Time-zone arithmetic for business-time.ts: instants to local wall time and back, through Intl (no fixed offsets). */

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A time zone with its formatter and the offsets seen so far. */
export interface Zone {
  format: Intl.DateTimeFormat;
  /** Offset (local − UTC, ms) per quarter-hour slot: every real zone changes offset on a quarter hour. */
  offsets: Map<number, number>;
}

const zones = new Map<string, Zone>();
const SLOT = 15 * MINUTE;

/** The (cached) zone of an IANA name; throws a RangeError for an unknown one. */
export function zoneOf(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    zone = { format, offsets: new Map() };
    zones.set(timeZone, zone);
  }
  return zone;
}

/** The offset (local − UTC, ms) of a zone at instant `t`. */
export function offsetAt(zone: Zone, t: number): number {
  const slot = Math.floor(t / SLOT);
  let offset = zone.offsets.get(slot);
  if (offset === undefined) {
    const at = slot * SLOT;
    const parts: Record<string, number> = {};
    for (const p of zone.format.formatToParts(new Date(at)))
      if (p.type !== "literal") parts[p.type] = Number(p.value);
    offset =
      Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - at;
    if (zone.offsets.size > 100_000) zone.offsets.clear();
    zone.offsets.set(slot, offset);
  }
  return offset;
}

/** The instant of local `ms` into local `day`; a wall time skipped by a DST jump lands just after the jump. */
export function localToInstant(zone: Zone, day: number, ms: number): number {
  const wall = day * DAY + ms;
  const first = wall - offsetAt(zone, wall);
  const second = wall - offsetAt(zone, first);
  return offsetAt(zone, second) === wall - second ? second : Math.max(first, second);
}
