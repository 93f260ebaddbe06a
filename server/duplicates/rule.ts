/**
 * The rule that decides what becomes of a possible duplicate (decision 0026): linked automatically to the open
 * demand it repeats, or left to a person at triage. Pure, so the route-demand job and bench/duplicates.ts (which
 * measured the thresholds on the SP156 slice) apply the very same rule.
 */
import { parseAddress } from "../../domain/address.ts";

/** What is known of the best candidate an open demand offers a new one (same service, found within 100 m, 30 days). */
export interface DuplicateFacts {
  /** Metres between the two points. */
  distanceM: number;
  /** Both points lie in the same fiscal block (quadra fiscal). */
  sameBlock: boolean;
  /** Both addresses name the same street; null when either has none (a block has four faces, a corner two streets). */
  sameStreet: boolean | null;
  /** Hours between the candidate's opening and the new demand's. */
  ageHours: number;
  /** The service's demand type: only requests about a thing in the street are linked without a person. */
  demandType: string;
  /** The candidate already has an answer written (a new report then says the problem came back or stayed). */
  candidateAnswered: boolean;
}

/** The thresholds of the automatic link. */
export interface LinkRule {
  nearM: number;
  sameBlockM: number;
  maxAgeDays: number;
}

/** The thresholds in force, chosen by measurement (bench/duplicates.ts, decision 0026). */
export const LINK_RULE: LinkRule = {
  /** A candidate this close is the same spot, block or not. */
  nearM: 15,
  /** In the same fiscal block, a candidate this close is the same spot too. */
  sameBlockM: 40,
  /** Opened at most this many days before the new demand. */
  maxAgeDays: 7,
};

/** What the rule says of a possible duplicate. */
export type DuplicateVerdict = "link" | "queue";

/** Links a strong match (a request, close, recent, unanswered); every other possible duplicate waits for a person. */
export function judgeDuplicate(f: DuplicateFacts, rule: LinkRule = LINK_RULE): DuplicateVerdict {
  if (f.demandType !== "request" || f.candidateAnswered || f.sameStreet === false) return "queue";
  if (f.ageHours > rule.maxAgeDays * 24) return "queue";
  const close = f.distanceM <= rule.nearM || (f.sameBlock && f.distanceM <= rule.sameBlockM);
  return close ? "link" : "queue";
}

/** Whether two typed addresses name the same street (compared as the street layer compares names); null if unknown. */
export function isSameStreet(a: string | null | undefined, b: string | null | undefined): boolean | null {
  const x = a ? parseAddress(a).normalizedName : "";
  const y = b ? parseAddress(b).normalizedName : "";
  return x === "" || y === "" ? null : x === y;
}
