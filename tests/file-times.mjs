// A node:test reporter that prints, at the end of a run, the files that took longest (the sum of their top-level
// tests' durations): what to look at when CI gets slow. Used by `npm test` beside spec. A file run in a shard
// (tests/shard.ts) is the shard's top-level suite named after it, and its duration is the file's.
export default async function* fileTimes(source) {
  const files = new Map();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { file, nesting, details } = event.data;
    if (!file || nesting !== 0) continue;
    const name = /[\\/]tests[\\/]shard\.ts$/.test(file) ? event.data.name : file;
    const entry = files.get(name) ?? { ms: 0, tests: 0 };
    entry.ms += details?.duration_ms ?? 0;
    entry.tests += 1;
    files.set(name, entry);
  }
  const rows = [...files.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, e]) => sum + e.ms, 0);
  yield `\nslowest test files (sum of top-level tests; all files: ${(total / 1000).toFixed(0)} s)\n`;
  for (const [file, e] of rows.slice(0, 25)) {
    yield `${(e.ms / 1000).toFixed(1).padStart(7)} s  ${file.replace(`${process.cwd()}/`, "")}\n`;
  }
}
