/**
 * Finding a service on the tablet as the inspector types (a new demand from the field): every word of the query in
 * the service's name, group or code, accents and case aside.
 */
import type { DayService } from "./sync.ts";

const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();

/** The services whose name or group holds every typed word, accents and case aside. */
export function searchServices(services: DayService[], q: string, limit = 8): DayService[] {
  const words = fold(q).split(/\W+/).filter(Boolean);
  if (words.length === 0) return [];
  return services
    .filter((s) => {
      const text = fold(`${s.name} ${s.groupName} ${s.code}`);
      return words.every((w) => text.includes(w));
    })
    .slice(0, limit);
}
