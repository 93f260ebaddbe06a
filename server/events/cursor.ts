/**
 * An id cursor over an append-only table whose ids may commit out of order: ids are taken at insert, so a
 * transaction holding id 7 can commit after one holding id 8. The cursor remembers the ids it skipped over (gaps)
 * for a while and asks for them again, so a late commit is delivered once and nothing is delivered twice.
 */

/** How long a skipped id is asked for again: longer than any intake transaction, short enough to stay cheap. */
export const GAP_MS = 10_000;
/** A jump larger than this (a sequence that moved on after a crash, a bulk import) is not remembered id by id. */
const MAX_GAP_RUN = 2_000;
/** The most skipped ids remembered at once; the oldest go first. */
const MAX_GAPS = 20_000;

/** The position of one reader in one table. */
export interface IdCursor {
  /** Highest id seen. */
  after: number;
  /** Ids below `after` not seen yet, with the instant they stop being asked for. */
  gaps: Map<number, number>;
}

/** A cursor that starts after `after`. */
export function newCursor(after: number): IdCursor {
  return { after, gaps: new Map() };
}

/** The ids below the cursor still asked for, dropping those whose time is up. */
export function missingIds(cursor: IdCursor, now: number): number[] {
  for (const [id, until] of cursor.gaps) if (until <= now) cursor.gaps.delete(id);
  return [...cursor.gaps.keys()];
}

/**
 * Moves the cursor over rows read (ascending ids) and returns those not seen before. Ids jumped over become gaps,
 * asked for again for `gapMs` (a durable cursor read less often than every few seconds passes a longer time).
 */
export function advance<R extends { id: number }>(
  cursor: IdCursor,
  rows: readonly R[],
  now: number,
  gapMs = GAP_MS,
): R[] {
  const fresh: R[] = [];
  for (const row of rows) {
    if (row.id <= cursor.after) {
      if (cursor.gaps.delete(row.id)) fresh.push(row);
      continue;
    }
    const jump = row.id - cursor.after - 1;
    if (jump > 0 && jump <= MAX_GAP_RUN) {
      for (let id = cursor.after + 1; id < row.id; id++) cursor.gaps.set(id, now + gapMs);
    }
    cursor.after = row.id;
    fresh.push(row);
  }
  // Maps keep insertion order, so the first keys are the oldest gaps.
  for (const id of cursor.gaps.keys()) {
    if (cursor.gaps.size <= MAX_GAPS) break;
    cursor.gaps.delete(id);
  }
  return fresh;
}
