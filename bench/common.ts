/**
 * Small helpers the database benchmarks share: a `--name=value` option, medians and seconds as printed, a timed
 * call, and the PostgreSQL server of DATABASE_URL (its base URL, without a database).
 */

/** The value of `--name=value` in `argv`, or `fallback`. */
export function option(argv: string[], name: string, fallback: string): string {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

/** The middle value (the upper one of an even count). */
export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** Milliseconds as "1.23 s". */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs `fn` and answers how long it took (ms) with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
}

/** The server's base URL (no database) from DATABASE_URL, or the local trust-auth server. */
export function serverUrl(): string {
  if (!process.env.DATABASE_URL) return "postgres://postgres@127.0.0.1:5432";
  const u = new URL(process.env.DATABASE_URL);
  u.pathname = "";
  return u.toString().replace(/\/$/, "");
}
