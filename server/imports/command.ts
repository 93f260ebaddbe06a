/**
 * The `import` command of the CLI: runs an SP156 import with a progress bar on stderr (plain periodic lines when
 * stderr is not a terminal) and prints the summary. Rejected rows are reported, not fatal: the exit code stays 0.
 * A city that is not loaded yet is refused with exit code 78: importing into it would refuse every row.
 */
import { existsSync } from "node:fs";
import type { Db } from "../db/index.ts";
import { CityNotLoadedError, type ImportProgress, type ImportSummary, importSp156 } from "./sp156.ts";

const SHOWN_REJECTIONS = 20;
const LINE_EVERY_MS = 2000;

/**
 * Runs `import FILE.csv [--dry-run] [--bulk]` and returns the process exit code. `--bulk` is the first migration's
 * mode (decision 0042): faster, but demands are locked until the whole file is in.
 */
export async function runImportCommand(db: Db, args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    console.error("Usage: cli import FILE.csv [--dry-run] [--bulk]");
    return 64;
  }
  if (!existsSync(file)) {
    console.error(`No such file: ${file}`);
    return 66; // EX_NOINPUT
  }
  const tty = process.stderr.isTTY === true;
  let lastLine = 0;
  const summary = await importSp156(db, file, {
    dryRun: args.includes("--dry-run"),
    bulk: args.includes("--bulk"),
    keepRejections: SHOWN_REJECTIONS,
    onProgress: (p) => {
      if (tty) process.stderr.write(`\r${progressBar(p)}`);
      else if (p.elapsedMs - lastLine >= LINE_EVERY_MS) {
        lastLine = p.elapsedMs;
        process.stderr.write(`${progressText(p)}\n`);
      }
    },
  }).catch((error: unknown) => {
    if (!(error instanceof CityNotLoadedError)) throw error;
    // Not loaded for the operator: seeding writes the demo city's catalogue, matrix and departments, which a real
    // city replaces with its own; that choice is theirs to make before importing.
    console.error(
      `Nothing imported: ${error.message}.\n` +
        "Load the city first (npm run seed, or your own catalogue and departments), then import again.",
    );
    return undefined;
  });
  if (summary === undefined) return 78; // EX_CONFIG
  if (tty) process.stderr.write("\n");
  console.log(formatSummary(summary));
  return 0;
}

function progressText(p: ImportProgress): string {
  const percent = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
  const rate = Math.round(p.rowsRead / Math.max(p.elapsedMs / 1000, 0.001));
  return `${percent}% ${p.rowsRead.toLocaleString("en")} rows, ${rate.toLocaleString("en")} rows/s`;
}

function progressBar(p: ImportProgress): string {
  const width = 30;
  const filled = p.totalBytes > 0 ? Math.round((width * p.bytesRead) / p.totalBytes) : width;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${progressText(p)}`;
}

/** The end-of-import report: counts, rejected rows per reason and the first rejected lines. */
export function formatSummary(s: ImportSummary): string {
  const n = (v: number) => v.toLocaleString("en");
  const rate = Math.round(s.rowsRead / Math.max(s.elapsedMs / 1000, 0.001));
  const out = [
    `${s.file}${s.dryRun ? " (dry run: nothing written)" : s.bulk ? " (bulk load)" : ""}`,
    `  rows read        ${n(s.rowsRead)} in ${(s.elapsedMs / 1000).toFixed(1)} s (${n(rate)} rows/s)`,
    `  ${s.dryRun ? "would import    " : "imported        "} ${n(s.imported)}`,
    `  already present  ${n(s.alreadyPresent)}`,
    `  rejected         ${n(s.rejected)}`,
  ];
  for (const [reason, count] of Object.entries(s.rejectedByReason).sort((a, b) => b[1] - a[1])) {
    out.push(`    ${reason.padEnd(22)} ${n(count)}`);
  }
  out.push(`  flagged          ${n(s.flagged)} (imported as published; demands.import_flags)`);
  if (s.clocksRepaired > 0)
    out.push(`  clocks started   ${n(s.clocksRepaired)} (open demands of an earlier import)`);
  for (const [flag, count] of Object.entries(s.flaggedByReason))
    out.push(`    ${flag.padEnd(22)} ${n(count)}`);
  if (s.rejections.length > 0) {
    out.push(`  first rejected lines:`);
    for (const r of s.rejections) out.push(`    line ${r.line}: ${r.reason} (${r.value})`);
  }
  return out.join("\n");
}
