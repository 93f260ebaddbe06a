/**
 * `npm run bench -- NAME [options]`: runs one benchmark of bench/ by name. The list is written out by hand; each
 * script also runs alone (`npx tsx bench/intake.ts`).
 */
const BENCHMARKS: Record<string, () => Promise<{ run: (argv: string[]) => Promise<void> }>> = {
  intake: async () => ({ run: (await import("./intake.ts")).runIntakeBench }),
  delivery: async () => ({ run: (await import("./delivery.ts")).runDeliveryBench }),
  "outbox-drain": async () => ({ run: (await import("./outbox-drain.ts")).runOutboxDrainBench }),
  suggest: async () => ({ run: (await import("./suggest.ts")).runSuggestBench }),
  workflow: async () => ({ run: (await import("./workflow.ts")).runWorkflowBench }),
  export: async () => ({ run: (await import("./export.ts")).runExportBench }),
  open311: async () => ({ run: (await import("./open311.ts")).runOpen311Bench }),
  web: async () => ({ run: (await import("./web.ts")).runWebBench }),
  observability: async () => ({ run: (await import("./observability.ts")).runObservabilityBench }),
  webhooks: async () => ({ run: (await import("./webhooks.ts")).runWebhooksBench }),
  indicators: async () => ({ run: (await import("./indicators.ts")).runIndicatorsBench }),
  tenancy: async () => ({ run: (await import("./tenancy.ts")).runTenancyBench }),
  "tenancy-baseline": async () => ({ run: (await import("./tenancy-baseline.ts")).runTenancyBaselineBench }),
  "block-scores": async () => ({ run: (await import("./block-scores.ts")).runBlockScoresBench }),
  "field-sync": async () => ({ run: (await import("./field-sync.ts")).runFieldSyncBench }),
  twiml: async () => ({ run: (await import("./twiml.ts")).runTwimlBench }),
  "auditor-planner": async () => ({ run: (await import("./auditor-planner.ts")).runAuditorPlannerBench }),
  "indicators-data": async () => ({ run: (await import("./indicators-data.ts")).buildIndicatorsCity }),
  // These read their options from process.argv and run when imported.
  import: async () => ({ run: async () => void (await import("./import.ts")) }),
  geocoding: async () => ({ run: async () => void (await import("./geocoding-hit-rate.ts")) }),
  fuzz: async () => ({ run: async () => void (await import("./fuzz.ts")) }),
  duplicates: async () => ({ run: async () => void (await import("./duplicates.ts")) }),
};

const [name, ...argv] = process.argv.slice(2);
const load = name ? BENCHMARKS[name] : undefined;
if (!load) {
  console.error(`Usage: npm run bench -- ${Object.keys(BENCHMARKS).join("|")} [options]`);
  process.exit(64);
}
await (await load()).run(argv);
