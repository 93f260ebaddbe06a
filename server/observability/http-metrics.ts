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
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook("onResponse", async (req, reply) => {
    const labels = {
      method: req.method,
      // No route matched (a 404, or a request refused before routing): one series for all of them.
      route: req.routeOptions.url ?? "unmatched",
      status_class: `${Math.floor(reply.statusCode / 100)}xx`,
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  return registry;
}
