/**
 * Reads `npm audit --json` on stdin and tells apart the three outcomes CI cares about: no high or critical advisory
 * (exit 0), advisories found (each listed, exit 1), and no report at all because the audit endpoint could not be
 * asked (a registry mirror answering 405, no network): a warning line and exit 0, so CI goes on.
 * Used by `.ci/run`: `npm audit --omit=dev --audit-level=high --json | npx tsx .ci/audit-verdict.ts`.
 */

/** What an audit report means for CI. */
export type AuditVerdict =
  | { kind: "clean"; counts: Record<string, number> }
  | { kind: "advisories"; found: { name: string; severity: string; titles: string[] }[] }
  | { kind: "unavailable"; reason: string };

const BLOCKING = new Set(["high", "critical"]);

interface Report {
  message?: string;
  statusCode?: number;
  error?: { code?: string; summary?: string; detail?: string };
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { name?: string; severity?: string; via?: unknown[] }>;
}

/** The verdict of one `npm audit --json` output (npm 7 and later: auditReportVersion 2). */
export function auditVerdict(output: string): AuditVerdict {
  let report: Report;
  try {
    report = JSON.parse(output) as Report;
  } catch {
    return { kind: "unavailable", reason: "npm audit printed no JSON report" };
  }
  const counts = report.metadata?.vulnerabilities;
  if (report.error || report.statusCode !== undefined || !counts) {
    const reason =
      report.message ||
      [report.error?.code, report.error?.summary].filter(Boolean).join(": ") ||
      "npm audit printed no report";
    return { kind: "unavailable", reason };
  }
  const found = Object.entries(report.vulnerabilities ?? {})
    .filter(([, v]) => BLOCKING.has(v.severity ?? ""))
    .map(([name, v]) => ({
      name: v.name ?? name,
      severity: v.severity ?? "",
      titles: (v.via ?? []).flatMap((via) =>
        typeof via === "object" && via !== null && "title" in via ? [String(via.title)] : [],
      ),
    }));
  // The counts and the list agree on npm's reports; either one alone still fails the build.
  if (found.length > 0 || (counts.high ?? 0) + (counts.critical ?? 0) > 0)
    return { kind: "advisories", found };
  return { kind: "clean", counts };
}

async function main(): Promise<number> {
  let input = "";
  for await (const chunk of process.stdin) input += chunk.toString();
  const verdict = auditVerdict(input);
  switch (verdict.kind) {
    case "clean":
      console.log(
        `npm audit: no high or critical advisory in production dependencies (${JSON.stringify(verdict.counts)})`,
      );
      return 0;
    case "advisories":
      console.error("npm audit: high or critical advisories in production dependencies:");
      for (const f of verdict.found) console.error(`  - ${f.name} (${f.severity}): ${f.titles.join("; ")}`);
      return 1;
    case "unavailable":
      console.log(`WARNING: npm audit skipped, the audit endpoint is unavailable (${verdict.reason})`);
      return 0;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
