/**
 * HTTP metrics of one app: requests and their duration per method, route pattern (`/api/v1/demands/:protocol`, never
 * the raw URL, so a scan of protocols cannot blow up the series) and status class. Registered only when someone can
 * read them (METRICS_TOKEN or METRICS_PORT): otherwise a request pays nothing for them.
 */
import type { FastifyInstance } from "fastify";
import { Counter, Histogram, Registry } from "prom-client";

/** Adds the onResponse hook that records every answered request; returns the registry the metrics live in. */
export function registerHttpMetrics(app: FastifyInstance): Registry {
  const registry = new Registry();
  const labelNames = ["method", "route", "status_class"] as const;
  const requests = new Counter({
    name: "responsiva_http_requests_total",
    help: "HTTP requests answered, per method, route pattern and status class",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "responsiva_http_request_duration_seconds",
    help: "Time from a request's arrival to its answer, per method, route pattern and status class",
    labelNames,
    // Few buckets: each is a series per route in every scrape. 5 ms to 10 s covers a cached read to a slow export.
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  // The labelled children of each (method, route, status) seen, made once: a request only looks its pair up.
  const series = new Map<string, { count: () => void; time: (seconds: number) => void }>();
  const seriesOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const statusClass = `${Math.floor(status / 100)}xx`;
      const counter = requests.labels(method, route, statusClass);
      const histogram = duration.labels(method, route, statusClass);
      found = { count: () => counter.inc(), time: (seconds) => histogram.observe(seconds) };
      series.set(key, found);
    }
    return found;
  };
  // A callback hook, not an async one: no promise per request.
  app.addHook("onResponse", (req, reply, done) => {
    // No route matched (a 404, or a request refused before routing): one series for all of them.
    const s = seriesOf(req.method, req.routeOptions.url ?? "unmatched", reply.statusCode);
    s.count();
    s.time(reply.elapsedTime / 1000);
    done();
  });
  return registry;
}
